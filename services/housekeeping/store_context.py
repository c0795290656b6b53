"""What every part of housekeeping's MongoDB access stands on: the property, its
collections, their indexes with the rooms and stock items set up in them, and a
document's key. The parts (room_store.py, task_store.py, guest_habit_store.py,
maintenance_store.py, stock_store.py, work_record_store.py) subclass it; repository.py
puts them together."""

from __future__ import annotations

from typing import Any

from shared.property_setup import PropertySetup

NO_OUTBOX = {"outbox": 0}


class StoreContext:
    def __init__(self, database: Any, property_id: str) -> None:
        self.property_id = property_id
        self.rooms = database["rooms"]
        self.tasks = database["tasks"]
        self.guests = database["guests"]
        self.maintenance = database["maintenance"]
        self.periods = database["room_periods"]
        self.stock = database["amenity_stock"]
        self.room_checks = database["room_checks"]
        self.plans = database["plans"]
        self.departures = database["stay_departures"]

    async def prepare(self, setup: PropertySetup, stock: dict[str, tuple[int, int]]) -> None:
        """Indexes, then rooms and stock items from the set-up (kept if already there)."""
        await self.tasks.create_index([("property_id", 1), ("stay_id", 1)])
        await self.tasks.create_index([("property_id", 1), ("status", 1)])
        await self.tasks.create_index([("property_id", 1), ("day", 1)])
        await self.tasks.create_index([("property_id", 1), ("guest_id", 1)])
        # a guest's maintenance requests, erased with the guest
        await self.maintenance.create_index([("property_id", 1), ("guest_id", 1)])
        await self.tasks.create_index([("effects_due.since", 1)], sparse=True)
        await self.periods.create_index([("property_id", 1), ("state", 1)])
        # a merge or an erasure finds the rooms the guest occupies
        await self.rooms.create_index([("property_id", 1), ("occupant.guest_id", 1)])
        # the stock list and its alerts read the property's items by name
        await self.stock.create_index([("property_id", 1), ("item", 1)])
        # a room's periods (its maintenance page, a new period's overlap check)
        await self.periods.create_index([("property_id", 1), ("room_number", 1)])
        # tasks of a kind (the reports' counts, a stay's or booking's task of that kind)
        await self.tasks.create_index([("property_id", 1), ("kind", 1)])
        # an assignment or cancellation finds the booking's arrival preparation
        await self.tasks.create_index([("property_id", 1), ("reservation_id", 1)])
        # the all-days inspection report reads only the inspected tasks: a partial index of
        # just those (sparse would not do: every task has property_id)
        await self.tasks.create_index(
            [("property_id", 1), ("inspections.0", 1)],
            partialFilterExpression={"inspections.0": {"$exists": True}},
        )
        for room_type in setup.room_types:
            for room in room_type.rooms:
                await self.rooms.update_one(
                    {"_id": self._key(room.number)},
                    {
                        "$setOnInsert": {
                            "property_id": self.property_id,
                            "number": room.number,
                            "room_type": room_type.code,
                            "floor": room.floor,
                            "status": "vacant_inspected",
                            "do_not_disturb": False,
                            "occupant": None,
                            "applied_events": [],
                        }
                    },
                    upsert=True,
                )
        for item, (on_hand, reorder_point) in stock.items():
            await self.stock.update_one(
                {"_id": self._key(item)},
                {
                    "$setOnInsert": {
                        "property_id": self.property_id,
                        "item": item,
                        "on_hand": on_hand,
                        "reorder_point": reorder_point,
                        "applied_events": [],
                    }
                },
                upsert=True,
            )

    def _key(self, name: str) -> str:
        return f"{self.property_id}|{name}"
