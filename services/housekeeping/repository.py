"""Housekeeping's MongoDB access: rooms, tasks, guests' habits, maintenance, periods, stock."""

from __future__ import annotations

from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from shared.erasure import scrub_free_text
from shared.events import Event
from shared.idempotency import insert_once, mark_applied, not_yet_applied
from shared.outbox import with_outbox
from shared.property_setup import PropertySetup

from .domain import RoomChange, Task

# The aggregates that carry events in an `outbox` array.
OUTBOX_COLLECTIONS = ("rooms", "tasks", "maintenance", "room_checks", "room_periods")
NO_OUTBOX = {"outbox": 0}
# A task read as the aggregate: without the outbox and the relay's lease on it (shared/
# outbox.py), which are the store's bookkeeping, not the task's.
TASK_FIELDS = {"outbox": 0, "outbox_lease_until": 0, "outbox_lease_owner": 0}


# A task's free text from the guest: a request's words, the booking's requests it
# prepares the room for (erased with the guest and by retention, issue 15).
TASK_FREE_TEXT = {"details": (), "booking_requests": ()}


def task_from_document(document: dict[str, Any]) -> Task:
    """The stored task as the aggregate (read without its outbox)."""
    return Task.model_validate(document)


def task_to_document(task: Task) -> dict[str, Any]:
    """The aggregate as stored: exactly the fields it was built or read with (a field left
    unset is not written), `_id` for the id, the kind and status as their plain values."""
    document = task.model_dump(by_alias=True, exclude_unset=True)
    for name in ("kind", "status"):
        if name in document:
            document[name] = str(document[name].value)
    return document


def task_changes(read: Task, moved: Task) -> dict[str, Any]:
    """The `$set` that turns the task as read into the task as a rule moved it: the fields
    the move set whose stored value is new (a move never unsets a field)."""
    before, after = task_to_document(read), task_to_document(moved)
    return {name: value for name, value in after.items() if before.get(name, ...) != value}


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


