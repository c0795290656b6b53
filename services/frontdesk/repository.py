"""Front desk's MongoDB access: arrivals, rooms, room nights, stays and guest profiles.

Every collection is this service's own projection or aggregate; nothing here reads
another service's data. One room per night is the unique `_id` of a room night.
"""

from __future__ import annotations

import contextlib
from collections.abc import Iterable
from datetime import date
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from shared.property_setup import PropertySetup

OUTBOX_COLLECTIONS = ("stays", "arrivals", "business_days")
ROOM_FIELDS = {"number": 1, "room_type": 1, "floor": 1, "bed": 1, "features": 1, "status": 1}
NO_OUTBOX = {"outbox": 0, "outbox_lease_until": 0, "outbox_lease_owner": 0}


class FrontDeskRepository:
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

    # --- arrivals: a projection of reservation events -----------------------------

    async def record_arrival(self, arrival: dict[str, Any]) -> bool:
        """Idempotent by reservation id: a redelivered event changes nothing."""
        result = await self.arrivals.update_one(
            {"_id": arrival["_id"]}, {"$setOnInsert": arrival}, upsert=True
        )
        return result.upserted_id is not None

    async def update_arrival(
        self, reservation_id: str, occurred_at: str, changes: dict[str, Any]
    ) -> dict[str, Any] | None:
        """Applies a newer reservation event to an arrival not yet checked in; an older
        or repeated one changes nothing. Returns the arrival as it was before."""
        return await self.arrivals.find_one_and_update(
            {
                "_id": reservation_id,
                "event_at": {"$lt": occurred_at},
                "status": {"$ne": "checked_in"},
            },
            {"$set": {**changes, "event_at": occurred_at}},
            projection=NO_OUTBOX,
            return_document=ReturnDocument.BEFORE,
        )

    async def arrival(self, reservation_id: str) -> dict[str, Any] | None:
        return await self.arrivals.find_one(
            {"_id": reservation_id, "property_id": self.property_id}, NO_OUTBOX
        )

    async def arrivals_on(self, day: date, status: str | None = None) -> list[dict[str, Any]]:
        query: dict[str, Any] = {"property_id": self.property_id, "arrival": day.isoformat()}
        if status:
            query["status"] = status
        return await self.arrivals.find(query, NO_OUTBOX).sort("_id").to_list(None)

    async def set_assignment(
        self, reservation_id: str, assignment: dict[str, Any], outbox: dict[str, Any]
    ) -> bool:
        """Only an expected arrival without a room gets one."""
        result = await self.arrivals.update_one(
            {"_id": reservation_id, "status": "expected", "assignment": None},
            {"$set": {"assignment": assignment}, "$push": outbox},
        )
        return result.modified_count == 1

    async def mark_arrival_checked_in(
        self, reservation_id: str, stay_id: str, *, all_rooms: bool = True
    ) -> None:
        """One more room of the booking is in house; checked_in once all of them are."""
        await self.arrivals.update_one(
            {"_id": reservation_id, "stay_ids": {"$ne": stay_id}},
            {
                "$set": {"stay_id": stay_id, **({"status": "checked_in"} if all_rooms else {})},
                "$push": {"stay_ids": stay_id},
                "$inc": {"rooms_checked_in": 1},
            },
        )

    async def count_stays_for(self, reservation_id: str) -> int:
        return await self.stays.count_documents({"reservation_id": reservation_id})

    # --- rooms: the desk's picture of housekeeping's room status ------------------

    async def all_rooms(self) -> list[dict[str, Any]]:
        return await self.rooms.find({"property_id": self.property_id}).sort("number").to_list(None)

    async def rooms_of_type(self, room_type: str) -> list[dict[str, Any]]:
        """What allocation needs of each room of one type, nothing more."""
        return (
            await self.rooms.find(
                {"property_id": self.property_id, "room_type": room_type},
                ROOM_FIELDS,
            )
            .sort("number")
            .to_list(None)
        )

    async def room(self, room_number: str) -> dict[str, Any] | None:
        return await self.rooms.find_one({"_id": self._room_key(room_number)})

    async def apply_room_status(self, room_number: str, status: str, occurred_at: str) -> bool:
        """Newest wins: an event older than the status we hold changes nothing."""
        result = await self.rooms.update_one(
            {"_id": self._room_key(room_number), "status_at": {"$lt": occurred_at}},
            {"$set": {"status": status, "status_at": occurred_at}},
        )
        return result.modified_count == 1

    # --- room nights: one room per night, settled by a unique _id ------------------

    async def taken_rooms(
        self,
        nights: Iterable[date],
        except_stay: str | None = None,
        among: Iterable[str] | None = None,
    ) -> set[str]:
        """The rooms held on any of the nights (by another stay than `except_stay`).
        `among`: only these rooms are asked about, by the ids of their room nights: a
        check-in needs its room type's rooms only, where every room night of a full
        hotel's night was most of its time (py-spy, make bench --profile)."""
        if among is not None:
            keys = [
                f"{self._room_key(number)}|{night.isoformat()}"
                for number in among
                for night in nights
            ]
            held = await self.room_nights.find(
                {"_id": {"$in": keys}}, {"room_number": 1, "stay_id": 1}
            ).to_list(None)
            return {
                night["room_number"]
                for night in held
                if except_stay is None or night.get("stay_id") != except_stay
            }
        query: dict[str, Any] = {
            "property_id": self.property_id,
            "night": {"$in": [night.isoformat() for night in nights]},
        }
        if except_stay:
            query["stay_id"] = {"$ne": except_stay}
        held = await self.room_nights.find(query, {"room_number": 1}).to_list(None)
        return {night["room_number"] for night in held}

    async def claim_room_nights(self, room_number: str, nights: list[date], stay_id: str) -> bool:
        """Takes every night of the room for the stay, or none of them."""
        claimed: list[str] = []
        for night in nights:
            key = f"{self._room_key(room_number)}|{night.isoformat()}"
            try:
                await self.room_nights.insert_one(
                    {
                        "_id": key,
                        "stay_id": stay_id,
                        "room_number": room_number,
                        "night": night.isoformat(),
                        "property_id": self.property_id,
                    }
                )
            except DuplicateKeyError:
                if claimed:
                    await self.room_nights.delete_many(
                        {"_id": {"$in": claimed}, "stay_id": stay_id}
                    )
                return False
            claimed.append(key)
        return True

    async def release_room_nights(
        self,
        stay_id: str,
        room_number: str | None = None,
        from_night: date | None = None,
        nights: list[date] | None = None,
    ) -> int:
        query: dict[str, Any] = {"stay_id": stay_id}
        if room_number:
            query["room_number"] = room_number
        if from_night:
            query["night"] = {"$gte": from_night.isoformat()}
        if nights is not None:
            query["night"] = {"$in": [night.isoformat() for night in nights]}
        result = await self.room_nights.delete_many(query)
        return result.deleted_count

    # --- stays -----------------------------------------------------------------------

    async def insert_stay(self, stay: dict[str, Any]) -> None:
        await self.stays.insert_one(stay)

    async def stay(self, stay_id: str) -> dict[str, Any] | None:
        return await self.stays.find_one(
            {"_id": stay_id, "property_id": self.property_id}, NO_OUTBOX
        )

    async def stay_for_reservation(self, reservation_id: str) -> dict[str, Any] | None:
        return await self.stays.find_one({"reservation_id": reservation_id}, NO_OUTBOX)

    async def update_stay(
        self, stay_id: str, guard: dict[str, Any], update: dict[str, Any]
    ) -> dict[str, Any] | None:
        """One conditional write of the stay and its events; None when the guard fails."""
        return await self.stays.find_one_and_update(
            {"_id": stay_id, "property_id": self.property_id, **guard},
            update,
            projection=NO_OUTBOX,
            return_document=ReturnDocument.AFTER,
        )

    async def has_stayed(self, guest_id: str) -> bool:
        """Whether the guest (merged ids are rewritten to the survivor) checked out before."""
        return (
            await self.stays.find_one(
                {"property_id": self.property_id, "guest_id": guest_id, "status": "checked_out"},
                {"_id": 1},
            )
            is not None
        )

    async def stays_where(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        return (
            await self.stays.find({"property_id": self.property_id, **query}, NO_OUTBOX)
            .sort("_id")
            .to_list(None)
        )

    async def scrub(self, collection: str, query: dict[str, Any], update: dict[str, Any]) -> int:
        result = await getattr(self, collection).update_many(query, update)
        return result.modified_count

    # --- guest profiles: what the desk needs to recognise a guest -------------------

    async def upsert_guest(self, profile: dict[str, Any]) -> bool:
        """Keeps the highest version; an older or repeated profile changes nothing."""
        try:
            result = await self.guests.update_one(
                {"_id": profile["_id"], "version": {"$lt": profile["version"]}},
                {"$set": profile},
                upsert=True,
            )
        except DuplicateKeyError:
            return False  # we hold a newer version already
        return result.upserted_id is not None or result.modified_count == 1

    async def guest(self, guest_id: str) -> dict[str, Any] | None:
        for _ in range(5):  # follow merges to the surviving profile
            profile = await self.guests.find_one({"_id": guest_id})
            if profile is None or not profile.get("merged_into"):
                return profile
            guest_id = profile["merged_into"]
        return None

    async def mark_merged(self, guest_ids: list[str], surviving_id: str) -> None:
        for guest_id in guest_ids:
            await self.guests.update_one(
                {"_id": guest_id},
                {
                    "$set": {
                        "merged_into": surviving_id,
                        "first_name": None,
                        "last_name": None,
                        "preferences": {},
                        "version": 1 << 40,
                    }
                },
                upsert=True,
            )

    async def forget_guest(self, guest_ids: list[str]) -> None:
        for guest_id in guest_ids:
            await self.guests.update_one(
                {"_id": guest_id},
                {
                    "$set": {
                        "erased": True,
                        "first_name": None,
                        "last_name": None,
                        "email": None,
                        "phone": None,
                        "member_number": None,
                        "preferences": {},
                        "version": 1 << 40,
                    }
                },
                upsert=True,
            )

    # --- counters and the night audit -----------------------------------------------

    async def next_invoice_sequence(self, year: int) -> int:
        counter = await self.counters.find_one_and_update(
            {"_id": f"invoice|{self.property_id}|{year}"},
            {"$inc": {"value": 1}},
            upsert=True,
            return_document=ReturnDocument.AFTER,
        )
        return counter["value"]

    # --- out-of-order periods: housekeeping's, for the nights to come -----------------

    async def record_room_period(
        self,
        period_id: str,
        room_number: str,
        nights: list[str],
        revision: int,
        *,
        cancelled: bool,
    ) -> None:
        """Keeps the newest revision's nights; a cancelled period holds none, for good."""
        key = f"{self.property_id}|{period_id}"
        if cancelled:
            await self.room_periods.update_one(
                {"_id": key},
                {
                    "$set": {"cancelled": True, "nights": [], "room_number": room_number},
                    "$setOnInsert": {"property_id": self.property_id},
                },
                upsert=True,
            )
            return
        with contextlib.suppress(DuplicateKeyError):  # a newer revision is kept
            await self.room_periods.update_one(
                {
                    "_id": key,
                    "cancelled": {"$ne": True},
                    "$or": [{"revision": {"$lte": revision}}, {"revision": {"$exists": False}}],
                },
                {
                    "$set": {
                        "property_id": self.property_id,
                        "room_number": room_number,
                        "nights": nights,
                        "revision": revision,
                    }
                },
                upsert=True,
            )

    async def rooms_out_of_order(self, night: date) -> set[str]:
        """Rooms a period takes on the night."""
        periods = await self.room_periods.find(
            {"property_id": self.property_id, "nights": night.isoformat()}, {"room_number": 1}
        ).to_list(None)
        return {period["room_number"] for period in periods}

    async def promise_version(self, room_type: str) -> int:
        """How often a room of the type was given outside a booking (promises.py)."""
        counter = await self.counters.find_one({"_id": self._promise_key(room_type)})
        return (counter or {}).get("value", 0)

    async def advance_promise_version(self, room_type: str, seen: int) -> bool:
        """Moves the type's version on from `seen`; False when another desk moved it
        since (that desk gave a room meanwhile: what `seen` allowed is stale)."""
        key = self._promise_key(room_type)
        if seen == 0:
            try:
                await self.counters.insert_one({"_id": key, "value": 1})
                return True
            except DuplicateKeyError:
                return False
        advanced = await self.counters.find_one_and_update(
            {"_id": key, "value": seen}, {"$inc": {"value": 1}}
        )
        return advanced is not None

    def _promise_key(self, room_type: str) -> str:
        return f"promises|{self.property_id}|{room_type}"

    # --- the business date ------------------------------------------------------------

    async def open_business_date(self) -> date | None:
        document = await self.business_days.find_one({"_id": self.property_id}, NO_OUTBOX)
        return date.fromisoformat(document["open_date"]) if document else None

    async def roll_business_date(
        self, closed: date, next_open: date, outbox: dict[str, Any]
    ) -> bool:
        """Closes `closed` once: the first audit of the night rolls the date and queues
        its event; a repeated or racing one finds the date already past it."""
        try:  # no document yet: the upsert creates it; one past `closed`: a duplicate key
            await self.business_days.update_one(
                {"_id": self.property_id, "open_date": {"$lte": closed.isoformat()}},
                {"$set": {"open_date": next_open.isoformat()}, "$push": outbox},
                upsert=True,
            )
        except DuplicateKeyError:
            return False
        return True

    async def arrivals_where(self, query: dict[str, Any]) -> list[dict[str, Any]]:
        return await self.arrivals.find(
            {"property_id": self.property_id, **query}, NO_OUTBOX
        ).to_list(None)

    async def expected_arrivals_until(self, day: date) -> list[dict[str, Any]]:
        return (
            await self.arrivals.find(
                {
                    "property_id": self.property_id,
                    "status": "expected",
                    "arrival": {"$lte": day.isoformat()},
                },
                NO_OUTBOX,
            )
            .sort("_id")
            .to_list(None)
        )

    def _room_key(self, room_number: str) -> str:
        return f"{self.property_id}|{room_number}"
