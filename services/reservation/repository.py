"""Reservation's MongoDB access: room types, nightly inventory, reservations, guests."""

from __future__ import annotations

import hashlib
import uuid
from datetime import date
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from shared.property_setup import PropertySetup

OUTBOX_COLLECTIONS = ("reservations",)


class ReservationRepository:
    def __init__(self, database: Any, property_id: str) -> None:
        self.property_id = property_id
        self.room_types = database["room_types"]
        self.inventory = database["inventory"]
        self.reservations = database["reservations"]
        self.guests = database["guests"]

    async def prepare(self, setup: PropertySetup) -> None:
        await self.reservations.create_index("confirmation_number", unique=True)
        await self.reservations.create_index([("property_id", 1), ("arrival", 1)])
        await self.inventory.create_index([("property_id", 1), ("room_type", 1), ("night", 1)])
        for room_type in setup.room_types:
            # First start loads the set-up; later starts keep what staff changed.
            await self.room_types.update_one(
                {"_id": self._room_type_key(room_type.code)},
                {"$setOnInsert": {
                    "property_id": self.property_id, "code": room_type.code,
                    "name": room_type.name, "bed": room_type.bed,
                    "max_occupancy": room_type.max_occupancy,
                    "nightly_rate": str(room_type.nightly_rate),
                    "rooms": len(room_type.rooms), "overbooking_allowance": 0,
                }},
                upsert=True,
            )

    async def room_type(self, code: str) -> dict[str, Any] | None:
        return await self.room_types.find_one({"_id": self._room_type_key(code)})

    async def all_room_types(self) -> list[dict[str, Any]]:
        return await self.room_types.find({"property_id": self.property_id}).sort("code").to_list(None)

    # --- inventory: one document per room type and night --------------------------

    async def take_night(self, room_type: dict[str, Any], night: date) -> bool:
        """Sells one room of the type for the night if one is left. The guard on `sold`
        makes concurrent bookings of the last room settle in the database."""
        key = self._night_key(room_type["code"], night)
        capacity = room_type["rooms"] + room_type["overbooking_allowance"]
        await self.inventory.update_one(
            {"_id": key},
            {"$setOnInsert": {"property_id": self.property_id, "room_type": room_type["code"],
                              "night": night.isoformat(), "sold": 0}},
            upsert=True,
        )
        taken = await self.inventory.find_one_and_update(
            {"_id": key, "sold": {"$lt": capacity}}, {"$inc": {"sold": 1}})
        return taken is not None

    async def release_night(self, room_type_code: str, night: date) -> None:
        await self.inventory.update_one(
            {"_id": self._night_key(room_type_code, night), "sold": {"$gt": 0}},
            {"$inc": {"sold": -1}})

    async def sold_by_night(self, nights: list[date]) -> dict[tuple[str, str], int]:
        documents = await self.inventory.find(
            {"property_id": self.property_id, "night": {"$in": [n.isoformat() for n in nights]}}
        ).to_list(None)
        return {(doc["room_type"], doc["night"]): doc["sold"] for doc in documents}

    # --- reservations --------------------------------------------------------------

    async def insert_pending(self, document: dict[str, Any]) -> None:
        await self.reservations.insert_one(document)

    async def confirm(self, reservation_id: str, outbox: dict[str, Any]) -> dict[str, Any]:
        """Confirms and queues its events in the same single-document write."""
        return await self.reservations.find_one_and_update(
            {"_id": reservation_id, "status": "pending"},
            {"$set": {"status": "confirmed"}, "$push": outbox},
            return_document=ReturnDocument.AFTER,
        )

    async def discard_pending(self, reservation_id: str) -> None:
        await self.reservations.delete_one({"_id": reservation_id, "status": "pending"})

    async def get(self, reservation_id: str) -> dict[str, Any] | None:
        return await self.reservations.find_one(
            {"_id": reservation_id, "property_id": self.property_id, "status": {"$ne": "pending"}},
            {"outbox": 0})

    # --- guests: one id per e-mail address, so returning guests keep theirs ---------

    async def guest_id_for(self, email: str) -> str:
        # Keyed by a hash so the key itself is not the address.
        key = hashlib.sha256(email.strip().lower().encode()).hexdigest()
        try:
            guest = await self.guests.find_one_and_update(
                {"_id": key}, {"$setOnInsert": {"guest_id": str(uuid.uuid4())}},
                upsert=True, return_document=ReturnDocument.AFTER)
        except DuplicateKeyError:  # two first bookings raced; the other one's id stands
            guest = await self.guests.find_one({"_id": key})
        return guest["guest_id"]

    def _room_type_key(self, code: str) -> str:
        return f"{self.property_id}|{code}"

    def _night_key(self, code: str, night: date) -> str:
        return f"{self.property_id}|{code}|{night.isoformat()}"
