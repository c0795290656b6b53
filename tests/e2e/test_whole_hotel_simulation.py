"""The whole hotel, business day after business day: the five services as processes on
the real broker, the demo property's 40 rooms, seeded random operations from every
channel, a night audit closing each day, and the departments checked against each other
after every day.

`make test` runs a short version (5 days). The full 30 days:

    .venv/bin/python -m pytest -m simulation -s

Replay a run with SIMULATION_SEED=<the printed seed>.
"""

from __future__ import annotations

import os
import random
from collections import Counter
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

import pytest

from tests.support.stack import SERVICE_NAMES, Stack

pytestmark = pytest.mark.e2e

FIRST_DAY = date(2027, 5, 3)
ROOM_TYPES = {"standard_twin": 12, "king": 10, "business": 8, "deluxe": 6, "suite": 4}
CHANNELS = ["web", "phone", "ota", "corporate"]
PASSPORT = {
    "first_name": "Walk",
    "last_name": "In",
    "gender": "female",
    "nationality": "PT",
    "document": {"type": "passport", "number": "CB123456", "expires_on": "2031-01-01"},
}

# Invariants that fail only because of the other half of issue 12 (hotel-b): reported
# with their counts, not asserted. The lead switches each on after merging hotel-b.
TODO_HOTEL_B: set[str] = set()  # all on: a check after settlement has its own invoice


def days_to_simulate(default: int) -> int:
    return int(os.environ.get("SIMULATION_DAYS") or default)


def hotel_time(stack: Stack, day: date, hour: int, minute: int = 0) -> None:
    stack.set_hotel_time(day.isoformat(), hour, minute)


