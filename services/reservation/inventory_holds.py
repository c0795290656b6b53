"""The nights a reservation holds: taken all or none, given back to the block or to
general inventory, settled to match the reservation's state, repaired after a crash,
and the availability they leave (published and asked for)."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from decimal import Decimal
from typing import Any

from shared.errors import Unprocessable
from shared.events import AvailabilityChanged, AvailabilityChangedPayload
from shared.logging import get_logger
from shared.outbox import outbox_entry

from .domain import (
    HoldKey,
    ReservationStatus,
    block_holder,
    expected_holds,
    nights_of,
    reservation_holder,
)
from .reservation_context import NoAvailability, ReservationContext, capacity_of, outbox_push

log = get_logger(__name__)


class InventoryHolds(ReservationContext):
    async def _take_every_night(
        self,
        holder: str,
        room_type: dict[str, Any],
        holds: dict[HoldKey, int],
        block: dict[str, Any] | None,
    ) -> None:
        for key, rooms in sorted(holds.items()):
            if block:
                taken = await self.inventory.pick_from_block(
                    key, block_holder(block["_id"]), holder, rooms
                )
                where = f"block {block['name']!r}"
            else:
                taken = await self.inventory.resize(key, holder, 0, rooms, capacity_of(room_type))
                where = room_type["name"]
            if not taken:
                raise NoAvailability(f"no {where} left on {key[1]}", night=key[1], room_type=key[0])

    async def _give_back(
        self, holder: str, holds: Iterable[HoldKey], block: dict[str, Any] | None
    ) -> None:
        """Returns a reservation's nights: to its block while the block holds them, else
        to general inventory. Safe to repeat."""
        for key in holds:
            if block and await self.inventory.return_to_block(
                key, block_holder(block["_id"]), holder
            ):
                continue
            await self.inventory.release(key, holder)

    async def _settle_inventory(self, reservation: dict[str, Any]) -> dict[str, Any]:
        """Makes what the reservation holds match what its state says it should hold
        (only ever by giving back), then publishes the nights' availability."""
        holder = reservation_holder(reservation["_id"])
        held = await self.inventory.holds_of(holder)
        expected = expected_holds(reservation)
        block = (
            {"_id": reservation["block_id"], "name": ""} if reservation.get("block_id") else None
        )
        touched = []
        for key, rooms in held.items():
            want = expected.get(key, 0)
            if rooms > want:
                if want == 0:
                    await self._give_back(holder, [key], block)
                else:
                    await self.inventory.resize(key, holder, rooms, want, capacity=0)
                touched.append(key)
        settled = await self.repository.update_reservation(
            {"_id": reservation["_id"], "inventory_settled": False},
            {
                "$set": {"inventory_settled": True},
                "$push": outbox_push(await self.availability_entries(touched)),
            },
        )
        return settled or reservation

    async def repair(self, reservation: dict[str, Any]) -> None:
        """Puts right what a crashed process left half-done (see the module docstring)."""
        if reservation["status"] == ReservationStatus.PENDING:
            block = (
                {"_id": reservation["block_id"], "name": ""}
                if reservation.get("block_id")
                else None
            )
            holder = reservation_holder(reservation["_id"])
            await self._give_back(
                holder, list((await self.inventory.holds_of(holder)).keys()), block
            )
            await self.repository.discard_pending(reservation["_id"])
            log.warning("abandoned booking discarded", reservation_id=reservation["_id"])
            return
        if reservation.get("amendment"):  # never committed: back to the recorded stay
            await self.repository.update_reservation(
                {"_id": reservation["_id"], "version": reservation["version"]},
                {"$set": {"inventory_settled": False, "amendment": None}},
            )
            reservation = {**reservation, "inventory_settled": False}
        await self._settle_inventory(reservation)
        self.events_written()
        log.warning("half-done reservation change repaired", reservation_id=reservation["_id"])

    async def availability_entries(
        self, keys: Iterable[HoldKey], room_types: dict[str, dict[str, Any]] | None = None
    ) -> list[dict[str, Any]]:
        """availability.changed per room type touched, with rooms left on each night.
        `room_types`: types the caller read already (by code); the others are read."""
        by_type: dict[str, list[str]] = {}
        for room_type, night in keys:
            by_type.setdefault(room_type, []).append(night)
        entries = []
        for code, nights in sorted(by_type.items()):
            setup = (room_types or {}).get(code) or await self._room_type(code)
            sold = await self.inventory.sold(code, nights)
            left = {n: capacity_of(setup) - sold.get((code, n), 0) for n in sorted(set(nights))}
            entries.append(
                outbox_entry(
                    AvailabilityChanged.new(
                        AvailabilityChangedPayload(room_type=code, rooms_left=left),
                        **self.event_origin(),
                    )
                )
            )
        return entries

    async def availability(self, arrival: date, departure: date) -> dict[str, Any]:
        if departure <= arrival:
            raise Unprocessable("departure must be after arrival")
        # Counted before the nights are made: a range of thousands of years is refused at
        # once instead of building millions of dates first.
        if (departure - arrival).days > self.max_nights:
            raise Unprocessable(f"ask for at most {self.max_nights} nights at a time")
        nights = [n.isoformat() for n in nights_of(arrival, departure)]
        sold = await self.inventory.sold(None, nights)
        result = {}
        for room_type in await self.repository.all_room_types():
            capacity = capacity_of(room_type)
            left_each_night = {n: capacity - sold.get((room_type["code"], n), 0) for n in nights}
            result[room_type["code"]] = {
                "name": room_type["name"],
                "rooms_left": max(0, min(left_each_night.values())),
                "nights": left_each_night,
                "nightly_rate": Decimal(room_type["nightly_rate"]),
            }
        return result
