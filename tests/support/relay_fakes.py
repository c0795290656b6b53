"""The outbox relay without a broker: an exchange that confirms at once (or fails every
publish with `error`), the channel that hands it out, and an event to relay."""

from __future__ import annotations

from typing import Any

from shared.events import SurveySent, SurveySentPayload


class FakeExchange:
    def __init__(self, error: Exception | None = None) -> None:
        self.error = error
        self.published: list[str] = []

    async def publish(self, message: Any, routing_key: str, mandatory: bool) -> None:
        if self.error is not None:
            raise self.error
        self.published.append(message.message_id)


class FakeChannel:
    def __init__(self, exchange: FakeExchange) -> None:
        self.exchange = exchange

    async def get_exchange(self, name: str, ensure: bool) -> FakeExchange:
        return self.exchange


def survey_sent(n: int) -> SurveySent:
    return SurveySent.new(
        SurveySentPayload(survey_id=f"s{n}", stay_id=f"stay{n}", guest_id="g", channel="email"),
        producer="test",
        property_id="p",
    )
