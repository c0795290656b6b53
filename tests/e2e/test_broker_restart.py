"""The broker restarted under load: consumers reconnect, the outbox holds what could not
be published meanwhile, and every effect happens exactly once."""

from __future__ import annotations

import os
import subprocess
from datetime import date, timedelta

import pytest

from tests.e2e.test_delivery_guarantees import count_tasks, ledger_entries
from tests.support.amqp import publish_events, wait_for
from tests.support.journeys import checkout
from tests.support.stack import Stack, wait_until

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        bool(os.environ.get("RABBITMQ_URL")), reason="restarts the local broker with rabbitmqctl"
    ),
]

BATCH = 200


async def test_a_broker_restart_mid_stream_loses_nothing_and_doubles_nothing(
    stack: Stack, amqp_url: str
) -> None:
    stack.start("reservation", "frontdesk", "housekeeping", "loyalty")
    housekeeping, loyalty = stack.client("housekeeping"), stack.client("loyalty")
    reservation, desk = stack.client("reservation"), stack.client("frontdesk")
    checkouts = [checkout(n)[1] for n in range(2 * BATCH)]

    await publish_events(amqp_url, checkouts[:BATCH])
    await wait_for(lambda: count_tasks(housekeeping) >= 20, timeout=60, message="first tasks")
    subprocess.run(["rabbitmqctl", "-q", "stop_app"], check=True, timeout=120)
    try:
        # While the broker is down the booking is still taken: its events wait in the outbox.
        arrival = date(2027, 9, 1)
        booked = reservation.post(
            "/reservations",
            json={
                "guest": {"first_name": "Rita", "last_name": "Outage", "email": "rita@example.com"},
                "room_type": "king",
                "arrival": arrival.isoformat(),
                "departure": (arrival + timedelta(days=1)).isoformat(),
                "adults": 1,
                "channel": "web",
            },
        )
        assert booked.status_code == 201, booked.text
    finally:
        subprocess.run(["rabbitmqctl", "-q", "start_app"], check=True, timeout=120)
        subprocess.run(["rabbitmqctl", "-q", "await_startup"], check=True, timeout=120)

    await publish_events(amqp_url, checkouts[BATCH:])
    await wait_for(
        lambda: count_tasks(housekeeping) >= 2 * BATCH,
        timeout=180,
        message="every task after the restart",
    )
    wait_until(
        lambda: desk.get("/arrivals", params={"date": arrival.isoformat()}).json()["total"],
        timeout=60,
        message="the booking made during the outage, at the desk",
    )
    await stack.wait_quiet()

    entries = ledger_entries(loyalty, [c.payload.guest_id for c in checkouts])
    assert count_tasks(housekeeping) == 2 * BATCH
    assert sorted(len(found) for found in entries.values()) == [1] * (2 * BATCH)
    assert desk.get("/arrivals", params={"date": arrival.isoformat()}).json()["total"] == 1
    print(
        f"\nbroker restarted mid-stream: {2 * BATCH} checkouts -> "
        f"{count_tasks(housekeeping)} tasks, {sum(map(len, entries.values()))} ledger entries; "
        f"the booking taken while it was down reached the desk once"
    )
