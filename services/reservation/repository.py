"""Reservation's MongoDB access: property set-up, reservations, blocks, guests, commands.
Nightly inventory lives in inventory.py."""

from __future__ import annotations

import hashlib
import re
import uuid
from datetime import datetime
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from shared.erasure import scrub_free_text
from shared.property_setup import PropertySetup

from .inventory import Inventory
from .policies import DEFAULT_RATE_PLAN, default_rate_plan
from .reservation_aggregate import Reservation

# Every collection whose documents carry an `outbox` for the relay.
# What erasure and retention overwrite: the people; the booking's dates and amounts stay.
# Free text a guest's erasure erases: what the guest asked for in their own words, why
# they cancelled (the kinds of request, the fees and dates stay).
FREE_TEXT = {"special_requests": ("detail",), "cancellation": ("reason",)}
ERASED_GUEST_FIELDS: dict[str, Any] = {
    "guest": {"first_name": "erased", "last_name": "erased", "email": None, "phone": None},
    "booker": None,
    "additional_guests": [],
}

OUTBOX_COLLECTIONS = (
    "reservations",
    "room_types",
    "blocks",
    "reservation_commands",
    "stays",
    "room_periods",
)
NO_OUTBOX = {"outbox": 0, "outbox_lease_until": 0, "outbox_lease_owner": 0}
RELAY_FIELDS = tuple(NO_OUTBOX)  # the relay's own, never the booking's


def reservation_from_document(document: dict[str, Any]) -> Reservation:
    """The stored booking as the aggregate, the relay's bookkeeping read away."""
    return Reservation.model_validate({k: v for k, v in document.items() if k not in RELAY_FIELDS})


def reservation_to_document(reservation: Reservation) -> dict[str, Any]:
    """The aggregate as stored: exactly the fields it was read with (a field left unset
    is not written), `_id` for the id, dates and amounts as their text."""
    return reservation.model_dump(by_alias=True, exclude_unset=True)


