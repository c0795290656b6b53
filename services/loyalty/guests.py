"""The one write path for a guest's document: load -> rule -> one guarded write.

`change` loads the guest's document (following merges to the surviving profile and
finishing a merge a crash interrupted), lets a rule decide the change, appends the
profile event when what other services see of the guest changed, and saves it all with
its events in one write guarded by the document's version; a concurrent writer makes it
read again and decide again. The use cases (service.py, profiles.py) are rules on top.
`move` is the same write for a rule over the typed aggregate (guest_rules.py): it sets
the fields the rule changed (issue 17).

What the write path stands on and the events a change carries are
guest_store_context.py; the points posted onto a change guest_postings.py, the campaign
messages it queues guest_messages.py, and the rule by which a survivor absorbs a merged
duplicate guest_merges.py (issue 17).
"""

from __future__ import annotations

from typing import Any

from shared.errors import Conflict, NotFound
from shared.events import Event, GuestCreated, GuestProfilePayload, GuestUpdated
from shared.logging import get_logger
from shared.outbox import pending_of

from .domain import lifecycle_of, projection, segments_of
from .guest_aggregate import Guest
from .guest_documents import guest_changes, guest_from_document
from .guest_merges import GuestMerges
from .guest_messages import GuestMessages
from .guest_rules import merge_completed
from .guest_store_context import (
    MAX_MERGE_HOPS,
    POINT_EVENTS,
    PRODUCER,
    WRITE_ATTEMPTS,
    Change,
    Decide,
    Move,
)
from .repository import VersionConflict

log = get_logger(__name__)

# The events that carry a guest's whole public profile, by type.
PROFILE_EVENTS: dict[str, type[Event[Any]]] = {
    GuestCreated.event_type: GuestCreated,
    GuestUpdated.event_type: GuestUpdated,
}

__all__ = [
    "MAX_MERGE_HOPS",
    "POINT_EVENTS",
    "PRODUCER",
    "WRITE_ATTEMPTS",
    "Change",
    "Decide",
    "GuestStore",
    "Move",
]


