"""The one write path for a guest's document: load -> rule -> one guarded write.

`change` loads the guest's document (following merges to the surviving profile and
finishing a merge a crash interrupted), lets a rule decide the change, appends the
profile event when what other services see of the guest changed, and saves it all with
its events in one write guarded by the document's version; a concurrent writer makes it
read again and decide again. The use cases (service.py, profiles.py) are rules on top.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from shared.business_date import BusinessDates
from shared.clock import Clock, PropertyClock
from shared.errors import Conflict, NotFound
from shared.events import (
    Event,
    GuestCreated,
    GuestMerged,
    GuestMergedPayload,
    GuestProfilePayload,
    GuestUpdated,
    PointsAccrued,
    PointsAccruedPayload,
    PointsExpired,
    PointsMovementPayload,
    PointsRedeemed,
    PointsReversed,
    TierChanged,
    TierChangedPayload,
)
from shared.logging import get_logger

from . import ledger
from .care import GREETING_TEMPLATES
from .domain import (
    contact_channel,
    lifecycle_of,
    merged_feedback,
    merged_profile,
    projection,
    segments_of,
    union_by,
)
from .repository import LoyaltyRepository, VersionConflict

log = get_logger(__name__)
PRODUCER = "loyalty"
WRITE_ATTEMPTS = 20
MAX_MERGE_HOPS = 10
POINT_EVENTS: dict[str, type[Event[Any]]] = {
    ledger.EARN: PointsAccrued,
    ledger.SPEND: PointsAccrued,
    ledger.GOODWILL: PointsAccrued,
    ledger.PROMOTION: PointsAccrued,
    ledger.REDEEM: PointsRedeemed,
    ledger.REVERSE: PointsReversed,
    ledger.EXPIRE: PointsExpired,
}

Decide = Callable[[dict[str, Any]], "Change | None"]


@dataclass
class Change:
    sets: dict[str, Any] = field(default_factory=dict)
    pushes: dict[str, list[Any]] = field(default_factory=dict)
    unsets: tuple[str, ...] = ()
    events: list[Event[Any]] = field(default_factory=list)
    messages: list[dict[str, str]] = field(default_factory=list)  # campaign actions
    care_tasks: list[dict[str, Any]] = field(default_factory=list)  # care.py: gifts, calls
    publish_profile: bool = True


class GuestStore:
    def __init__(
        self,
        repository: LoyaltyRepository,
        *,
        property_id: str,
        clock: Clock,
        events_written: Callable[[], None],
        messages_queued: Callable[[], None] = lambda: None,
        business_dates: BusinessDates | None = None,
    ) -> None:
        self.repository = repository
        self.property_id = property_id
        self.clock = clock  # instants: entries, consents, messages
        # Days: segments, lifecycle, greetings, tier years go by the hotel's business date.
        self.business_dates = business_dates or BusinessDates(
            None, property_id, PropertyClock(clock)
        )
        self.events_written = events_written
        self.messages_queued = messages_queued

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

    async def _save(self, guest: dict[str, Any], change: Change, cause: Event[Any] | None) -> None:
        after = _applied(guest, change)
        today = await self.business_dates.today()
        change.sets.update(segments=segments_of(after, today), lifecycle=lifecycle_of(after, today))
        after.update(segments=change.sets["segments"], lifecycle=change.sets["lifecycle"])
        version = guest.get("version", 0) + 1
        if change.publish_profile and (
            projection(after) != projection(guest) or not guest.get("profile_published")
        ):
            kind = GuestUpdated if guest.get("profile_published") else GuestCreated
            change.events.append(
                self.event(
                    kind, GuestProfilePayload(**projection(after), version=version), guest, cause
                )
            )
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
        )
        if change.events:
            self.events_written()

    def event(
        self, kind: type[Event[Any]], payload: Any, guest: dict[str, Any], cause: Event[Any] | None
    ) -> Event[Any]:
        if cause is not None:
            return kind.new(payload, producer=PRODUCER, **cause.caused())
        return kind.new(
            payload, producer=PRODUCER, property_id=guest.get("property_id") or self.property_id
        )

    def postings(
        self,
        guest: dict[str, Any],
        movements: list[ledger.Movement],
        cause: Event[Any] | None,
        change: Change | None = None,
    ) -> Change | None:
        """Posts movements in order onto one change; None when all were posted before."""
        change = change or Change()
        account = copy.deepcopy(guest)
        posted = False
        for movement in movements:
            posting = ledger.post(account, movement)
            if posting is None:
                continue
            posted = True
            account.update(posting.sets)
            account["entries"] = [*account.get("entries", []), posting.entry]
            change.sets.update(posting.sets)
            change.pushes.setdefault("entries", []).append(posting.entry)
            change.events.extend(self._movement_events(guest, posting, cause))
        return change if posted else None

    def _movement_events(
        self, guest: dict[str, Any], posting: ledger.Posting, cause: Event[Any] | None
    ) -> list[Event[Any]]:
        entry, events = posting.entry, []
        kind = POINT_EVENTS.get(entry["kind"])
        if kind is PointsAccrued:
            events.append(
                self.event(
                    PointsAccrued,
                    PointsAccruedPayload(
                        entry_id=entry["entry_id"],
                        guest_id=guest["_id"],
                        points=entry["points"],
                        reason=entry["reason"],
                        stay_id=entry.get("stay_id"),
                    ),
                    guest,
                    cause,
                )
            )
        elif kind is not None:
            events.append(
                self.event(
                    kind,
                    PointsMovementPayload(
                        entry_id=entry["entry_id"],
                        guest_id=guest["_id"],
                        points=entry["points"],
                        reason=entry["reason"],
                        balance_after=entry["balance_after"],
                        # issue 18: what reservation needs to honour a redemption
                        reservation_id=entry.get("reservation_id"),
                        redeemed_for=entry.get("redeemed_for"),
                        night=entry.get("night"),
                        voucher_value=entry.get("voucher_value"),
                        reverses=entry.get("reverses"),
                    ),
                    guest,
                    cause,
                )
            )
        if posting.tier_change:
            events.append(self.tier_event(guest, posting.tier_change, cause))
        return events

    def tier_event(
        self, guest: dict[str, Any], change: ledger.TierChange, cause: Event[Any] | None
    ) -> Event[Any]:
        log.info(
            "tier changed",
            guest_id=guest["_id"],
            old_tier=change.old_tier,
            new_tier=change.new_tier,
        )
        return self.event(
            TierChanged,
            TierChangedPayload(
                guest_id=guest["_id"],
                old_tier=change.old_tier,
                new_tier=change.new_tier,
                perks=list(change.perks),
            ),
            guest,
            cause,
        )

    async def _record_message(self, guest: dict[str, Any], action: dict[str, str]) -> None:
        """Queues a campaign message for the e-mail/SMS adapter, only with consent. The
        record names the guest and the channel, never the address."""
        profile = guest.get("profile") or {}
        channel = contact_channel(profile)
        if channel is None:
            return
        channels = [channel]
        # greetings go by SMS as well as e-mail (issue 18, seed 000 二(二)); the SMS copy
        # has an id of its own, so each channel sends once
        if action["template"] in GREETING_TEMPLATES and channel == "email" and profile.get("phone"):
            channels.append("sms")
        for each in channels:
            if await self.repository.record_message(
                {
                    "_id": action["action_id"] if each == channel else f"{action['action_id']}|sms",
                    "guest_id": guest["_id"],
                    "channel": each,
                    "template": action["template"],
                    "status": "queued",
                    "created_at": self.clock(),
                    "property_id": guest.get("property_id"),
                }
            ):
                self.messages_queued()

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
            if duplicate["_id"] in guest.get("also_known_as", []):
                return None
            qualifying, tier, _ = ledger.roll_over(guest, year)
            theirs, their_tier, _ = ledger.roll_over(duplicate, year)
            best = max(tier, their_tier, key=lambda t: t.rank)
            change = Change(
                sets={
                    "profile": merged_profile(
                        guest.get("profile") or {}, duplicate.get("profile") or {}
                    ),
                    "stays": union_by(
                        "stay_id", guest.get("stays", []), duplicate.get("stays", [])
                    ),
                    "reservations": union_by(
                        "reservation_id",
                        guest.get("reservations", []),
                        duplicate.get("reservations", []),
                    ),
                    "feedback": merged_feedback(
                        guest.get("feedback") or {}, duplicate.get("feedback") or {}
                    ),
                    "also_known_as": [*guest.get("also_known_as", []), *aliases],
                    # what the duplicate posted counts as posted here (ledger.entry_ids)
                    "merged_entry_ids": sorted(
                        {*guest.get("merged_entry_ids", []), *ledger.entry_ids(duplicate)}
                    ),
                    "member_number": guest.get("member_number") or duplicate.get("member_number"),
                    "qualifying": {
                        "year": qualifying["year"],
                        "nights": qualifying["nights"] + theirs["nights"],
                        "points": qualifying["points"] + theirs["points"],
                    },
                    "tier": best.name,
                },
                pushes={"vouchers": duplicate.get("vouchers", [])},
            )
            if best.name != ledger.tier_of(guest.get("tier")).name:
                change.events.append(
                    self.tier_event(
                        guest,
                        ledger.TierChange(
                            ledger.tier_of(guest.get("tier")).name, best.name, best.perks
                        ),
                        None,
                    )
                )
            change.events.append(
                self.event(
                    GuestMerged,
                    GuestMergedPayload(surviving_guest_id=guest["_id"], merged_guest_ids=aliases),
                    guest,
                    None,
                )
            )
            if moved > 0:
                return self.postings(
                    guest,
                    [
                        ledger.Movement(
                            entry_id=f"transfer|from|{duplicate['_id']}",
                            kind=ledger.TRANSFER_IN,
                            points=moved,
                            reason=f"merged from {duplicate['_id']}",
                            at=self.clock(),
                        )
                    ],
                    None,
                    change,
                )
            return change

        await self.change(survivor_id, absorb)
        await self.repository.move_match_keys(aliases, survivor_id)
        if not duplicate.get("merge_completed_at"):
            await self.repository.mark_merge_completed(duplicate["_id"], self.clock())
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
