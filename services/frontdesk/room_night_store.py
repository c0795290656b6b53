"""Room nights: one room per night, settled by a unique `_id`; a stay takes every night
of its room or none, and gives them back. Every claim and release is counted after it,
for the process's cache of the held rooms (held_nights.py)."""

from __future__ import annotations

from collections.abc import Callable, Iterable
from datetime import date
from typing import Any

from pymongo.errors import DuplicateKeyError

from .held_nights import Held
from .store_context import StoreContext

HELD_FIELDS = {"room_number": 1, "stay_id": 1, "night": 1}


class RoomNightStore(StoreContext):
    async def taken_rooms(
        self,
        nights: Iterable[date],
        except_stay: str | None = None,
        among: Iterable[str] | None = None,
        *,
        fresh: bool = False,
    ) -> set[str]:
        """The rooms held on any of the nights (by another stay than `except_stay`).
        `among`: only these rooms are asked about (a check-in's room type), from this
        process's cache of the held rooms while no other process wrote room nights
        (held_nights.py); `fresh`: from the store, by the ids of their room nights."""
        if among is not None:
            wanted = set(among)
            held = (
                await self._held_among(nights, wanted)
                if fresh
                else await self._held_on([night.isoformat() for night in nights])
            )
            return {
                room
                for rooms in held
                for room, stay in rooms.items()
                if room in wanted and stay != except_stay
            }
        query: dict[str, Any] = {
            "property_id": self.property_id,
            "night": {"$in": [night.isoformat() for night in nights]},
        }
        if except_stay:
            query["stay_id"] = {"$ne": except_stay}
        held_nights = await self.room_nights.find(query, {"room_number": 1}).to_list(None)
        return {night["room_number"] for night in held_nights}

    async def _held_on(self, nights: list[str]) -> list[Held]:
        """Each night's held rooms: the cached nights, the others read (and cached)."""
        changes = await self.room_night_changes()
        found = self.held_nights.cached(nights, changes)
        if missing := [night for night in nights if night not in found]:
            read = await self.room_nights.find(
                {"property_id": self.property_id, "night": {"$in": missing}}, HELD_FIELDS
            ).to_list(None)
            found.update(self.held_nights.fill(changes, missing, read))
        return list(found.values())

    async def _held_among(self, nights: Iterable[date], rooms: set[str]) -> list[Held]:
        """The store's word on these rooms, by the ids of their room nights."""
        keys = [f"{self._room_key(room)}|{night.isoformat()}" for room in rooms for night in nights]
        read = await self.room_nights.find({"_id": {"$in": keys}}, HELD_FIELDS).to_list(None)
        return [{room_night["room_number"]: room_night["stay_id"]} for room_night in read]

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
                    # counted too: another reader may have seen the nights held meanwhile
                    self.held_nights.released(
                        await self._count_room_night_write(),
                        stay_id,
                        room_number,
                        _night_filter(None, nights[: len(claimed)]),
                    )
                return False
            claimed.append(key)
        self.held_nights.claimed(
            await self._count_room_night_write(),
            room_number,
            [night.isoformat() for night in nights],
            stay_id,
        )
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
        released_night = _night_filter(from_night, nights)
        if from_night:
            query["night"] = {"$gte": from_night.isoformat()}
        if nights is not None:
            query["night"] = {"$in": [night.isoformat() for night in nights]}
        try:
            result = await self.room_nights.delete_many(query)
            changes = await self._count_room_night_write()
        except BaseException:
            self.held_nights.forget()  # deleted, perhaps, and not counted
            raise
        self.held_nights.released(changes, stay_id, room_number or None, released_night)
        return result.deleted_count

    async def room_night_changes(self) -> int:
        """How many claims and releases the room nights have had (held_nights.py)."""
        return await self._write_count(self._room_night_changes_key())

    async def _count_room_night_write(self) -> int:
        """Counts a claim or release, after it; returns its number (held_nights.py)."""
        return await self._count_write(self._room_night_changes_key())

    def _room_night_changes_key(self) -> str:
        return f"room_nights|{self.property_id}"


def _night_filter(from_night: date | None, nights: list[date] | None) -> Callable[[str], bool]:
    """The nights a release's filter matches, for the cache to drop what it deleted."""
    if nights is not None:
        return {night.isoformat() for night in nights}.__contains__
    if from_night:
        start = from_night.isoformat()
        return lambda night: night >= start
    return lambda night: True