class Hotel:
    """The hotel's staff and guests, driving the five services over HTTP."""

    def __init__(self, stack: Stack, seed: int) -> None:
        self.stack = stack
        self.rng = random.Random(seed)
        self.reservation, self.desk, self.housekeeping, self.loyalty, self.feedback = (
            stack.client(name)
            for name in ("reservation", "frontdesk", "housekeeping", "loyalty", "feedback")
        )
        self.ops: Counter[str] = Counter()
        self.checked: Counter[str] = Counter()
        self.failures: list[str] = []
        self.todo_failures: Counter[str] = Counter()
        self.bookings: dict[str, dict[str, Any]] = {}  # reservation id -> booking
        self.stays: dict[str, dict[str, Any]] = {}  # stay id -> stay
        self.room_checks: dict[str, Decimal] = {}  # stay id -> charged in its check
        self.rooms = [room for room in self._all_rooms()]

    @staticmethod
    def _room_types() -> dict[str, str]:
        from shared.property_setup import load_property

        return {
            room.number: room_type.code
            for room_type in load_property().room_types
            for room in room_type.rooms
        }

    def _all_rooms(self) -> list[str]:
        from shared.property_setup import load_property

        return [room.number for room_type in load_property().room_types for room in room_type.rooms]

    # --- the operations ------------------------------------------------------------------

    def book(self, today: date) -> None:
        room_type = self.rng.choices(list(ROOM_TYPES), weights=list(ROOM_TYPES.values()))[0]
        arrival = today + timedelta(days=self.rng.randint(0, 6))
        rooms = 2 if self.rng.random() < 0.08 else 1
        number = len(self.bookings) + self.ops["booking refused"]
        response = self.reservation.post(
            "/reservations",
            json={
                "guest": {
                    "first_name": "Guest",
                    "last_name": f"No{number}",
                    "email": f"guest{number}@example.com",
                },
                "room_type": room_type,
                "arrival": arrival.isoformat(),
                "departure": (arrival + timedelta(days=self.rng.randint(1, 4))).isoformat(),
                "adults": rooms,
                "room_count": rooms,
                "channel": self.rng.choice(CHANNELS),
            },
        )
        if response.status_code == 201:
            self.bookings[response.json()["id"]] = response.json()
            self.ops["booking" if rooms == 1 else "booking of 2 rooms"] += 1
        else:
            assert response.status_code == 409, response.text
            self.ops["booking refused"] += 1

    def _future_bookings(self, today: date) -> list[str]:
        return sorted(
            rid
            for rid, b in self.bookings.items()
            if b["status"] == "confirmed" and date.fromisoformat(b["arrival"]) > today
        )

    def amend(self, today: date) -> None:
        candidates = self._future_bookings(today)
        if not candidates:
            return
        reservation_id = self.rng.choice(candidates)
        booking = self.bookings[reservation_id]
        departure = date.fromisoformat(booking["departure"]) + timedelta(
            days=self.rng.choice([-1, 1]) if booking["departure"] > booking["arrival"] else 1
        )
        if departure <= date.fromisoformat(booking["arrival"]):
            departure += timedelta(days=2)
        response = self.reservation.patch(
            f"/reservations/{reservation_id}",
            json={"departure": departure.isoformat(), "reason": "guest stays longer"},
        )
        if response.status_code == 200:
            self.bookings[reservation_id] = response.json()
            self.ops["amendment"] += 1
        else:
            assert response.status_code == 409, response.text
            self.ops["amendment refused"] += 1

    def cancel(self, today: date) -> None:
        candidates = self._future_bookings(today - timedelta(days=1))
        if not candidates:
            return
        reservation_id = self.rng.choice(candidates)
        response = self.reservation.post(
            f"/reservations/{reservation_id}/cancel", json={"reason": "plans changed"}
        )
        assert response.status_code in (200, 409), response.text
        if response.status_code == 200:
            self.bookings[reservation_id] = response.json()
            self.ops["cancellation"] += 1

    def check_out_departures(self, today: date) -> None:
        for stay in self.in_house():
            departure = date.fromisoformat(stay["departure"])
            # One guest of a booking of several rooms leaving early, the others staying,
            # is where reservation once kept the room sold that the desk gave away again.
            rooms = self.bookings.get(stay.get("reservation_id") or "", {}).get("room_count", 1)
            chance = 0.25 if rooms > 1 else 0.07
            early = departure > today + timedelta(days=1) and self.rng.random() < chance
            if departure <= today or early:
                kind = "check-out"
                if early:
                    kind = "early departure" + (" (one room of several)" if rooms > 1 else "")
                self.check_out(stay["stay_id"], kind)

    def check_out(self, stay_id: str, kind: str) -> None:
        response = self.desk.post(f"/stays/{stay_id}/checkout")
        assert response.status_code == 200, response.text
        self.stays[stay_id]["settlement"] = response.json()
        self.stays[stay_id]["status"] = "checked_out"
        self.ops[kind] += 1

    def clean_departed_rooms(self) -> None:
        """Attendants clean every departed room; some find minibar or damage to charge."""
        open_tasks = self.housekeeping.get(
            "/tasks", params={"kind": "departure_cleaning", "status": "open", "limit": 200}
        ).json()["items"]
        for task in open_tasks:
            if task.get("stay_id") and self.rng.random() < 0.25:
                amount = Decimal(self.rng.choice(["12.00", "45.50", "200.00"]))
                checked = self.housekeeping.post(
                    f"/tasks/{task['task_id']}/room-check",
                    json={
                        "minibar": [{"description": "water", "quantity": 1, "amount": str(amount)}],
                        "checked_by": "amy",
                    },
                )
                if checked.status_code == 201:
                    self.room_checks[task["stay_id"]] = amount
                    self.ops["room check with charges"] += 1
            started = self.housekeeping.post(
                f"/tasks/{task['task_id']}/start", json={"attendant": "amy"}
            )
            assert started.status_code == 200, started.text
            done = self.housekeeping.post(
                f"/tasks/{task['task_id']}/finish",
                json={"completed_items": started.json().get("checklist", [])},
            )
            assert done.status_code == 200, done.text
            self.ops["room cleaned"] += 1

    def take_out_of_order(self, today: date) -> None:
        """Engineering takes a vacant room out of order for tonight, of a type not sold out
        tonight (on a sold-out night the hotel would have to walk a guest: housekeeping
        does not know the bookings, so that check is the manager's, as here)."""
        occupied = {stay["room_number"] for stay in self.in_house()}
        left = self.reservation.get(
            "/availability",
            params={
                "arrival": today.isoformat(),
                "departure": (today + timedelta(days=1)).isoformat(),
            },
        ).json()["room_types"]
        room_type_of = self._room_types()
        candidates = [
            r for r in self.rooms if r not in occupied and left[room_type_of[r]]["rooms_left"] > 0
        ]
        if not candidates:
            self.ops["out-of-order skipped (all sold)"] += 1
            return
        room = self.rng.choice(candidates)
        start = self.stack_clock_at(today, 12)
        response = self.housekeeping.post(
            f"/rooms/{room}/out-of-order-periods",
            json={
                "start": start,
                "end": self.stack_clock_at(today + timedelta(days=1), 11),
                "reason": "air conditioning",
            },
        )
        assert response.status_code in (201, 409), response.text
        self.ops[
            "out-of-order period" if response.status_code == 201 else "out-of-order refused"
        ] += 1

    @staticmethod
    def stack_clock_at(day: date, hour: int) -> str:
        from tests.support.stack import at_hotel

        return at_hotel(day.isoformat(), hour).isoformat()

    def check_in_arrivals(self, today: date) -> None:
        arrivals = self.desk.get("/arrivals", params={"date": today.isoformat()}).json()["items"]
        for arrival in arrivals:
            if arrival["status"] != "expected" or self.rng.random() < 0.1:
                continue  # some never come: the night audit makes them no-shows
            rooms = self.bookings.get(arrival["reservation_id"], {}).get("room_count", 1)
            for _ in range(rooms):
                response = self.desk.post(
                    "/stays", json={"reservation_id": arrival["reservation_id"]}
                )
                if response.status_code == 201:
                    self.track(response.json())
                    self.ops["check-in" if rooms == 1 else "check-in of a 2-room booking"] += 1
                else:
                    assert response.status_code == 409, response.text
                    self.ops["check-in refused (no ready room)"] += 1

    def walk_in(self, today: date) -> None:
        room_type = self.rng.choice(list(ROOM_TYPES))
        response = self.desk.post(
            "/walk-ins",
            json={
                "room_type": room_type,
                "adults": 1,
                "registration": PASSPORT,
                "departure": (today + timedelta(days=self.rng.randint(1, 3))).isoformat(),
            },
        )
        if response.status_code == 201:
            self.track(response.json())
            self.ops["walk-in"] += 1
        else:
            assert response.status_code == 409, response.text
            self.ops["walk-in refused"] += 1

    def extend(self, today: date) -> None:
        stays = self.in_house()
        if not stays:
            return
        stay = self.rng.choice(stays)
        response = self.desk.post(
            f"/stays/{stay['stay_id']}/extension",
            json={
                "departure": (date.fromisoformat(stay["departure"]) + timedelta(days=1)).isoformat()
            },
        )
        assert response.status_code in (200, 409), response.text
        if response.status_code == 200:  # the new departure, as the desk answered
            self.stays[stay["stay_id"]]["departure"] = response.json()["departure"]
        self.ops["extension" if response.status_code == 200 else "extension refused"] += 1

    def move(self) -> None:
        stays = self.in_house()
        if not stays:
            return
        stay = self.rng.choice(stays)
        response = self.desk.post(
            f"/stays/{stay['stay_id']}/move", json={"reason": "air conditioning"}
        )
        assert response.status_code in (200, 409), response.text
        if response.status_code == 200:
            self.stays[stay["stay_id"]]["room_number"] = response.json()["room_number"]
        self.ops["room move" if response.status_code == 200 else "room move refused"] += 1

    def request_and_complain(self) -> None:
        stays = self.in_house()
        if not stays:
            return
        stay = self.rng.choice(stays)
        if self.rng.random() < 0.5:
            response = self.desk.post(
                f"/stays/{stay['stay_id']}/requests",
                json={"kind": "amenities", "details": "extra towels", "taken_by": "desk-li"},
            )
            self.ops["guest request"] += response.status_code == 201
        else:
            response = self.desk.post(
                f"/stays/{stay['stay_id']}/complaints",
                json={
                    "category": "noise",
                    "severity": "medium",
                    "description": "noisy corridor",
                    "taken_by": "desk-li",
                },
            )
            self.ops["complaint"] += response.status_code == 201
        assert response.status_code == 201, response.text

    def night_audit(self) -> dict[str, Any]:
        response = self.desk.post("/night-audit", json={})
        assert response.status_code == 200, response.text
        self.ops["night audit"] += 1
        return response.json()

    # --- what the hotel knows --------------------------------------------------------------

    def track(self, stay: dict[str, Any]) -> None:
        self.stays[stay["stay_id"]] = {**stay, "status": "in_house"}

    def in_house(self) -> list[dict[str, Any]]:
        return [stay for stay in self.stays.values() if stay["status"] == "in_house"]

    # --- the invariants ----------------------------------------------------------------------

    def check(self, name: str, holds: bool, detail: str) -> None:
        self.checked[name] += 1
        if holds:
            return
        if name in TODO_HOTEL_B:
            self.todo_failures[name] += 1
        else:
            self.failures.append(f"{name}: {detail}")

    def check_invariants(self, closed: date) -> None:
        """After the night audit of `closed`, with every queue drained."""
        tonight = closed  # the night the guests are sleeping
        # for every night: sold <= sellable (reservation's own count, stays and out of order in)
        nights = self.reservation.get(
            "/availability",
            params={
                "arrival": tonight.isoformat(),
                "departure": (tonight + timedelta(days=14)).isoformat(),
            },
        ).json()["room_types"]
        for room_type, answer in nights.items():
            for night, left in answer["nights"].items():
                self.check(
                    "sold <= sellable, every type and night",
                    left >= 0,
                    f"{room_type} on {night}: {left} left",
                )
        in_house = self.desk.get("/in-house", params={"date": tonight.isoformat()}).json()["items"]
        rooms = [stay["room_number"] for stay in in_house]
        self.check(
            "no room given twice",
            len(rooms) == len(set(rooms)),
            f"rooms {sorted(r for r in rooms if rooms.count(r) > 1)} on {tonight}",
        )
        for stay in in_house:
            self.check(
                "every in-house guest has a room",
                bool(stay["room_number"]),
                f"stay {stay['stay_id']}",
            )
        # the desk's stays as the test saw them
        for stay_id, known in self.stays.items():
            stay = self.desk.get(f"/stays/{stay_id}").json()
            self.check(
                "the desk's stay is as the desk answered",
                stay["status"] == known["status"],
                f"stay {stay_id}: {stay['status']} vs {known['status']}",
            )
            if stay.get("reservation_id"):
                booking = self.reservation.get(f"/reservations/{stay['reservation_id']}").json()
                others_in = any(
                    s["status"] == "in_house"
                    for s in self.stays.values()
                    if s.get("reservation_id") == stay["reservation_id"]
                )
                expected = "in_house" if others_in else "checked_out"
                self.check(
                    "the reservation's status matches its stays",
                    booking["status"] == expected,
                    f"reservation {stay['reservation_id']}: {booking['status']}, "
                    f"stays say {expected}",
                )
        occupied = {stay["room_number"] for stay in in_house}
        for room in self.rooms:
            status = self.housekeeping.get(f"/rooms/{room}").json()["status"]
            self.check(
                "housekeeping's room status matches the desk's occupancy",
                status.startswith("occupied") == (room in occupied),
                f"room {room}: housekeeping {status}, desk "
                f"{'occupied' if room in occupied else 'vacant'}",
            )
        for stay_id, stay in self.stays.items():
            if stay["status"] != "checked_out" or stay.get("verified"):
                continue
            self._check_departed(stay_id, stay)

    def _check_departed(self, stay_id: str, stay: dict[str, Any]) -> None:
        folio = self.desk.get(f"/stays/{stay_id}/folio").json()
        charges = sum((Decimal(c["amount"]) for c in folio["charges"]), Decimal("0"))
        paid = sum(
            (
                Decimal(p["amount"]) * (-1 if p["kind"] == "refund" else 1)
                for p in folio["payments"]
            ),
            Decimal("0"),
        )
        due = Decimal(stay["settlement"]["amount_due"])
        self.check(
            "every closed folio balances to the cent",
            charges - paid == due,
            f"stay {stay_id}: charges {charges} - paid {paid} != due {due}",
        )
        if stay_id in self.room_checks:
            # on the folio, or on a post-departure invoice when it came after settlement
            billed = [
                c
                for c in [
                    *folio["charges"],
                    *(
                        line
                        for invoice in folio.get("post_departure_invoices", [])
                        for line in invoice["lines"]
                    ),
                ]
                if c["category"] == "minibar"
            ]
            self.check(
                "every room-check charge is on a bill",
                sum((Decimal(c["amount"]) for c in billed), Decimal("0"))
                >= self.room_checks[stay_id],
                f"stay {stay_id}",
            )
        # The room the guest left at check-out; a room moved out of has its own cleaning.
        left_room = self.desk.get(f"/stays/{stay_id}").json()["room_number"]
        tasks = [
            task
            for task in self.housekeeping.get(
                "/tasks", params={"stay_id": stay_id, "kind": "departure_cleaning"}
            ).json()["items"]
            if task["room_number"] == left_room
        ]
        self.check(
            "every checked-out stay has exactly one departure task",
            len(tasks) == 1,
            f"stay {stay_id}: {len(tasks)} in room {left_room}",
        )
        points = self.loyalty.get(f"/guests/{stay['guest_id']}/points")
        # the stay's earn entry (a stay with other spending also has a "spend" entry)
        entries = (
            [
                e
                for e in points.json().get("entries", [])
                if e.get("stay_id") == stay_id and e["kind"] == "earn"
            ]
            if points.status_code == 200
            else []
        )
        surveys = self.feedback.get("/surveys", params={"stay_id": stay_id}).json()["total"]
        name = (
            "every checked-out walk-in has one ledger entry and one survey"
            if stay.get("walk_in")
            else "every checked-out stay has exactly one ledger entry and one survey"
        )
        self.check(
            name,
            len(entries) == 1 and surveys == 1,
            f"stay {stay_id}: {len(entries)} ledger entries, {surveys} surveys",
        )
        stay["verified"] = True


