"""Nothing lost, nothing twice: duplicates, crashes and poison, with exact counts."""

from __future__ import annotations

import asyncio
import json

import httpx
import pytest

from tests.support.amqp import (
    EventTap,
    all_consumer_queues,
    publish_events,
    publish_raw,
    queue_depths,
    unacknowledged,
    wait_for,
)
from tests.support.journeys import checkout, expected_points
from tests.support.stack import Stack

pytestmark = pytest.mark.e2e

CHECKOUTS = 500


def count_tasks(client: httpx.Client) -> int:
    return client.get("/tasks", params={"limit": 1}).json()["total"]


def count_surveys(client: httpx.Client, status: str | None = None) -> int:
    params = {"limit": 1, **({"status": status} if status else {})}
    return client.get("/surveys", params=params).json()["total"]


def ledger_entries(client: httpx.Client, guest_ids: list[str]) -> dict[str, list[dict]]:
    found = {}
    for guest_id in guest_ids:
        response = client.get(f"/guests/{guest_id}/points")
        found[guest_id] = response.json()["entries"] if response.status_code == 200 else []
    return found


async def test_500_checkouts_published_twice_and_shuffled_have_each_effect_once(
    stack: Stack, amqp_url: str
) -> None:
    stack.start("housekeeping", "loyalty", "feedback")
    journeys = [checkout(n) for n in range(CHECKOUTS)]
    profiles = [profile for profile, _ in journeys]
    checkouts = [checked_out for _, checked_out in journeys]

    published = await publish_events(amqp_url, [*profiles, *checkouts], copies=2, shuffle=True)
    assert published == 2 * 2 * CHECKOUTS

    housekeeping, loyalty, feedback = (
        stack.client(n) for n in ("housekeeping", "loyalty", "feedback")
    )
    await wait_for(lambda: count_tasks(housekeeping) >= CHECKOUTS, timeout=120, message="tasks")
    await wait_for(lambda: len(stack.smtp.messages) >= CHECKOUTS, timeout=120, message="mails")
    await stack.wait_quiet(workers=("survey-mailer",))

    assert count_tasks(housekeeping) == CHECKOUTS
    entries = ledger_entries(loyalty, [c.payload.guest_id for c in checkouts])
    assert sum(len(e) for e in entries.values()) == CHECKOUTS
    for event in checkouts:
        (entry,) = entries[event.payload.guest_id]
        assert entry["points"] == expected_points(event)
    assert count_surveys(feedback) == CHECKOUTS
    assert count_surveys(feedback, "sent") == CHECKOUTS
    mails = stack.smtp.messages
    assert len(mails) == CHECKOUTS
    assert len({mail["Message-ID"] for mail in mails}) == CHECKOUTS
    assert {mail["To"] for mail in mails} == {p.payload.email for p in profiles}
    print(
        f"\n{published} deliveries -> {count_tasks(housekeeping)} tasks, "
        f"{sum(len(e) for e in entries.values())} ledger entries, "
        f"{count_surveys(feedback)} surveys, {len(mails)} e-mails"
    )


