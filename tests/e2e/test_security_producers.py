"""A consumer parks what its producer may not send, on the real broker, with exact counts."""

from __future__ import annotations

import json

import pytest

from shared.outbox import outbox_entry, to_amqp_message
from tests.support.amqp import (
    all_consumer_queues,
    publish_events,
    publish_raw,
    queue_depths,
    wait_for,
)
from tests.support.journeys import checkout
from tests.support.stack import Stack

from .test_delivery_guarantees import count_tasks

pytestmark = pytest.mark.e2e


async def test_events_from_a_producer_not_allowed_to_send_them_are_parked(
    stack: Stack, amqp_url: str
) -> None:
    """The broker's own topic permissions refuse most forgeries at publish (see
    test_security_attacks.py); these come from a login that may write anywhere (the
    tests' administrator), so only the consumer's user_id check stands in the way."""
    stack.start("housekeeping")
    good = [checkout(n)[1] for n in range(20)]
    # envelope and app_id both say frontdesk, but no user_id vouches for it
    unvouched = checkout(100)[1]
    # user_id is the administrator's login, envelope and app_id say frontdesk
    wrong_login = checkout(101)[1]

    await publish_events(amqp_url, good[:10])
    await publish_events(amqp_url, [unvouched], as_producer=False)
    message = to_amqp_message(outbox_entry(wrong_login))
    await publish_raw(
        amqp_url,
        "stay.checked_out",
        message.body,
        type=message.type,
        message_id=message.message_id,
        app_id="frontdesk",
        user_id="guest",
        content_type="application/json",
    )
    await publish_events(amqp_url, good[10:])

    housekeeping = stack.client("housekeeping")
    await wait_for(lambda: count_tasks(housekeeping) >= 20, timeout=60, message="good ones")
    await stack.wait_quiet()

    assert count_tasks(housekeeping) == 20  # neither forgery made a task
    parked = housekeeping.get("/admin/parking").json()["housekeeping.stay-events"]
    reasons = {entry["message_id"]: entry["reason"] for entry in parked}
    assert reasons == {
        str(unvouched.event_id): "producer not allowed: no user_id: nobody vouches for "
        "'stay.checked_out'",
        str(wrong_login.event_id): "producer not allowed: guest may not send 'stay.checked_out'",
    }
    depths = await queue_depths(amqp_url, all_consumer_queues("housekeeping"))
    assert depths["housekeeping.stay-events.parking"] == 2
    print(f"\nparked: {json.dumps(parked)}")
