"""Rooms: read, changed once per cause by a compare-and-set on what the rule read, and the
departure a stay's latest change names."""

from __future__ import annotations

from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from shared.idempotency import mark_applied, not_yet_applied

from .domain import RoomChange
from .store_context import NO_OUTBOX, StoreContext


def room_fields(change: RoomChange) -> dict[str, Any]:
    """The fields a room change writes: what moves with it, then status and do-not-disturb
    (a default in the change leaves the room's field as it is)."""
    fields: dict[str, Any] = {}
    if change.occupant is not None:
        fields["occupant"] = change.occupant
    if change.vacated:
        fields["occupant"] = None
    if change.period_started is not None:
        fields["period_id"] = change.period_started.period_id
        fields["status_before_period"] = change.period_started.status_before.value
    if change.period_ended:
        fields["period_id"] = None
    fields["status"] = change.status.value
    if change.do_not_disturb is not None:
        fields["do_not_disturb"] = change.do_not_disturb
    return fields


class RoomStore(StoreContext):
    async def room(self, room_number: str) -> dict[str, Any] | None:
        return await self.rooms.find_one({"_id": self._key(room_number)}, NO_OUTBOX)

    async def all_rooms(self) -> list[dict[str, Any]]:
        return (
            await self.rooms.find({"property_id": self.property_id}, NO_OUTBOX)
            .sort("number", 1)
            .to_list(None)
        )

    async def change_room(
        self,
        room: dict[str, Any],
        guard_id: str,
        change: RoomChange | None,
        outbox: dict[str, Any] | None,
    ) -> bool:
        """Compare-and-set on what the rule read (status, do-not-disturb), once per cause;
        no change (None) only marks the cause applied."""
        set_fields = room_fields(change) if change is not None else {}
        result = await self.rooms.update_one(
            {
                "_id": room["_id"],
                "status": room["status"],
                "do_not_disturb": True if room.get("do_not_disturb") else {"$ne": True},
                **not_yet_applied(guard_id),
            },
            {
                **({"$set": set_fields} if set_fields else {}),
                "$push": {**(outbox or {}), **mark_applied(guard_id)},
            },
        )
        return result.modified_count == 1

    async def latest_departure(self, stay_id: str, departure: str, revision: int = 0) -> str:
        """The stay's departure as its latest change says, in whatever order its events
        are handled: a change carries the stay's departure revision and only a newer one
        applies (an extension and a shortening may come in either order); revision 0
        (the check-in, a desk before shortenings) keeps the latest date named."""
        query = {"_id": self._key(stay_id)}
        newer: dict[str, Any]
        if revision:
            newer = {
                **query,
                "$or": [{"revision": {"$exists": False}}, {"revision": {"$lt": revision}}],
            }
            change: dict[str, Any] = {"$set": {"departure": departure, "revision": revision}}
        else:
            newer = {**query, "revision": {"$in": [None, 0]}}
            change = {"$max": {"departure": departure}}
        try:
            found = await self.departures.find_one_and_update(
                newer, change, upsert=True, return_document=ReturnDocument.AFTER
            )
        except DuplicateKeyError:  # known already: a racing first event, or a newer change
            found = await self.departures.find_one_and_update(
                newer, change, return_document=ReturnDocument.AFTER
            ) or await self.departures.find_one(query)
        return str(found["departure"])
