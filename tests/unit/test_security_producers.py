"""The producer allow-list covers every contract once and agrees with the test journeys."""

from __future__ import annotations

from fnmatch import fnmatchcase

import pytest

from shared.broker_identity import ORIGINAL_SENDER_HEADER
from shared.consumer import ProducerNotAllowed, check_producer
from shared.events import ALL_EVENTS
from shared.producers import (
    ALLOWED_COMMAND_SENDERS,
    ALLOWED_PRODUCERS,
    allowed_producers,
    sender_allowed,
)
from tests.support.journeys import checkout


@pytest.mark.parametrize("event", ALL_EVENTS, ids=lambda e: e.event_type)
def test_every_event_type_has_exactly_one_rule_and_one_producer(event) -> None:
    rules = [p for p in ALLOWED_PRODUCERS if fnmatchcase(event.event_type, p)]
    assert len(rules) == 1, (event.event_type, rules)
    assert len(allowed_producers(event.event_type)) == 1


def test_an_unknown_type_has_no_producer() -> None:
    assert allowed_producers("payroll.paid") == frozenset()


class Raw:
    def __init__(
        self,
        body: bytes,
        type: str | None = None,
        user_id: str | None = None,
        headers: dict | None = None,
        exchange: str = "hotel.events",
    ):
        self.body, self.type, self.user_id = body, type, user_id
        self.headers, self.exchange = headers or {}, exchange


def test_the_journeys_tests_publish_come_from_their_allowed_producers() -> None:
    for event in checkout(1):
        assert (
            check_producer(
                Raw(event.model_dump_json().encode(), event.type, event.producer), ALLOWED_PRODUCERS
            )
            == event.producer
        )


@pytest.mark.parametrize("user_id", [None, "", "loyalty", "guest", "frontdesk-x"])
def test_a_missing_or_wrong_user_id_is_refused_whatever_the_envelope_says(user_id) -> None:
    event = checkout(1)[1]  # stay.checked_out, producer "frontdesk" in the envelope
    with pytest.raises(ProducerNotAllowed):
        check_producer(
            Raw(event.model_dump_json().encode(), event.type, user_id), ALLOWED_PRODUCERS
        )


def test_the_original_sender_header_is_believed_only_from_the_own_dead_letter_exchange() -> None:
    event = checkout(1)[1]
    body = event.model_dump_json().encode()
    replayed = Raw(
        body,
        event.type,
        "housekeeping",
        {ORIGINAL_SENDER_HEADER: "frontdesk"},
        exchange="housekeeping.dlx",
    )
    assert check_producer(replayed, ALLOWED_PRODUCERS, own_login="housekeeping") == "frontdesk"
    for forged in (
        Raw(body, event.type, "housekeeping", {ORIGINAL_SENDER_HEADER: "frontdesk"}),
        Raw(
            body,
            event.type,
            "housekeeping",
            {ORIGINAL_SENDER_HEADER: ""},
            exchange="housekeeping.dlx",
        ),
        Raw(
            body,
            event.type,
            "loyalty",
            {ORIGINAL_SENDER_HEADER: "frontdesk"},
            exchange="housekeeping.dlx",
        ),
    ):
        with pytest.raises(ProducerNotAllowed):
            check_producer(forged, ALLOWED_PRODUCERS, own_login="housekeeping")


def test_commands_come_only_from_integrator_logins() -> None:
    assert sender_allowed("reservation.create", "integrator-ota-test", ALLOWED_COMMAND_SENDERS)
    for login in ("reservation", "housekeeping", None, "ota-test"):
        assert not sender_allowed("reservation.cancel", login, ALLOWED_COMMAND_SENDERS)