async def simulate(stack: Stack, amqp_url: str, days: int, seed: int) -> Hotel:
    hotel_time(stack, FIRST_DAY, 9)
    stack.start(*SERVICE_NAMES, SCHEDULER_POLL_SECONDS="0.3", NIGHT_AUDIT_ENABLED="false")
    hotel = Hotel(stack, seed)
    print(f"\nwhole-hotel simulation: seed {seed}, {days} business days, {len(hotel.rooms)} rooms")
    # Bookings made ahead of the first day.
    for _ in range(45):
        hotel.book(FIRST_DAY)
    for offset in range(days):
        today = FIRST_DAY + timedelta(days=offset)
        hotel_time(stack, today, 10)  # morning: departures, cleaning
        await stack.wait_quiet()
        hotel.check_out_departures(today)
        await stack.wait_quiet()
        hotel.clean_departed_rooms()
        for _ in range(hotel.rng.randint(10, 16)):  # reservations: every channel
            hotel.book(today)
        for _ in range(hotel.rng.randint(0, 2)):
            hotel.amend(today)
        for _ in range(hotel.rng.randint(0, 2)):
            hotel.cancel(today)
        if hotel.rng.random() < 0.4:
            hotel.take_out_of_order(today)
        hotel_time(stack, today, 15)  # afternoon: arrivals, walk-ins
        await stack.wait_quiet()
        for _ in range(hotel.rng.randint(2, 4)):
            hotel.walk_in(today)
        hotel.check_in_arrivals(today)
        for _ in range(hotel.rng.randint(0, 2)):
            hotel.extend(today)
        if hotel.rng.random() < 0.5:
            hotel.move()
        for _ in range(hotel.rng.randint(1, 3)):
            hotel.request_and_complain()
        hotel_time(stack, today + timedelta(days=1), 1)  # 01:00: the night audit
        audit = hotel.night_audit()
        assert audit["night"] == today.isoformat() and audit["closed"], audit
        await stack.wait_quiet()
        refreshed = {
            rid: hotel.reservation.get(f"/reservations/{rid}").json() for rid in hotel.bookings
        }
        hotel.bookings.update(refreshed)
        hotel.ops["no-show"] = sum(1 for b in refreshed.values() if b["status"] == "no_show")
        hotel.check_invariants(today)
        print(
            f"  day {offset + 1} ({today}): {len(hotel.in_house())} in house, "
            f"{sum(hotel.checked.values())} checks so far, {len(hotel.failures)} failed"
        )
    return hotel


