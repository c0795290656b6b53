"""Room nights: one room per night, settled by a unique `_id`; a stay takes every night
of its room or none, and gives them back."""

from __future__ import annotations

from collections.abc import Iterable
from datetime import date
from typing import Any

from pymongo.errors import DuplicateKeyError

from .store_context import StoreContext


class RoomNightStore(StoreContext):
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
