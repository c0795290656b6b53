"""Front desk's MongoDB access: its arrivals projection, rooms, room nights and stays."""

from __future__ import annotations

from datetime import date
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from shared.property_setup import PropertySetup

OUTBOX_COLLECTIONS = ("stays",)


class FrontDeskRepository:
    def __init__(self, database: Any, property_id: str) -> None:
        self.property_id = property_id
        self.arrivals = database["arrivals"]
        self.rooms = database["rooms"]
        self.room_nights = database["room_nights"]
        self.stays = database["stays"]

    async def prepare(self, setup: PropertySetup) -> None:
        await self.stays.create_index("reservation_id", unique=True)
        await self.arrivals.create_index([("property_id", 1), ("arrival", 1)])
        for room_type in setup.room_types:
            for room in room_type.rooms:
                await self.rooms.update_one(
                    {"_id": self._room_key(room.number)},
                    {"$setOnInsert": {"property_id": self.property_id, "number": room.number,
                                      "room_type": room_type.code, "floor": room.floor,
                                      "bed": room_type.bed, "features": list(room.features)}},
                    upsert=True)

    # --- arrivals: a projection of reservation events -----------------------------

    async def record_arrival(self, arrival: dict[str, Any]) -> bool:
        """Idempotent by reservation id: a redelivered event changes nothing."""
        result = await self.arrivals.update_one(
            {"_id": arrival["_id"]}, {"$setOnInsert": arrival}, upsert=True)
        return result.upserted_id is not None

    async def arrival(self, reservation_id: str) -> dict[str, Any] | None:
        return await self.arrivals.find_one({"_id": reservation_id, "property_id": self.property_id})

    async def arrivals_on(self, day: date) -> list[dict[str, Any]]:
        return await self.arrivals.find(
            {"property_id": self.property_id, "arrival": day.isoformat()}).to_list(None)

    # --- rooms and room nights: one room per night, settled by a unique _id --------

    async def rooms_of_type(self, room_type: str) -> list[dict[str, Any]]:
        return await self.rooms.find(
            {"property_id": self.property_id, "room_type": room_type}).sort("number").to_list(None)

    async def claim_room_nights(self, room_number: str, nights: list[date], stay_id: str) -> bool:
        """Takes every night of the room for the stay, or none of them."""
        claimed: list[str] = []
        for night in nights:
            key = f"{self._room_key(room_number)}|{night.isoformat()}"
            try:
                await self.room_nights.insert_one({"_id": key, "stay_id": stay_id,
                                                   "property_id": self.property_id})
            except DuplicateKeyError:
                await self.room_nights.delete_many({"_id": {"$in": claimed}, "stay_id": stay_id})
                return False
            claimed.append(key)
        return True

    async def release_room_nights(self, stay_id: str) -> None:
        await self.room_nights.delete_many({"stay_id": stay_id})

    # --- stays -----------------------------------------------------------------------

    async def insert_stay(self, stay: dict[str, Any]) -> None:
        await self.stays.insert_one(stay)

    async def stay(self, stay_id: str) -> dict[str, Any] | None:
        return await self.stays.find_one({"_id": stay_id, "property_id": self.property_id},
                                         {"outbox": 0})

    async def stay_for_reservation(self, reservation_id: str) -> dict[str, Any] | None:
        return await self.stays.find_one({"reservation_id": reservation_id}, {"outbox": 0})

    async def check_out(self, stay_id: str, changes: dict[str, Any],
                        outbox: dict[str, Any]) -> dict[str, Any] | None:
        """Only an in-house stay checks out, and only once: the guard is in the filter."""
        return await self.stays.find_one_and_update(
            {"_id": stay_id, "status": "in_house"},
            {"$set": {**changes, "status": "checked_out"}, "$push": outbox},
            projection={"outbox": 0}, return_document=ReturnDocument.AFTER)

    def _room_key(self, room_number: str) -> str:
        return f"{self.property_id}|{room_number}"