def report(hotel: Hotel) -> None:
    print("operations:")
    for name, count in sorted(hotel.ops.items()):
        print(f"  {name}: {count}")
    print("invariants checked:")
    for name, count in sorted(hotel.checked.items()):
        todo = (
            f"  (TODO hotel-b, not asserted: {hotel.todo_failures[name]} failing)"
            if name in TODO_HOTEL_B
            else ""
        )
        print(f"  {name}: {count}{todo}")
    for failure in hotel.failures[:20]:
        print(f"  FAILED {failure}")


async def run_simulation(stack: Stack, amqp_url: str, days: int) -> None:
    seed = int(os.environ.get("SIMULATION_SEED") or random.SystemRandom().randint(1, 10**6))
    hotel = await simulate(stack, amqp_url, days_to_simulate(days), seed)
    report(hotel)
    assert hotel.failures == [], f"seed {seed}: {len(hotel.failures)} invariant failures"
    assert hotel.ops["check-in"] and hotel.ops["check-out"] and hotel.ops["night audit"]


async def test_the_hotel_agrees_with_itself_after_every_business_day(
    stack: Stack, amqp_url: str
) -> None:
    await run_simulation(stack, amqp_url, days=5)


@pytest.mark.simulation
async def test_thirty_business_days(stack: Stack, amqp_url: str) -> None:
    """The full run: .venv/bin/python -m pytest -m simulation -s"""
    await run_simulation(stack, amqp_url, days=30)
