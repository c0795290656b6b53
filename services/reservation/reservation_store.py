"""Reservations: recorded pending, changed by one guarded write with their outbox (a
rule's moved aggregate written as what changed: closed, reconfirmed, a room assigned,
claimed for an amendment and the claim lifted), read by id, key or field, the half-done
ones found for repair, searched and reported on."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from .domain import ReservationStatus
from .reservation_aggregate import Reservation
from .reservation_documents import reservation_changes, reservation_from_document
from .store_context import NO_OUTBOX, StoreContext


class ReservationStore(StoreContext):
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

    async def close(
        self, read: Reservation, moved: Reservation, outbox: dict[str, Any]
    ) -> dict[str, Any] | None:
        """Closes once, from the version read: None when it changed meanwhile, was closed
        or is being amended. The settling and a reconfirmation move `inventory_settled`
        and `updated_at` without a new version, so those are written even when as read."""
        return await self.update_reservation(
            {
                "_id": read.id,
                "version": read.version,
                "status": ReservationStatus.CONFIRMED,
                "amendment": None,
            },
            {
                "$set": reservation_changes(read, moved, "inventory_settled", "updated_at"),
                "$push": outbox,
            },
        )

    async def reconfirm(
        self, read: Reservation, moved: Reservation, outbox: dict[str, Any]
    ) -> dict[str, Any] | None:
        """Once, while it is confirmed and still tentative (None: cancelled or reconfirmed
        meanwhile), with the letter it asks for. An assignment moves `updated_at` and this
        guard names no version, so it is written even when as read."""
        return await self.update_reservation(
            {"_id": read.id, "status": ReservationStatus.CONFIRMED, "tentative": True},
            {
                "$set": reservation_changes(read, moved, "updated_at"),
                "$addToSet": {"letters_due": "reconfirmed"},
                "$push": outbox,
            },
        )

    async def assign_room(
        self, read: Reservation, moved: Reservation, outbox: dict[str, Any]
    ) -> dict[str, Any] | None:
        """From the version read, while confirmed (None: it changed meanwhile). The
        settling and a reconfirmation move `inventory_settled` and `updated_at` without a
        new version, so those are written even when as read."""
        return await self.update_reservation(
            {"_id": read.id, "version": read.version, "status": ReservationStatus.CONFIRMED},
            {
                "$set": reservation_changes(read, moved, "inventory_settled", "updated_at"),
                "$push": outbox,
            },
        )

    async def claim_for_amendment(
        self, read: Reservation, moved: Reservation
    ) -> Reservation | None:
        """From the version read, while confirmed and claimed by no other amendment (None:
        it changed meanwhile). The claim moves no version: the amendment is saved against
        the version read (amendments.py)."""
        claimed = await self.update_reservation(
            {
                "_id": read.id,
                "version": read.version,
                "status": ReservationStatus.CONFIRMED,
                "amendment": None,
            },
            {"$set": reservation_changes(read, moved)},
        )
        return None if claimed is None else reservation_from_document(claimed)

    async def drop_amendment(self, claimed: Reservation, moved: Reservation) -> None:
        """Lifts the claim while the booking is at the version claimed."""
        await self.update_reservation(
            {"_id": claimed.id, "version": claimed.version},
            {"$set": reservation_changes(claimed, moved)},
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