class ReservationRepository:
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

    # --- property set-up ------------------------------------------------------------

    async def room_type(self, code: str) -> dict[str, Any] | None:
        return await self.room_types.find_one({"_id": self._key(code)}, NO_OUTBOX)

    async def all_room_types(self) -> list[dict[str, Any]]:
        return (
            await self.room_types.find({"property_id": self.property_id}, NO_OUTBOX)
            .sort("code")
            .to_list(None)
        )

    async def save_room_type(
        self, code: str, fields: dict[str, Any], outbox: dict[str, Any]
    ) -> dict[str, Any]:
        return await self.room_types.find_one_and_update(
            {"_id": self._key(code)},
            {"$set": {"property_id": self.property_id, "code": code, **fields}, "$push": outbox},
            upsert=True,
            projection=NO_OUTBOX,
            return_document=ReturnDocument.AFTER,
        )

    async def rate_plan(self, code: str) -> dict[str, Any] | None:
        return await self.rate_plans.find_one({"_id": self._key(code)})

    async def all_rate_plans(self) -> list[dict[str, Any]]:
        return (
            await self.rate_plans.find({"property_id": self.property_id}).sort("code").to_list(None)
        )

    async def save_rate_plan(self, code: str, fields: dict[str, Any]) -> dict[str, Any]:
        return await self.rate_plans.find_one_and_update(
            {"_id": self._key(code)},
            {"$set": {"property_id": self.property_id, "code": code, **fields}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )

    # --- reservations ---------------------------------------------------------------

    async def insert_pending(self, document: dict[str, Any]) -> bool:
        """False when its Idempotency-Key or channel reference is already taken."""
        try:
            await self.reservations.insert_one(document)
        except DuplicateKeyError:
            return False
        return True

    async def update_reservation(
        self, guard: dict[str, Any], update: dict[str, Any]
    ) -> dict[str, Any] | None:
        """A guarded single-document write: state and outbox together, or nothing."""
        return await self.reservations.find_one_and_update(
            guard, update, projection=NO_OUTBOX, return_document=ReturnDocument.AFTER
        )

    async def discard_pending(self, reservation_id: str) -> None:
        await self.reservations.delete_one({"_id": reservation_id, "status": "pending"})

    async def get(self, reservation_id: str) -> dict[str, Any] | None:
        return await self.reservations.find_one(
            {"_id": reservation_id, "property_id": self.property_id, "status": {"$ne": "pending"}},
            NO_OUTBOX,
        )

    async def any_state(self, reservation_id: str) -> dict[str, Any] | None:
        return await self.reservations.find_one({"_id": reservation_id}, NO_OUTBOX)

    async def by_field(self, field: str, value: str) -> dict[str, Any] | None:
        return await self.reservations.find_one({field: value}, NO_OUTBOX)

    async def needing_repair(self, older_than: datetime, limit: int) -> list[dict[str, Any]]:
        """Reservations a crashed process may have left half-done: still pending, in the
        middle of an amendment, or with nights still to give back."""
        return await self.reservations.find(
            {
                "property_id": self.property_id,
                "$or": [
                    {"status": "pending", "created_at": {"$lt": older_than}},
                    {"amendment.started_at": {"$lt": older_than}},
                    {"inventory_settled": False, "updated_at": {"$lt": older_than}},
                ],
            },
            NO_OUTBOX,
        ).to_list(limit)

    async def search(
        self, query: dict[str, Any], offset: int, limit: int
    ) -> tuple[int, list[dict[str, Any]]]:
        query = {"property_id": self.property_id, **query}
        total = await self.reservations.count_documents(query)
        items = (
            await self.reservations.find(query, NO_OUTBOX)
            .sort([("arrival", 1), ("_id", 1)])
            .skip(offset)
            .limit(limit)
            .to_list(limit)
        )
        return total, items

    async def for_report(self, first: str, last: str) -> list[dict[str, Any]]:
        """Reservations (not pending) whose stay overlaps the nights first..last."""
        return await self.reservations.find(
            {
                "property_id": self.property_id,
                "status": {"$ne": "pending"},
                "arrival": {"$lte": last},
                "departure": {"$gt": first},
            },
            {"outbox": 0, "guest": 0, "booker": 0, "additional_guests": 0, "payment": 0},
        ).to_list(None)

    async def follow_merge(self, merged: list[str], surviving: str) -> int:
        """Merged-away guest ids become the survivor's: on bookings, and for the next
        booking made with the same contact."""
        result = await self.reservations.update_many(
            {"property_id": self.property_id, "guest_id": {"$in": merged}},
            {"$set": {"guest_id": surviving}},
        )
        await self.guests.update_many(
            {"guest_id": {"$in": merged}}, {"$set": {"guest_id": surviving}}
        )
        await self.members.update_many(
            {"guest_id": {"$in": merged}}, {"$set": {"guest_id": surviving}}
        )
        return result.modified_count

    # --- members (issue 18): keyed by member number, the newest profile version wins ---

    async def member(self, member_number: str) -> dict[str, Any] | None:
        return await self.members.find_one({"_id": member_number})

    async def save_member(self, member_number: str, record: dict[str, Any]) -> bool:
        """Keeps the profile version given if it is newer than the one held."""
        try:
            result = await self.members.update_one(
                {"_id": member_number, "version": {"$lt": record["version"]}},
                {"$set": record},
                upsert=True,
            )
        except DuplicateKeyError:  # a newer (or the same) version is held already
            return False
        return bool(result.modified_count or result.upserted_id)

    async def anonymize_guests(self, guest_ids: list[str], at: datetime) -> int:
        result = await self.reservations.update_many(
            {"guest_id": {"$in": guest_ids}}, {"$set": {**ERASED_GUEST_FIELDS, "anonymized_at": at}}
        )
        await scrub_free_text(self.reservations, {"guest_id": {"$in": guest_ids}}, FREE_TEXT)
        await self.guests.delete_many({"guest_id": {"$in": guest_ids}})
        await self.members.delete_many({"guest_id": {"$in": guest_ids}})
        return result.modified_count

    # --- blocks ---------------------------------------------------------------------

    async def insert_block(self, document: dict[str, Any]) -> bool:
        try:
            await self.blocks.insert_one(document)
        except DuplicateKeyError:
            return False
        return True

    async def block(self, block_id: str) -> dict[str, Any] | None:
        return await self.blocks.find_one(
            {"_id": block_id, "property_id": self.property_id}, NO_OUTBOX
        )

    async def block_by_key(self, key: str) -> dict[str, Any] | None:
        return await self.blocks.find_one({"idempotency_key": key}, NO_OUTBOX)

    async def update_block(
        self, guard: dict[str, Any], update: dict[str, Any]
    ) -> dict[str, Any] | None:
        return await self.blocks.find_one_and_update(
            guard, update, projection=NO_OUTBOX, return_document=ReturnDocument.AFTER
        )

    async def delete_block(self, block_id: str) -> None:
        await self.blocks.delete_one({"_id": block_id, "status": "pending"})

    async def blocks_due(self, today: str, limit: int) -> list[dict[str, Any]]:
        return await self.blocks.find(
            {
                "property_id": self.property_id,
                "status": {"$in": ["open", "releasing"]},
                "release_date": {"$lte": today},
            },
            NO_OUTBOX,
        ).to_list(limit)

    # --- integrator commands that wrote no reservation ------------------------------

    async def record_command(
        self, command_id: str, document: dict[str, Any], outbox: dict[str, Any]
    ) -> None:
        await self.commands.update_one(
            {"_id": command_id},
            {"$setOnInsert": {"property_id": self.property_id, **document}, "$push": outbox},
            upsert=True,
        )

    # --- guests: one id per e-mail address and name, so returning guests keep theirs ----

    async def guest_id_for(self, email: str, first_name: str, last_name: str) -> str:
        """The guest id a booking files under. Keyed by the e-mail AND the name: a booking
        is unverified (anyone may type anyone's address), so an address alone must not
        file it under the profile of whoever used that address first (issue 15: the
        desk then greeted the booker as the victim). Same address, other name: a new
        guest id, and loyalty puts the pair on its review list for a manager to decide.
        Keyed by a hash so the key itself is not the address."""
        person = "|".join(
            (email.strip().lower(), " ".join(f"{first_name} {last_name}".casefold().split()))
        )
        key = hashlib.sha256(person.encode()).hexdigest()
        try:
            guest = await self.guests.find_one_and_update(
                {"_id": key},
                {"$setOnInsert": {"guest_id": str(uuid.uuid4())}},
                upsert=True,
                return_document=ReturnDocument.AFTER,
            )
        except DuplicateKeyError:  # two first bookings raced; the other one's id stands
            guest = await self.guests.find_one({"_id": key})
        return guest["guest_id"]

    def _key(self, code: str) -> str:
        return f"{self.property_id}|{code}"


def name_pattern(text: str) -> dict[str, Any]:
    return {"$regex": re.escape(text), "$options": "i"}