class GuestStore(GuestMerges, GuestMessages):
    """The write path, for every loyalty use case: the parts it builds on (points posted,
    messages queued, a merge's absorption) share its repository and clock
    (GuestStoreContext)."""

    async def load(
        self, guest_id: str, *, create: bool, property_id: str | None = None
    ) -> dict[str, Any]:
        for _ in range(MAX_MERGE_HOPS):
            guest = await self.repository.get(guest_id)
            if guest is None:
                if not create:
                    raise NotFound(f"guest {guest_id!r} is not known to loyalty")
                guest = await self.repository.ensure(
                    guest_id, property_id or self.property_id, self.clock()
                )
            if not guest.get("merged_into"):
                return guest
            await self.complete_merge(guest)
            guest_id = guest["merged_into"]
        raise Conflict(f"guest {guest_id!r} is merged too many times over")

    async def change(
        self,
        guest_id: str,
        decide: Decide,
        *,
        cause: Event[Any] | None = None,
        create: bool = False,
    ) -> dict[str, Any]:
        """Applies `decide` to the guest's current state; returns the state it saw."""
        for _ in range(WRITE_ATTEMPTS):
            guest = await self.load(
                guest_id, create=create, property_id=cause.property_id if cause else None
            )
            if cause and str(cause.event_id) in guest.get("applied_events", []):
                return guest
            change = decide(guest)
            if change is None:
                return guest
            try:
                await self._save(guest, change, cause)
            except VersionConflict:
                continue
            return guest
        raise Conflict("the guest record is busy; try again")

    async def move(
        self,
        guest_id: str,
        rule: Move,
        *,
        cause: Event[Any] | None = None,
        create: bool = False,
        publish_profile: bool = True,
    ) -> Guest:
        """Applies `rule` to the guest read as the aggregate: the write sets the fields it
        changed, through `change` (the same version guard, segments, lifecycle and
        profile event, the same retry). Returns the state it saw, as `change` does."""

        def decide(document: dict[str, Any]) -> Change | None:
            read = guest_from_document(document)
            moved = rule(read)
            if moved is None:
                return None
            return Change(sets=guest_changes(read, moved), publish_profile=publish_profile)

        return guest_from_document(await self.change(guest_id, decide, cause=cause, create=create))

    async def _save(self, guest: dict[str, Any], change: Change, cause: Event[Any] | None) -> None:
        after = _applied(guest, change)
        today = await self.business_dates.today()
        change.sets.update(segments=segments_of(after, today), lifecycle=lifecycle_of(after, today))
        after.update(segments=change.sets["segments"], lifecycle=change.sets["lifecycle"])
        version = guest.get("version", 0) + 1
        superseding = None
        if change.publish_profile and (
            projection(after) != projection(guest) or not guest.get("profile_published")
        ):
            # A profile still waiting for the relay is replaced by this newer one, in its
            # place and of its kind (a guest.created stays one): a booking and then its
            # contact made two profiles per new guest, each to four departments.
            pending = (
                pending_of(await self.repository.outbox_of(guest["_id"]), PROFILE_EVENTS)
                if guest.get("profile_published") and not change.events
                else None
            )
            kind = (
                PROFILE_EVENTS[pending.type]
                if pending is not None
                else GuestUpdated
                if guest.get("profile_published")
                else GuestCreated
            )
            profile = self.event(
                kind, GuestProfilePayload(**projection(after), version=version), guest, cause
            )
            if pending is not None:
                superseding = (pending, profile)
            else:
                change.events.append(profile)
            change.sets["profile_published"] = True
        for message in change.messages:  # before the state: a retry finds them recorded
            await self._record_message(after, message)
        for task in change.care_tasks:  # keyed by occasion: recorded once
            await self.repository.record_care_task({**task, "created_at": self.clock()})
        await self.repository.save(
            guest,
            sets=change.sets,
            pushes=change.pushes,
            unsets=change.unsets,
            events=tuple(change.events),
            applied_event=str(cause.event_id) if cause else None,
            superseding=superseding,
        )
        if change.events or superseding:
            self.events_written()

    async def complete_merge(self, duplicate: dict[str, Any]) -> None:
        """Step 2 of a merge (see ProfileService.merge): the survivor absorbs the closed
        duplicate's history and points. Idempotent: it checks `also_known_as` first."""
        survivor_id = duplicate["merged_into"]
        moved = -sum(
            e["points"]
            for e in duplicate.get("entries", [])
            if e["entry_id"] == f"transfer|to|{survivor_id}"
        )
        aliases = [duplicate["_id"], *duplicate.get("also_known_as", [])]
        year = (await self.business_dates.today()).year

        def absorb(guest: dict[str, Any]) -> Change | None:
            return self._absorbed(guest, duplicate, aliases, moved, year)

        await self.change(survivor_id, absorb)
        await self.repository.move_match_keys(aliases, survivor_id)
        if not duplicate.get("merge_completed_at"):
            closed = guest_from_document(duplicate)
            await self.repository.mark_merge_completed(
                closed, merge_completed(closed, self.clock())
            )
            log.info("guests merged", surviving_guest_id=survivor_id, merged_guest_ids=aliases)

    async def repair_merges(self, batch_size: int = 100) -> int:
        """Finishes every merge a crash left half done (the duplicate closed, the
        survivor not told), so the survivor shows all its points without waiting for
        someone to look the duplicate up. Run at start and by the daily pass; returns
        how many it finished."""
        repaired, after = 0, None
        while batch := await self.repository.half_done_merges(after, batch_size):
            for duplicate in batch:
                try:
                    await self.complete_merge(duplicate)
                    repaired += 1
                except Exception:  # one that cannot finish now stops no other
                    log.exception("half-done merge not finished", guest_id=duplicate["_id"])
            after = batch[-1]["_id"]
        if repaired:
            log.info("half-done merges finished", count=repaired)
        return repaired


def _applied(guest: dict[str, Any], change: Change) -> dict[str, Any]:
    after = {**guest, **change.sets}
    for key, values in change.pushes.items():
        after[key] = [*guest.get(key, []), *values]
    for key in change.unsets:
        after.pop(key, None)
    return after
