"""What every part of reservation's MongoDB access stands on: the property, its
collections, their indexes and the room types and default rate plan set up in them, and
a set-up document's key. The parts (property_store.py, reservation_store.py,
guest_identity_store.py, block_store.py, command_store.py) subclass it; repository.py
puts them together. Nightly inventory lives in inventory.py."""

from __future__ import annotations

from typing import Any

from shared.document_changes import AGGREGATE_FIELDS
from shared.property_setup import PropertySetup

from .inventory import Inventory
from .policies import DEFAULT_RATE_PLAN, default_rate_plan

NO_OUTBOX = AGGREGATE_FIELDS  # reads leave out the outbox and the relay's lease


class StoreContext:
    def __init__(self, database: Any, property_id: str) -> None:
        self.property_id = property_id
        self.inventory = Inventory(database, property_id)
        self.room_types = database["room_types"]
        self.rate_plans = database["rate_plans"]
        self.reservations = database["reservations"]
        self.blocks = database["blocks"]
        self.guests = database["guests"]
        self.stays = database["stays"]  # the desk's stays as the bookings follow them (stays.py)
        self.commands = database["reservation_commands"]
        # issue 18: loyalty's members as its guest events say, for the member rate
        self.members = database["members"]

    async def prepare(self, setup: PropertySetup) -> None:
        await self.inventory.prepare()
        await self.reservations.create_index("confirmation_number", unique=True)
        await self.reservations.create_index([("property_id", 1), ("arrival", 1)])
        # The janitor's poll (needing_repair): each branch of its `$or` by an index, so it
        # looks at the half-done bookings, not at every booking the hotel ever took.
        await self.reservations.create_index("amendment.started_at", sparse=True)
        # A check-out looks up the booking's other rooms' stays (StayFollower).
        await self.stays.create_index("reservation_id")
        await self.reservations.create_index([("inventory_settled", 1), ("updated_at", 1)])
        await self.reservations.create_index([("property_id", 1), ("status", 1)])
        await self.reservations.create_index("guest_id")
        await self.members.create_index("guest_id")
        # One reservation per channel reference and per Idempotency-Key; absent on most.
        await self.reservations.create_index("channel_reference", unique=True, sparse=True)
        await self.reservations.create_index("idempotency_key", unique=True, sparse=True)
        await self.blocks.create_index("idempotency_key", unique=True, sparse=True)
        await self.blocks.create_index([("property_id", 1), ("status", 1), ("release_date", 1)])
        await self.room_types.create_index("property_id")  # the index plan (shared/index_plan.py)
        await self.guests.create_index("guest_id")
        for room_type in setup.room_types:
            # First start loads the set-up; later starts keep what staff changed.
            await self.room_types.update_one(
                {"_id": self._key(room_type.code)},
                {
                    "$setOnInsert": {
                        "property_id": self.property_id,
                        "code": room_type.code,
                        "name": room_type.name,
                        "bed": room_type.bed,
                        "beds": [room_type.bed],
                        "features": sorted({f for room in room_type.rooms for f in room.features}),
                        "max_occupancy": room_type.max_occupancy,
                        "nightly_rate": str(room_type.nightly_rate),
                        "rooms": len(room_type.rooms),
                        "overbooking_allowance": 0,
                    }
                },
                upsert=True,
            )
        await self.rate_plans.update_one(
            {"_id": self._key(DEFAULT_RATE_PLAN)},
            {
                "$setOnInsert": {
                    "property_id": self.property_id,
                    "code": DEFAULT_RATE_PLAN,
                    **default_rate_plan(),
                }
            },
            upsert=True,
        )

    def _key(self, code: str) -> str:
        return f"{self.property_id}|{code}"
