"""Rooms at the desk, the front desk service as a process on the real broker: the room
status projection (newest event wins), pre-assignment for a day's arrivals by the rules
(VIPs and long stays first), the notice, cancellation giving the room back, check-in
on a pre-assigned room or a new one when it is not ready, room moves, extensions,
walk-ins and an early departure releasing the nights."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from shared.events import (
    GuestCreated,
    GuestProfilePayload,
    ReservationCancelled,
    ReservationCancelledPayload,
    RoomStatusChanged,
    RoomStatusChangedPayload,
)
from tests.integration.frontdesk_harness import PROPERTY, booking
from tests.support.amqp import EventTap, publish_events, wait_for
from tests.support.stack import Stack

pytestmark = pytest.mark.e2e

DAY = date(2027, 4, 1)
PASSPORT_GUEST = {
    "first_name": "Ana",
    "last_name": "Silva",
    "gender": "female",
    "nationality": "PT",
    "document": {"type": "passport", "number": "CB123456", "expires_on": "2031-01-01"},
}


def status_event(room: str, new: str, at: datetime) -> RoomStatusChanged:
    event = RoomStatusChanged.new(
        RoomStatusChangedPayload(
            room_number=room, old_status="vacant_inspected", new_status=new, reason="test"
        ),
        producer="housekeeping",
        property_id=PROPERTY,
    )
    return event.model_copy(update={"occurred_at": at})


async def test_rooms_are_pre_assigned_by_the_rules_and_given_back_moved_and_released(
    stack: Stack, amqp_url: str
) -> None:
    stack.start("frontdesk")
    stack.set_hotel_time(DAY.isoformat(), 15)  # the arrival date at the hotel
    desk = stack.client("frontdesk")
    t0 = datetime(2027, 3, 31, 8, tzinfo=UTC)
    async with EventTap(amqp_url, ["room.assigned", "stay.room_moved", "stay.checked_in"]) as tap:
        await publish_events(
            amqp_url,
            [
                status_event("401", "out_of_order", t0),
                status_event("402", "vacant_dirty", t0),
                status_event("403", "vacant_inspected", t0 + timedelta(hours=2)),
                status_event("403", "vacant_dirty", t0 + timedelta(hours=1)),  # older: ignored
                GuestCreated.new(
                    GuestProfilePayload(
                        guest_id="guest-1",
                        first_name="Wei",
                        last_name="Li",
                        vip=True,
                        tier="platinum",
                    ),
                    producer="loyalty",
                    property_id=PROPERTY,
                ),
                booking(1, "king", DAY, DAY + timedelta(days=2)),  # VIP
                booking(2, "king", DAY, DAY + timedelta(days=10)),  # long stay
                booking(3, "king", DAY, DAY + timedelta(days=2)),  # plain
                booking(4, "king", DAY, DAY + timedelta(days=2)),
                booking(5, "king", DAY, DAY + timedelta(days=2)),
            ],
            copies=2,
        )
        await wait_for(
            lambda: desk.get("/arrivals", params={"date": DAY.isoformat()}).json()["total"] == 5,
            message="the arrivals",
        )
        await stack.wait_quiet()  # the room status events (and their copies) handled too

        # Pre-assign three of them (4 and 5 wait): VIP first, then long stay, then plain.
        for reservation in ("res-4", "res-5"):
            assert (
                desk.post(
                    f"/arrivals/{reservation}/assignment",
                    json={"room_number": "505"}
                    if reservation == "res-4"
                    else {"room_number": "503"},
                ).status_code
                == 201
            )
        planned = desk.post("/arrivals/pre-assignment", json={"arrival_date": DAY.isoformat()})
        assert planned.status_code == 200, planned.text
        rooms = {item["reservation_id"]: item for item in planned.json()["items"]}
        assert (rooms["res-1"]["room_number"], rooms["res-1"]["rule"]) == ("504", "vip_long_stay")
        assert (rooms["res-2"]["room_number"], rooms["res-2"]["rule"]) == ("502", "vip_long_stay")
        # The plain guest gets the plainest ready king: not 401 (out of order), not 402 (dirty)
        assert rooms["res-3"]["room_number"] == "403"
        notice = desk.get("/arrivals/res-1/notice").json()
        assert (notice["room_number"], notice["floor"], notice["bed"], notice["orientation"]) == (
            "504",
            5,
            "king",
            "sea",
        )
        assert desk.post("/arrivals/res-1/assignment", json={}).status_code == 409
        # A dirty or out-of-order room is refused even by hand.
        assert (
            desk.post("/stays", json={"reservation_id": "res-3", "room_number": "402"}).status_code
            == 409
        )

        # Cancelling res-3 gives 403 back.
        await publish_events(
            amqp_url,
            [
                ReservationCancelled.new(
                    ReservationCancelledPayload(
                        reservation_id="res-3",
                        guest_id="guest-3",
                        old_status="confirmed",
                        cancellation_fee="0",
                        refund_amount="0",
                    ),
                    producer="reservation",
                    property_id=PROPERTY,
                )
            ],
        )
        await wait_for(
            lambda: (
                desk.get("/arrivals", params={"date": DAY.isoformat()}).json()["items"][2]["status"]
                == "cancelled"
            ),
            message="the cancellation",
        )
        assert desk.post("/stays", json={"reservation_id": "res-3"}).status_code == 409
        moved_in = desk.post("/stays", json={"reservation_id": "res-5", "room_number": "403"})
        assert moved_in.status_code == 201, moved_in.text
        assert moved_in.json()["assignment"]["rule"] == "manual_override"

        # The VIP checks in to the pre-assigned room; the long stay's room turned dirty.
        vip = desk.post("/stays", json={"reservation_id": "res-1"}).json()
        assert (vip["room_number"], vip["assignment"]["rule"]) == ("504", "vip_long_stay")
        await publish_events(
            amqp_url, [status_event("502", "vacant_dirty", t0 + timedelta(hours=5))]
        )
        await stack.wait_quiet()
        long_stay = desk.post("/stays", json={"reservation_id": "res-2"}).json()
        assert long_stay["room_number"] not in ("502", "504", "503", "505", "403", "401", "402")

        # A room move and an extension, still one room per night.
        moved = desk.post(f"/stays/{vip['stay_id']}/move", json={"reason": "air conditioning"})
        assert moved.status_code == 200, moved.text
        new_room = moved.json()["room_number"]
        assert new_room != "504"
        assert (
            desk.post(
                f"/stays/{long_stay['stay_id']}/move", json={"to_room": new_room, "reason": "view"}
            ).status_code
            == 409
        )
        assert (
            desk.post(
                f"/stays/{moved_in.json()['stay_id']}/move",
                json={"to_room": "504", "reason": "upgrade"},
            ).status_code
            == 200
        )
        extended = desk.post(
            f"/stays/{vip['stay_id']}/extension",
            json={"departure": (DAY + timedelta(days=3)).isoformat()},
        )
        assert extended.status_code == 200, extended.text

        await wait_for(lambda: len(tap.bodies("stay.room_moved")) == 2, message="two room moves")
        await stack.wait_quiet()
        assert len(tap.bodies("stay.checked_in")) == 3
        # the relay does not promise the order of two services' events: find the VIP's
        vip_flags = {
            body["payload"]["stay_id"]: body["payload"]["vip"]
            for body in tap.bodies("stay.checked_in")
        }
        assert vip_flags[vip["stay_id"]] is True
        assert sum(vip_flags.values()) == 1
        rules = sorted(body["payload"]["rule"] for body in tap.bodies("room.assigned"))
        # pre-assigned: VIP, long stay, plain; by hand: res-4, res-5, res-5 at check-in, the
        # upgrade move; the long stay again at check-in, the VIP's move
        assert rules == ["manual_override"] * 4 + ["ready_rooms_only"] + ["vip_long_stay"] * 4

    # A walk-in who leaves the same day: charged one night, the rest released.
    today = DAY  # the desk's business date, by the stack's clock
    walk_in = desk.post(
        "/walk-ins",
        json={
            "room_type": "suite",
            "departure": (today + timedelta(days=3)).isoformat(),
            "adults": 1,
            "registration": PASSPORT_GUEST,
            "deposit": {"amount": "2000.00", "method": "cash"},
        },
    )
    assert walk_in.status_code == 201, walk_in.text
    suite = walk_in.json()
    assert suite["walk_in"] is True
    assert suite["registration"]["document_number_masked"] == "****3456"
    settled = desk.post(f"/stays/{suite['stay_id']}/checkout", json={"waive_late_fee": True}).json()
    assert (
        settled["early_departure"],
        settled["nights"],
        settled["room_charges"],
        settled["refund"],
    ) == (True, 1, "1680.00", "320.00")
    again = desk.post(
        "/walk-ins",
        json={
            "room_type": "suite",
            "departure": (today + timedelta(days=3)).isoformat(),
            "adults": 1,
            "registration": PASSPORT_GUEST,
            "room_number": suite["room_number"],
        },
    )
    assert again.status_code == 201, again.text  # the released nights are free again

    # The same walk-in or request sent twice with one Idempotency-Key: one stay, one request.
    keyed = {
        "room_type": "king",
        "adults": 1,
        "registration": PASSPORT_GUEST,
        "departure": (today + timedelta(days=1)).isoformat(),
    }
    first = desk.post("/walk-ins", json=keyed, headers={"Idempotency-Key": "walk-in-42"})
    second = desk.post("/walk-ins", json=keyed, headers={"Idempotency-Key": "walk-in-42"})
    assert first.status_code == second.status_code == 201
    assert first.json()["stay_id"] == second.json()["stay_id"]
    assert first.json()["room_number"] == second.json()["room_number"]
    stay_id = first.json()["stay_id"]
    towels = {"kind": "amenities", "details": "towels", "taken_by": "desk-li"}
    ids = {
        desk.post(
            f"/stays/{stay_id}/requests", json=towels, headers={"Idempotency-Key": "towels-1"}
        ).json()["request_id"]
        for _ in range(2)
    }
    assert len(ids) == 1
    # in house tonight: the three booked guests, the second suite walk-in and this one (the
    # first suite left)
    assert desk.get("/in-house", params={"date": today.isoformat()}).json()["total"] == 5
