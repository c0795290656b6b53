"""The producer allow-list covers every contract once and agrees with the test journeys."""

from __future__ import annotations

from fnmatch import fnmatchcase

import aio_pika
import pytest

from shared.consumer import ProducerNotAllowed, check_producer
from shared.events import ALL_EVENTS
from shared.producers import ALLOWED_PRODUCERS, allowed_producers
from tests.support.journeys import checkout


@pytest.mark.parametrize("event", ALL_EVENTS, ids=lambda e: e.event_type)
def test_every_event_type_has_exactly_one_rule_and_one_producer(event) -> None:
    rules = [p for p in ALLOWED_PRODUCERS if fnmatchcase(event.event_type, p)]
    assert len(rules) == 1, (event.event_type, rules)
    assert len(allowed_producers(event.event_type)) == 1


def test_an_unknown_type_has_no_producer() -> None:
    assert allowed_producers("payroll.paid") == frozenset()


class Raw:
    def __init__(self, body: bytes, type: str | None = None, app_id: str | None = None):
        self.body, self.type, self.app_id = body, type, app_id


def test_the_journeys_tests_publish_come_from_their_allowed_producers() -> None:
    for event in checkout(1):
        check_producer(Raw(event.model_dump_json().encode(), event.type, event.producer),
                       ALLOWED_PRODUCERS)


@pytest.mark.parametrize("producer, app_id", [("loyalty", None), ("frontdesk", "loyalty"),
                                              ("loyalty", "frontdesk")])
def test_a_wrong_producer_or_app_id_is_refused(producer, app_id) -> None:
    event = checkout(1)[1].model_copy(update={"producer": producer})
    with pytest.raises(ProducerNotAllowed):
        check_producer(Raw(event.model_dump_json().encode(), event.type, app_id),
                       ALLOWED_PRODUCERS)