class HousekeepingRepository:
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

    # --- rooms ----------------------------------------------------------------------

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

    # --- tasks ----------------------------------------------------------------------

    async def add_task_once(self, task: Task, *events: Event[Any]) -> bool:
        return await insert_once(self.tasks, with_outbox(task_to_document(task), *events))

    async def task(self, task_id: str) -> Task | None:
        found = await self.tasks.find_one(
            {"_id": task_id, "property_id": self.property_id}, TASK_FIELDS
        )
        return None if found is None else task_from_document(found)

    async def move_task(
        self, read: Task, moved: Task, push: dict[str, Any] | None = None
    ) -> Task | None:
        """Writes what the move changed, compare-and-set on the status and revision the rule
        read; None when someone else moved first."""
        update: dict[str, Any] = {"$inc": {"revision": 1}}
        changes = task_changes(read, moved)
        if changes:
            update["$set"] = changes
        if push:
            update["$push"] = push
        saved = await self.tasks.find_one_and_update(
            {"_id": read.id, "status": read.status.value, "revision": read.revision},
            update,
            projection=TASK_FIELDS,
            return_document=ReturnDocument.AFTER,
        )
        return None if saved is None else task_from_document(saved)

    async def find_tasks(
        self, filters: dict[str, Any], limit: int, offset: int
    ) -> tuple[int, list[Task]]:
        query = {"property_id": self.property_id, **filters}
        total = await self.tasks.count_documents(query)
        found = (
            await self.tasks.find(query, TASK_FIELDS)
            .sort([("created_at", 1), ("_id", 1)])
            .skip(offset)
            .limit(limit)
            .to_list(None)
        )
        return total, [task_from_document(document) for document in found]

    async def tasks_matching(self, filters: dict[str, Any]) -> list[Task]:
        found = await self.tasks.find(
            {"property_id": self.property_id, **filters}, TASK_FIELDS
        ).to_list(None)
        return [task_from_document(document) for document in found]

    async def clear_effects(self, task_id: str, cause: str) -> None:
        await self.tasks.update_one(
            {"_id": task_id, "effects_due.cause": cause}, {"$set": {"effects_due": None}}
        )

    async def set_open_tasks_fields(self, filters: dict[str, Any], fields: dict[str, Any]) -> int:
        result = await self.tasks.update_many(
            {"property_id": self.property_id, "status": "open", **filters}, {"$set": fields}
        )
        return result.modified_count

    async def assign_task(self, task_id: str, attendant: str, priority: int) -> bool:
        """Only an unassigned open task is assigned: a re-run never moves work around."""
        result = await self.tasks.update_one(
            {"_id": task_id, "status": "open", "assigned_to": None},
            {"$set": {"assigned_to": attendant, "priority": priority}},
        )
        return result.modified_count == 1

    # --- guests: habits and amenity preferences ---------------------------------------

    async def guest(self, guest_id: str) -> dict[str, Any] | None:
        return await self.guests.find_one({"_id": guest_id})

    async def save_guest(self, guest: dict[str, Any]) -> bool:
        """Keeps the highest profile version; an older or equal one changes nothing."""
        if await insert_once(self.guests, guest):
            return True
        result = await self.guests.update_one(
            {"_id": guest["_id"], "version": {"$lt": guest["version"]}}, {"$set": guest}
        )
        return result.modified_count == 1

    async def follow_merge(self, merged: list[str], surviving: str) -> dict[str, int]:
        """Merged-away guest ids become the surviving one on tasks and occupied rooms, so
        the survivor's habits (no service, times, linen) apply to the stay."""
        tasks = await self.tasks.update_many(
            {"property_id": self.property_id, "guest_id": {"$in": merged}},
            {"$set": {"guest_id": surviving}},
        )
        rooms = await self.rooms.update_many(
            {"property_id": self.property_id, "occupant.guest_id": {"$in": merged}},
            {"$set": {"occupant.guest_id": surviving}},
        )
        return {"tasks": tasks.modified_count, "rooms": rooms.modified_count}

    async def erase_guests(self, guest_ids: list[str]) -> dict[str, int]:
        """What housekeeping holds of these guests: their habits, and their id and
        preferences on tasks and rooms."""
        guests = await self.guests.delete_many({"_id": {"$in": guest_ids}})
        # The guest's words first, while the records still name the guest (issue 15).
        mine = {"property_id": self.property_id, "guest_id": {"$in": guest_ids}}
        texts = await scrub_free_text(self.tasks, mine, TASK_FREE_TEXT)
        texts += await scrub_free_text(
            self.maintenance, mine, {"description": ()}, also={"guest_id": None}
        )
        tasks = await self.tasks.update_many(
            {"property_id": self.property_id, "guest_id": {"$in": guest_ids}},
            {"$set": {"guest_id": None, "guest_amenities": []}},
        )
        rooms = await self.rooms.update_many(
            {"property_id": self.property_id, "occupant.guest_id": {"$in": guest_ids}},
            {"$set": {"occupant.guest_id": None}},
        )
        return {
            "guests": guests.deleted_count,
            "tasks": tasks.modified_count,
            "rooms": rooms.modified_count,
            "free_texts": texts,
        }

    # --- maintenance and out-of-order periods -------------------------------------------

    async def add_maintenance_once(self, request: dict[str, Any]) -> bool:
        return await insert_once(self.maintenance, request)

    async def maintenance_request(self, request_id: str) -> dict[str, Any] | None:
        return await self.maintenance.find_one(
            {"_id": request_id, "property_id": self.property_id}, NO_OUTBOX
        )

    async def find_maintenance(
        self, filters: dict[str, Any], limit: int = 100, offset: int = 0
    ) -> list[dict[str, Any]]:
        return (
            await self.maintenance.find({"property_id": self.property_id, **filters}, NO_OUTBOX)
            .sort("reported_at", 1)
            .skip(offset)
            .limit(limit)
            .to_list(limit)
        )

    async def move_maintenance(self, request: dict[str, Any], fields: dict[str, Any]) -> bool:
        result = await self.maintenance.update_one(
            {"_id": request["_id"], "status": request["status"]}, {"$set": fields}
        )
        return result.modified_count == 1

    async def add_period(self, period: dict[str, Any]) -> None:
        await self.periods.insert_one(period)

    async def period(self, period_id: str) -> dict[str, Any] | None:
        return await self.periods.find_one(
            {"_id": period_id, "property_id": self.property_id}, NO_OUTBOX
        )

    async def periods_of(self, room_number: str) -> list[dict[str, Any]]:
        return (
            await self.periods.find(
                {"property_id": self.property_id, "room_number": room_number}, NO_OUTBOX
            )
            .sort("start", 1)
            .to_list(None)
        )

    async def periods_in_state(self, state: str) -> list[dict[str, Any]]:
        return (
            await self.periods.find({"property_id": self.property_id, "state": state}, NO_OUTBOX)
            .sort("start", 1)
            .to_list(None)
        )

    async def move_period(
        self,
        period_id: str,
        expected_state: str,
        fields: dict[str, Any],
        push: dict[str, Any] | None = None,
        *,
        revision: int | None = None,
    ) -> bool:
        """`revision`: only if the period is still at that revision (0: never changed)."""
        update: dict[str, Any] = {"$set": fields, **({"$push": push} if push else {})}
        guard: dict[str, Any] = {"_id": period_id, "state": expected_state}
        if revision is not None:
            guard["revision"] = revision if revision else {"$in": [0, None]}
        result = await self.periods.update_one(guard, update)
        return result.modified_count == 1

    # --- amenity stock -----------------------------------------------------------------

    async def stock_items(self) -> list[dict[str, Any]]:
        return (
            await self.stock.find({"property_id": self.property_id}, {"applied_events": 0})
            .sort("item", 1)
            .to_list(None)
        )

    async def stock_item(self, item: str) -> dict[str, Any] | None:
        return await self.stock.find_one({"_id": self._key(item)}, {"applied_events": 0})

    async def adjust_stock(self, item: str, change: int, guard_id: str) -> dict[str, Any] | None:
        """Adds (or takes, when negative) once per cause; None if already applied."""
        return await self.stock.find_one_and_update(
            {"_id": self._key(item), **not_yet_applied(guard_id)},
            {"$inc": {"on_hand": change}, "$push": mark_applied(guard_id)},
            projection={"applied_events": 0},
            return_document=ReturnDocument.AFTER,
        )

    async def take_stock(self, item: str, wanted: int, guard_id: str) -> dict[str, Any] | None:
        """Takes up to `wanted` units, never more than are on hand, once per cause; the
        units missing are counted in `shortfall`. None if already applied or unknown.
        Compare-and-set on `on_hand`: two finishes at once cannot both take the last one."""
        while True:
            item_doc = await self.stock.find_one(
                {"_id": self._key(item), **not_yet_applied(guard_id)}
            )
            if item_doc is None:
                return None
            on_hand = int(item_doc["on_hand"])
            taken = max(0, min(wanted, on_hand))
            after = await self.stock.find_one_and_update(
                {"_id": self._key(item), "on_hand": on_hand, **not_yet_applied(guard_id)},
                {
                    "$inc": {"on_hand": -taken, "shortfall": wanted - taken},
                    "$push": mark_applied(guard_id),
                },
                projection={"applied_events": 0},
                return_document=ReturnDocument.AFTER,
            )
            if after is not None:
                return after
            # the stock moved between the read and the write: read again

    async def set_stock(self, item: str, fields: dict[str, Any]) -> dict[str, Any]:
        return await self.stock.find_one_and_update(
            {"_id": self._key(item)},
            {
                "$set": fields,
                "$setOnInsert": {
                    "property_id": self.property_id,
                    "item": item,
                    "applied_events": [],
                },
            },
            upsert=True,
            projection={"applied_events": 0},
            return_document=ReturnDocument.AFTER,
        )

    # --- room checks and plans ---------------------------------------------------------

    async def add_room_check_once(self, check: dict[str, Any]) -> bool:
        return await insert_once(self.room_checks, check)

    async def plan(self, day: str) -> dict[str, Any] | None:
        return await self.plans.find_one({"_id": self._key(day)})

    async def save_plan(self, day: str, plan: dict[str, Any]) -> None:
        await self.plans.update_one(
            {"_id": self._key(day)},
            {"$set": {"property_id": self.property_id, "day": day, **plan}},
            upsert=True,
        )

    def _key(self, name: str) -> str:
        return f"{self.property_id}|{name}"
