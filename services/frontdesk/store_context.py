"""What every part of front desk's MongoDB access stands on: the property, its collections,
their indexes and the rooms set up in them, a room's key and the count of writes to the
rooms. The parts (arrival_store.py, room_store.py, room_night_store.py, stay_store.py,
guest_profile_store.py, business_day_store.py) subclass it; repository.py puts them
together."""

from __future__ import annotations

from typing import Any

from pymongo import ReturnDocument

from shared.document_changes import AGGREGATE_FIELDS
from shared.property_setup import PropertySetup

from .held_nights import HeldNights
from .room_cache import RoomsOfType

NO_OUTBOX = AGGREGATE_FIELDS  # reads leave out the outbox and the relay's lease


class StoreContext:
    def __init__(self, database: Any, property_id: str) -> None:
        self.property_id = property_id
        self.arrivals = database["arrivals"]
        self.rooms = database["rooms"]
        self.room_nights = database["room_nights"]
        self.stays = database["stays"]
        self.guests = database["guests"]
        self.counters = database["counters"]
        self.audits = database["night_audits"]
        self.id_scans = database["id_scans"]  # issue 18: services/frontdesk/id_scans.py
        self.business_days = database["business_days"]
        # the communication log (front_office.py); an amendment after check-in writes a
        # follow-up in it (amended_in_house.py)
        self.front_office_log = database["front_office_log"]
        self.room_periods = database["room_periods"]
        # issue 18: each guest's latest questionnaire, for recognition (guest_feedback.py)
        self.guest_feedback = database["guest_feedback"]
        # each type's rooms as allocation reads them, while no other process wrote them
        self.room_cache = RoomsOfType()
        # the rooms held on each night as allocation asks, likewise (held_nights.py)
        self.held_nights = HeldNights()

    async def prepare(self, setup: PropertySetup) -> None:
        # One stay per room of a booking: room_count N gives N stays, room_index 0..N-1.
        former = (await self.stays.index_information()).get("reservation_id_1", {})
        if former.get("unique"):  # the former one-stay-per-booking index
            await self.stays.drop_index("reservation_id_1")
        await self.stays.create_index(
            [("reservation_id", 1), ("room_index", 1)], unique=True, sparse=True
        )
        await self.stays.create_index("reservation_id")
        await self.id_scans.create_index("guest_id")  # erasure finds a guest's scans
        await self.stays.create_index([("property_id", 1), ("status", 1)])
        await self.stays.create_index([("property_id", 1), ("departure", 1)])
        await self.stays.create_index("guest_id")
        await self.stays.create_index("alerts.case_id")  # a case's resolution finds its alert
        # the night-release janitor finds interrupted releases (night_release.py)
        await self.stays.create_index("release_pending.at", sparse=True)
        await self.arrivals.create_index([("property_id", 1), ("arrival", 1)])
        await self.arrivals.create_index("guest_id")
        await self.rooms.create_index([("property_id", 1), ("room_type", 1)])
        await self.room_nights.create_index("stay_id")
        await self.room_nights.create_index([("property_id", 1), ("night", 1)])
        await self.rooms.create_index("property_id")  # the index plan (shared/index_plan.py)
        await self.room_periods.create_index([("property_id", 1), ("nights", 1)])
        for room_type in setup.room_types:
            for room in room_type.rooms:
                # Rooms start as housekeeping starts them; room.status_changed moves them.
                await self.rooms.update_one(
                    {"_id": self._room_key(room.number)},
                    {
                        "$setOnInsert": {
                            "property_id": self.property_id,
                            "number": room.number,
                            "room_type": room_type.code,
                            "room_type_name": room_type.name,
                            "floor": room.floor,
                            "bed": room_type.bed,
                            "features": list(room.features),
                            "status": "vacant_inspected",
                            "status_at": "",
                        }
                    },
                    upsert=True,
                )
        await self.count_room_write()  # rooms a setup added: cached types are read again

    def _room_key(self, room_number: str) -> str:
        return f"{self.property_id}|{room_number}"

    async def count_room_write(self) -> int:
        """Counts a write to the rooms, after it; returns its number (room_cache.py)."""
        return await self._count_write(self._room_changes_key())

    async def _count_write(self, key: str) -> int:
        """Moves the write count `key` on by one, after the write it counts; returns its
        number (the process caches of room_cache.py and held_nights.py)."""
        counter = await self.counters.find_one_and_update(
            {"_id": key},
            {"$inc": {"value": 1}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        return int(counter["value"])

    async def _write_count(self, key: str) -> int:
        """How many writes the count `key` has had."""
        counter = await self.counters.find_one({"_id": key})
        return (counter or {}).get("value", 0)

    def _room_changes_key(self) -> str:
        """The counter of writes to the rooms (room_cache.py)."""
        return f"rooms|{self.property_id}"
