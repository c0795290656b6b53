"""One registry of events: each event class declares its type once; the envelope's `type`,
ALL_EVENTS, the producer rights and the subscribers' filters follow from it, and every
service's handlers match the bindings its queues have in shared/topology.py."""

from __future__ import annotations

from unittest.mock import MagicMock

import pytest
from faststream.rabbit import RabbitBroker
from pydantic import ValidationError

from services.feedback.consumers import register_consumers as feedback_consumers
from services.frontdesk.consumers import register_consumers as frontdesk_consumers
from services.housekeeping.consumers import register_consumers as housekeeping_consumers
from services.loyalty.consumers import register_consumers as loyalty_consumers
from services.reservation.consumers import register_consumers as reservation_consumers
from shared.consumer import Subscription, of_type, subscriptions_of
from shared.events import (
    ALL_EVENTS,
    EVENTS_BY_TYPE,
    Contract,
    Event,
    StayCheckedIn,
    StayCheckedOut,
    registered_events,
)
from shared.producers import ALLOWED_PRODUCERS, publishers_of
from shared.topology import CONSUMER_QUEUES, ConsumerQueue
from tests.support.journeys import checkout

REGISTRATIONS = {
    "reservation": lambda broker: reservation_consumers(broker, *(MagicMock() for _ in range(7))),
    "frontdesk": lambda broker: frontdesk_consumers(broker, MagicMock()),
    "housekeeping": lambda broker: housekeeping_consumers(
        broker, MagicMock(), MagicMock(), MagicMock(), day_rolled=MagicMock()
    ),
    "loyalty": lambda broker: loyalty_consumers(
        broker, MagicMock(), MagicMock(), business_dates=MagicMock(), day_rolled=MagicMock()
    ),
    "feedback": lambda broker: feedback_consumers(broker, MagicMock(), MagicMock()),
}


def test_every_event_class_is_registered_once_under_its_own_type() -> None:
    assert registered_events() == ALL_EVENTS
    assert len(ALL_EVENTS) == len({event.event_type for event in ALL_EVENTS}) == 53
    for event_type, event in EVENTS_BY_TYPE.items():
        assert event.event_type == event_type
        # the envelope's `type` field is the class's constant, whatever a message says
        assert event.model_fields["type"].default == event_type


def test_the_envelope_type_comes_from_the_class_and_a_wrong_one_is_refused() -> None:
    body = checkout(1)[1].model_dump(mode="json")  # a stay.checked_out of the test journeys
    del body["type"]
    assert StayCheckedOut.model_validate(body).type == "stay.checked_out"
    with pytest.raises(ValidationError):
        StayCheckedOut.model_validate({**body, "type": "stay.checked_in"})


def test_a_new_event_class_registers_itself_and_a_taken_type_is_refused() -> None:
    class ProbePayload(Contract):
        n: int

    with pytest.raises(TypeError, match="already the type of StayCheckedIn"):

        class Impostor(Event[ProbePayload]):
            event_type = StayCheckedIn.event_type


def test_each_registered_type_has_exactly_one_producer_derived_from_the_registry() -> None:
    assert set(ALLOWED_PRODUCERS) == set(EVENTS_BY_TYPE)
    assert all(len(producers) == 1 for producers in ALLOWED_PRODUCERS.values())
    published = [t for service in CONSUMER_QUEUES for t in publishers_of(service)]
    assert sorted(published) == sorted(EVENTS_BY_TYPE)


@pytest.mark.parametrize("service", sorted(REGISTRATIONS))
def test_every_binding_of_a_service_has_its_handler_and_no_handler_lacks_a_binding(
    service: str,
) -> None:
    broker = RabbitBroker()
    REGISTRATIONS[service](broker)
    subscriptions = subscriptions_of(broker)
    assert [s.queue.name for s in subscriptions] == [q.name for q in CONSUMER_QUEUES[service]]
    unhandled = {s.queue.name: s.unhandled() for s in subscriptions if s.unhandled()}
    assert unhandled == {}, f"bound in shared/topology.py but no handler: {unhandled}"


def test_a_handler_for_a_type_its_queue_is_not_bound_to_is_refused_at_registration() -> None:
    queue = ConsumerQueue("probe.stays", (StayCheckedIn.event_type,))
    stays = Subscription(RabbitBroker(), queue)
    with pytest.raises(ValueError, match="not bound to 'stay.checked_out'"):
        stays.handles(StayCheckedOut)
    with pytest.raises(ValueError, match="has a handler for 'stay.checked_in' already"):
        stays.handles(StayCheckedIn)(_noop)
        stays.handles(StayCheckedIn)
    # the older spelling of a branch written before `handles` is checked the same way
    with pytest.raises(ValueError, match="not bound to 'stay.checked_out'"):
        stays(filter=of_type(StayCheckedOut.event_type))


async def _noop(event: StayCheckedIn) -> None:
    return None