async def test_loyalty_killed_mid_stream_loses_nothing_and_counts_nothing_twice(
    stack: Stack, amqp_url: str
) -> None:
    # Store calls much slower than a local MongoDB's (handlers run concurrently), so the
    # stream takes seconds and the kill lands with work in flight.
    stack.start(
        "loyalty",
        EMBEDDED_STORE_DIR=str(stack.work_dir / "loyalty-store"),
        EMBEDDED_STORE_MAX_DELAY_MS="400",
    )
    checkouts = [checkout(n)[1] for n in range(CHECKOUTS)]

    async with EventTap(amqp_url, ["loyalty.points_accrued"]) as tap:
        await publish_events(amqp_url, checkouts)

        # Kill it while it is working through the stream, at a moment the broker counts
        # messages delivered to loyalty and not yet acked.
        async def in_flight() -> int | None:
            return await asyncio.to_thread(unacknowledged, amqp_url, "loyalty.stay-events")

        if await in_flight() is None:  # a remote broker without rabbitmqctl: by the tap
            await wait_for(lambda: len(tap.received) >= 50, timeout=60, message="first entries")
            unacked_at_kill = None
        else:
            unacked_at_kill = await wait_for(
                in_flight, timeout=60, interval=0, message="messages in flight"
            )
        stack.services["loyalty"].kill()
        processed_before_kill = len(tap.received)

        async def ready_again() -> int:  # the broker returns the unacked ones to the queue
            return (await queue_depths(amqp_url, ["loyalty.stay-events"]))["loyalty.stay-events"]

        remaining = await wait_for(ready_again, timeout=30, message="unacked messages back")
        assert 0 < remaining < CHECKOUTS, "the kill did not land mid-stream"

        stack.restart("loyalty", EMBEDDED_STORE_DIR=str(stack.work_dir / "loyalty-store"))
        await stack.wait_quiet()
        await wait_for(
            lambda: len({b["payload"]["entry_id"] for b in tap.bodies()}) >= CHECKOUTS,
            timeout=30,
            message="every points_accrued event",
        )

    loyalty = stack.client("loyalty")
    entries = ledger_entries(loyalty, [c.payload.guest_id for c in checkouts])
    lost = [guest for guest, found in entries.items() if not found]
    doubled = [guest for guest, found in entries.items() if len(found) > 1]
    assert lost == [] and doubled == []
    assert all(entries[c.payload.guest_id][0]["points"] == expected_points(c) for c in checkouts)
    accrued_ids = [b["payload"]["entry_id"] for b in tap.bodies()]
    assert len(set(accrued_ids)) == CHECKOUTS
    print(
        f"\nkilled after {processed_before_kill} events out with {unacked_at_kill} "
        f"unacknowledged; {remaining} messages waiting at "
        f"restart; ledger: {sum(map(len, entries.values()))} entries, lost {len(lost)}, "
        f"doubled {len(doubled)}; points_accrued published {len(accrued_ids)} "
        f"({len(set(accrued_ids))} distinct)"
    )


async def test_reservation_killed_before_publishing_publishes_once_after_restart(
    stack: Stack, amqp_url: str
) -> None:
    store = str(stack.work_dir / "reservation-store")
    # The relay off: the process saves reservations but dies before any publish.
    stack.start("reservation", EMBEDDED_STORE_DIR=store, OUTBOX_RELAY_ENABLED="false")
    async with EventTap(amqp_url, ["reservation.created", "guest.contact_captured"]) as tap:
        booked = stack.client("reservation").post(
            "/reservations",
            json={
                "guest": {"first_name": "Ana", "last_name": "Lima", "email": "ana@example.com"},
                "room_type": "king",
                "arrival": "2027-02-01",
                "departure": "2027-02-02",
                "adults": 1,
                "channel": "phone",
            },
        )
        assert booked.status_code == 201
        assert tap.received == []  # the relay is off: nothing can have gone out
        stack.services["reservation"].kill()

        stack.restart("reservation", EMBEDDED_STORE_DIR=store, OUTBOX_RELAY_ENABLED="true")
        await wait_for(lambda: len(tap.received) >= 2, timeout=20, message="the held events")
        await stack.wait_quiet()  # a second copy would be out by now

    created = tap.bodies("reservation.created")
    assert [body["payload"]["reservation_id"] for body in created] == [booked.json()["id"]]
    assert len(tap.bodies("guest.contact_captured")) == 1
    assert (
        stack.client("reservation").get(f"/reservations/{booked.json()['id']}").status_code == 200
    )


async def test_a_malformed_message_is_parked_with_its_reason_and_the_good_ones_flow(
    stack: Stack, amqp_url: str
) -> None:
    stack.start("housekeeping")
    checkouts = [checkout(n)[1] for n in range(100)]
    await publish_events(amqp_url, checkouts[:50])
    await publish_raw(
        amqp_url,
        "stay.checked_out",
        b'{"type": "stay.checked_out", "payload": {}}',
        type="stay.checked_out",
        message_id="malformed-1",
        content_type="application/json",
        login="frontdesk",
    )
    await publish_events(amqp_url, checkouts[50:])

    housekeeping = stack.client("housekeeping")
    await wait_for(lambda: count_tasks(housekeeping) >= 100, timeout=60, message="good ones")
    await stack.wait_quiet()

    assert count_tasks(housekeeping) == 100
    parked = housekeeping.get("/admin/parking").json()["housekeeping.stay-events"]
    assert len(parked) == 1
    assert parked[0]["message_id"] == "malformed-1"
    assert "invalid message" in parked[0]["reason"] and "ValidationError" in parked[0]["reason"]
    depths = await queue_depths(amqp_url, all_consumer_queues("housekeeping"))
    assert depths == {
        **{name: 0 for name in all_consumer_queues("housekeeping")},
        "housekeeping.stay-events.parking": 1,
    }
    print(f"\nparked: {json.dumps(parked[0])}")
