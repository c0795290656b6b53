"""The outbox relay without a broker: a channel that confirms at once (or fails every
publish with `error`), the channel that hands it out, and an event to relay."""

from __future__ import annotations

from typing import Any

from shared.events import SurveySent, SurveySentPayload


class FakeExchange:
    """aiormq's channel as the relay publishes on it: confirms every message at once."""

    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.published: list[str] = []

    async def basic_publish(self, body: bytes, *, properties: Any, **publish: Any) -> None:
        if self.error is not None:
            raise self.error
        self.published.append(properties.message_id)


class FakeChannel:
    def __init__(self, exchange: FakeExchange) -> None:
        self.exchange = exchange

    async def get_underlay_channel(self) -> FakeExchange:
        return self.exchange


def survey_sent(n: int) -> SurveySent:
    return SurveySent.new(
        SurveySentPayload(survey_id=f"s{n}", stay_id=f"stay{n}", guest_id="g", channel="email"),
        producer="test",
        property_id="p",
    )
