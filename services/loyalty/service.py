"""Loyalty use cases: every change to a guest is load -> rule -> one guarded write.

`_change` is the one write path: it loads the guest's document (following merges to
the surviving profile), lets a rule decide the change, appends the profile event when
what other services see of the guest changed, and saves it all in one write guarded by
the document's version; a concurrent writer makes it read again and re-decide.
"""

from __future__ import annotations

import copy
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any

from shared.events import (CaseOpened, Event, FolioClosed, GoodwillGranted, GuestAnonymized,
                           GuestAnonymizedPayload, GuestContactCaptured, GuestCreated,
                           GuestMerged, GuestMergedPayload, GuestProfilePayload, GuestUpdated,
                           PointsAccrued, PointsAccruedPayload, PointsExpired,
                           PointsMovementPayload, PointsRedeemed, PointsReversed,
                           ReservationCancelled, ReservationCreated, StayCheckedOut,
                           SurveyResponseReceived, TierChanged, TierChangedPayload)
from shared.logging import get_logger
from shared.problems import Conflict, NotFound

from . import ledger
from .domain import (PERSONAL_FIELDS, EnrolmentCreate, contact_channel, ProfileUpdate, RedemptionCreate,
                     ReversalCreate, consent_record, lifecycle_of, match_keys,
                     member_number_for, merged_feedback, merged_profile, projection,
                     reservation_actions, scheduled_actions, segments_of,
                     spend_earning_entry_id, stay_earning_entry_id, union_by)
from .repository import LoyaltyRepository, VersionConflict

log = get_logger(__name__)
PRODUCER = "loyalty"
WRITE_ATTEMPTS = 20
MAX_MERGE_HOPS = 10
POINT_EVENTS = {ledger.EARN: PointsAccrued, ledger.SPEND: PointsAccrued,
                ledger.GOODWILL: PointsAccrued, ledger.PROMOTION: PointsAccrued,
                ledger.REDEEM: PointsRedeemed, ledger.REVERSE: PointsReversed,
                ledger.EXPIRE: PointsExpired}

Clock = Callable[[], datetime]


@dataclass
class Change:
    sets: dict[str, Any] = field(default_factory=dict)
    pushes: dict[str, list[Any]] = field(default_factory=dict)
    unsets: tuple[str, ...] = ()
    events: list[Event[Any]] = field(default_factory=list)
    messages: list[dict[str, str]] = field(default_factory=list)  # campaign actions
    publish_profile: bool = True


class LoyaltyService:
    def __init__(self, repository: LoyaltyRepository, *, rules: ledger.EarningRules,
                 match_secret: str, inactivity: timedelta, property_id: str,
                 events_written: Callable[[], None],
                 clock: Clock = lambda: datetime.now(UTC)) -> None:
        self.repository = repository
        self.rules = rules
        self.match_secret = match_secret
        self.inactivity = inactivity
        self.property_id = property_id
        self.events_written = events_written
        self.clock = clock

    # --- the write path ------------------------------------------------------------

    async def _load(self, guest_id: str, *, create: bool, property_id: str | None = None
                    ) -> dict[str, Any]:
        for _ in range(MAX_MERGE_HOPS):
            guest = await self.repository.get(guest_id)
            if guest is None:
                if not create:
                    raise NotFound(f"guest {guest_id!r} is not known to loyalty")
                guest = await self.repository.ensure(guest_id, property_id or self.property_id,
                                                     self.clock())
            if not guest.get("merged_into"):
                return guest
            await self._complete_merge(guest)
            guest_id = guest["merged_into"]
        raise Conflict(f"guest {guest_id!r} is merged too many times over")

    async def _change(self, guest_id: str, decide: Callable[[dict[str, Any]], Change | None], *,
                      cause: Event[Any] | None = None, create: bool = False) -> dict[str, Any]:
        """Applies `decide` to the guest's current state; returns the state it saw."""
        for _ in range(WRITE_ATTEMPTS):
            guest = await self._load(guest_id, create=create,
                                     property_id=cause.property_id if cause else None)
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
        today = self.clock().date()
        change.sets.update(segments=segments_of(after, today), lifecycle=lifecycle_of(after, today))
        after.update(segments=change.sets["segments"], lifecycle=change.sets["lifecycle"])
        version = guest.get("version", 0) + 1
        if change.publish_profile and (projection(after) != projection(guest)
                                       or not guest.get("profile_published")):
            kind = GuestUpdated if guest.get("profile_published") else GuestCreated
            change.events.append(self._event(kind, GuestProfilePayload(
                **projection(after), version=version), guest, cause))
            change.sets["profile_published"] = True
        for message in change.messages:  # before the state: a retry finds them recorded
            await self._record_message(after, message)
        await self.repository.save(guest, sets=change.sets, pushes=change.pushes,
                                   unsets=change.unsets, events=tuple(change.events),
                                   applied_event=str(cause.event_id) if cause else None)
        if change.events:
            self.events_written()

    def _event(self, kind: type[Event[Any]], payload: Any, guest: dict[str, Any],
               cause: Event[Any] | None) -> Event[Any]:
        if cause is not None:
            return kind.new(payload, producer=PRODUCER, **cause.caused())
        return kind.new(payload, producer=PRODUCER,
                        property_id=guest.get("property_id") or self.property_id)

    def _postings(self, guest: dict[str, Any], movements: list[ledger.Movement],
                  cause: Event[Any] | None, change: Change | None = None) -> Change | None:
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

    def _movement_events(self, guest: dict[str, Any], posting: ledger.Posting,
                         cause: Event[Any] | None) -> list[Event[Any]]:
        entry, events = posting.entry, []
        kind = POINT_EVENTS.get(entry["kind"])
        if kind is PointsAccrued:
            events.append(self._event(PointsAccrued, PointsAccruedPayload(
                entry_id=entry["entry_id"], guest_id=guest["_id"], points=entry["points"],
                reason=entry["reason"], stay_id=entry.get("stay_id")), guest, cause))
        elif kind is not None:
            events.append(self._event(kind, PointsMovementPayload(
                entry_id=entry["entry_id"], guest_id=guest["_id"], points=entry["points"],
                reason=entry["reason"], balance_after=entry["balance_after"]), guest, cause))
        if posting.tier_change:
            events.append(self._tier_event(guest, posting.tier_change, cause))
        return events

    def _tier_event(self, guest: dict[str, Any], change: ledger.TierChange,
                    cause: Event[Any] | None) -> Event[Any]:
        log.info("tier changed", guest_id=guest["_id"], old_tier=change.old_tier,
                 new_tier=change.new_tier)
        return self._event(TierChanged, TierChangedPayload(
            guest_id=guest["_id"], old_tier=change.old_tier, new_tier=change.new_tier,
            perks=list(change.perks)), guest, cause)

    async def _record_message(self, guest: dict[str, Any], action: dict[str, str]) -> None:
        """Queues a campaign message for the e-mail/SMS adapter, only with consent. The
        record names the guest and the channel, never the address."""
        channel = contact_channel(guest.get("profile") or {})
        if channel is None:
            return
        await self.repository.record_message({
            "_id": action["action_id"], "guest_id": guest["_id"], "channel": channel,
            "template": action["template"], "status": "queued", "created_at": self.clock(),
            "property_id": guest.get("property_id")})

    # --- consumed events -----------------------------------------------------------

    async def earn_for_stay(self, event: StayCheckedOut) -> None:
        stay = event.payload
        now = self.clock()

        def decide(guest: dict[str, Any]) -> Change | None:
            known = any(s["stay_id"] == stay.stay_id for s in guest.get("stays", []))
            earned = self.rules.stay_points(stay.room_revenue, ledger.tier_of(guest.get("tier")),
                                            stay.departure)
            change = Change()
            if not known:
                change.pushes["stays"] = [{
                    "stay_id": stay.stay_id, "reservation_id": stay.reservation_id,
                    "property_id": event.property_id, "room_type": stay.room_type,
                    "arrival": stay.arrival.isoformat(), "departure": stay.departure.isoformat(),
                    "nights": stay.nights, "room_revenue": str(stay.room_revenue),
                    "total_spend": str(stay.total_spend), "currency": stay.currency}]
            movement = ledger.Movement(
                entry_id=stay_earning_entry_id(stay.stay_id), kind=ledger.EARN,
                points=earned["points"], reason="stay", at=now, qualifying=True,
                qualifying_nights=stay.nights,
                details={"stay_id": stay.stay_id, "reservation_id": stay.reservation_id,
                         "nights": stay.nights, "property_id": event.property_id,
                         **{k: v for k, v in earned.items() if k != "points"}})
            posted = self._postings(guest, [movement], event, change)
            return posted or (change if not known else None)

        await self._change(stay.guest_id, decide, cause=event, create=True)

    async def earn_for_spend(self, event: FolioClosed) -> None:
        folio = event.payload
        now = self.clock()

        def decide(guest: dict[str, Any]) -> Change | None:
            earned = self.rules.spend_points(folio.other_charges, ledger.tier_of(guest.get("tier")),
                                             now.date())
            if earned["points"] <= 0:
                return None
            reservation_id = next((s["reservation_id"] for s in guest.get("stays", [])
                                   if s["stay_id"] == folio.stay_id), None)
            return self._postings(guest, [ledger.Movement(
                entry_id=spend_earning_entry_id(folio.stay_id), kind=ledger.SPEND,
                points=earned["points"], reason="spend", at=now, qualifying=True,
                details={"stay_id": folio.stay_id, "reservation_id": reservation_id,
                         "property_id": event.property_id,
                         **{k: v for k, v in earned.items() if k != "points"}})], event)

        await self._change(folio.guest_id, decide, cause=event, create=True)

    async def record_reservation(self, event: ReservationCreated) -> None:
        booking = event.payload

        def decide(guest: dict[str, Any]) -> Change | None:
            if any(r["reservation_id"] == booking.reservation_id
                   for r in guest.get("reservations", [])):
                return None
            reservation = {
                "reservation_id": booking.reservation_id, "status": booking.status,
                "property_id": event.property_id, "room_type": booking.room_type,
                "arrival": booking.arrival.isoformat(), "departure": booking.departure.isoformat(),
                "adults": booking.adults, "children": booking.children,
                "channel": booking.channel, "special_requests": list(booking.special_requests),
                "total_amount": str(booking.total_amount)}
            return Change(pushes={"reservations": [reservation]},
                          messages=reservation_actions(guest, reservation))

        await self._change(booking.guest_id, decide, cause=event, create=True)

    async def cancel_reservation(self, event: ReservationCancelled) -> None:
        """A cancelled (refunded) reservation takes back the points it earned."""
        cancelled = event.payload
        now = self.clock()

        def decide(guest: dict[str, Any]) -> Change | None:
            reservations = [{**r, "status": "cancelled"}
                            if r["reservation_id"] == cancelled.reservation_id else r
                            for r in guest.get("reservations", [])]
            change = Change(sets={"reservations": reservations})
            movements = [ledger.reversal(guest, entry_id, "reservation cancelled", now)
                         for entry_id in ledger.reversible_entries_of_reservation(
                             guest, cancelled.reservation_id)]
            return self._postings(guest, movements, event, change) or change

        await self._change(cancelled.guest_id, decide, cause=event, create=True)

    async def record_contact(self, event: GuestContactCaptured) -> None:
        """The contact a booking captured: newest wins, then duplicates are looked for."""
        contact = event.payload

        def decide(guest: dict[str, Any]) -> Change | None:
            profile = dict(guest.get("profile") or {})
            if profile.get("contact_at") and profile["contact_at"] > event.occurred_at:
                return None
            profile.update(first_name=contact.first_name, last_name=contact.last_name,
                           language=contact.language, contact_at=event.occurred_at,
                           **({"email": str(contact.email)} if contact.email else {}),
                           **({"phone": contact.phone} if contact.phone else {}))
            return Change(sets={"profile": profile})

        guest = await self._change(contact.guest_id, decide, cause=event, create=True)
        await self._match(guest["_id"], email=contact.email, phone=contact.phone)

    async def _match(self, guest_id: str, *, email: str | None = None, phone: str | None = None,
                     member_number: str | None = None) -> None:
        """Claims the guest's match keys; a key another guest owns is the same person,
        so this guest merges into that (the older) profile."""
        for key in match_keys(self.match_secret, email=email, phone=phone,
                              member_number=member_number):
            owner = await self.repository.claim_match_key(key, guest_id)
            if owner != guest_id:
                await self.merge(owner, guest_id)
                return

    async def record_survey_response(self, event: SurveyResponseReceived) -> None:
        response = event.payload

        def decide(guest: dict[str, Any]) -> Change | None:
            feedback = dict(guest.get("feedback") or {})
            if response.survey_id in feedback.get("survey_ids", []):
                return None
            feedback["survey_ids"] = [*feedback.get("survey_ids", []), response.survey_id]
            feedback["responses"] = feedback.get("responses", 0) + 1
            if response.csat is not None:
                feedback["csat_total"] = feedback.get("csat_total", 0.0) + response.csat
                feedback["csat_count"] = feedback.get("csat_count", 0) + 1
            if response.nps is not None:
                feedback["last_nps"] = response.nps
            if response.low_score:
                feedback["low_scores"] = feedback.get("low_scores", 0) + 1
                feedback["last_problem_at"] = event.occurred_at
            return Change(sets={"feedback": feedback})

        await self._change(response.guest_id, decide, cause=event, create=True)

    async def record_case(self, event: CaseOpened) -> None:
        case = event.payload

        def decide(guest: dict[str, Any]) -> Change | None:
            feedback = dict(guest.get("feedback") or {})
            if case.case_id in feedback.get("case_ids", []):
                return None
            feedback["case_ids"] = [*feedback.get("case_ids", []), case.case_id]
            feedback["last_problem_at"] = max(
                event.occurred_at, feedback.get("last_problem_at") or event.occurred_at)
            return Change(sets={"feedback": feedback})

        await self._change(case.guest_id, decide, cause=event, create=True)

    async def apply_goodwill(self, event: GoodwillGranted) -> None:
        """Service recovery: once per grant_id, whatever the deliveries."""
        grant = event.payload
        now = self.clock()

        def decide(guest: dict[str, Any]) -> Change | None:
            change = Change()
            if grant.voucher and grant.grant_id not in {v["grant_id"]
                                                         for v in guest.get("vouchers", [])}:
                change.pushes["vouchers"] = [{"grant_id": grant.grant_id, "case_id": grant.case_id,
                                              "voucher": grant.voucher, "granted_at": now}]
            if grant.points > 0:
                posted = self._postings(guest, [ledger.Movement(
                    entry_id=f"goodwill|{grant.grant_id}", kind=ledger.GOODWILL,
                    points=grant.points, reason="goodwill", at=now,
                    details={"case_id": grant.case_id})], event, change)
                if posted:
                    return posted
            return change if change.pushes else None

        await self._change(grant.guest_id, decide, cause=event, create=True)

    # --- guest requests (HTTP) ----------------------------------------------------

    async def guest(self, guest_id: str) -> dict[str, Any]:
        return await self._load(guest_id, create=False)

    async def points_of(self, guest_id: str) -> dict[str, Any]:
        guest = await self._load(guest_id, create=False)
        return {"guest_id": guest["_id"], "balance": guest.get("balance", 0),
                "tier": ledger.tier_of(guest.get("tier")).name,
                "entries": guest.get("entries", [])}

    async def update_profile(self, guest_id: str, update: ProfileUpdate) -> dict[str, Any]:
        now = self.clock()

        def decide(guest: dict[str, Any]) -> Change | None:
            profile = dict(guest.get("profile") or {})
            values = update.model_dump(exclude_unset=True, exclude={"consents", "preferences"})
            if "birthday" in values and values["birthday"] is not None:
                values["birthday"] = values["birthday"].isoformat()
            profile.update(values)
            if update.preferences is not None:
                profile["preferences"] = {**profile.get("preferences", {}),
                                          **{k: sorted(set(v)) for k, v in update.preferences.items()}}
            if update.consents:
                profile["consents"] = {**profile.get("consents", {}), **{
                    purpose: consent_record(c.granted, now, c.source)
                    for purpose, c in update.consents.items()}}
            return Change(sets={"profile": profile})

        guest = await self._change(guest_id, decide)
        if update.phone:
            await self._match(guest["_id"], phone=update.phone)
        return await self.guest(guest["_id"])

    async def enrol(self, guest_id: str, request: EnrolmentCreate) -> dict[str, Any]:
        now = self.clock()

        def decide(guest: dict[str, Any]) -> Change | None:
            if guest.get("member_number"):
                return None
            sets: dict[str, Any] = {"member_number": member_number_for(guest["_id"]),
                                    "enrolled_at": now, "enrolment_source": request.source,
                                    "tier": guest.get("tier") or ledger.BASE_TIER.name}
            if request.marketing_consent:
                profile = dict(guest.get("profile") or {})
                profile["consents"] = {**profile.get("consents", {}),
                                       "marketing": consent_record(True, now, request.source)}
                sets["profile"] = profile
            return Change(sets=sets)

        guest = await self._change(guest_id, decide)
        guest = await self.guest(guest["_id"])
        await self._match(guest["_id"], member_number=guest["member_number"])
        return guest

    async def redeem(self, guest_id: str, request: RedemptionCreate) -> dict[str, Any]:
        now = self.clock()
        movement = ledger.redemption(guest_id, points=request.points, kind=request.kind,
                                     request_id=request.request_id, at=now)
        guest = await self._change(guest_id, lambda g: self._postings(g, [movement], None))
        return await self._entry(guest["_id"], movement.entry_id)

    async def reverse(self, guest_id: str, request: ReversalCreate) -> dict[str, Any]:
        now = self.clock()
        entry_ids: list[str] = []

        def decide(guest: dict[str, Any]) -> Change | None:
            movement = ledger.reversal(guest, request.entry_id, request.reason, now)
            entry_ids[:] = [movement.entry_id]
            return self._postings(guest, [movement], None)

        guest = await self._change(guest_id, decide)
        return await self._entry(guest["_id"], entry_ids[0])

    async def _entry(self, guest_id: str, entry_id: str) -> dict[str, Any]:
        guest = await self.guest(guest_id)
        return next(e for e in guest["entries"] if e["entry_id"] == entry_id)

    # --- one guest, one profile -----------------------------------------------------

    async def merge(self, guest_id: str, other_id: str) -> dict[str, Any]:
        """Merges two profiles of one person. The older profile survives (then the
        smaller id): a fixed order, so two merges of the same pair racing each other
        agree on the direction and never make a cycle. Two documents, so two writes, made
        safe to interrupt: (1) the duplicate is closed, `merged_into` set and its balance
        moved out by a `transfer|to|<survivor>` entry; (2) the survivor takes the history
        and the points by a `transfer|from|<duplicate>` entry. Every later look-up of the
        duplicate passes through step 2 again, which is idempotent, so a crash between
        the two writes is finished by the next reader. Entries are never rewritten."""
        first = await self._load(guest_id, create=False)
        second = await self._load(other_id, create=False)
        if first["_id"] == second["_id"]:
            return first
        survivor, duplicate = sorted((first, second), key=lambda g: (g["created_at"], g["_id"]))
        target = survivor["_id"]
        now = self.clock()

        def close(guest: dict[str, Any]) -> Change | None:
            change = Change(sets={"merged_into": target, "merged_at": now}, publish_profile=False)
            if guest.get("balance", 0) > 0:
                return self._postings(guest, [ledger.Movement(
                    entry_id=f"transfer|to|{target}", kind=ledger.TRANSFER_OUT,
                    points=-guest["balance"], reason=f"merged into {target}", at=now)],
                    None, change)
            return change

        for _ in range(WRITE_ATTEMPTS):
            current = await self.repository.get(duplicate["_id"])
            if current.get("merged_into"):
                break
            change = close(current)
            try:
                await self.repository.save(current, sets=change.sets, pushes=change.pushes)
                break
            except VersionConflict:
                continue
        await self._load(duplicate["_id"], create=False)  # completes step 2
        return await self.guest(target)

    async def _complete_merge(self, duplicate: dict[str, Any]) -> None:
        survivor_id = duplicate["merged_into"]
        moved = -sum(e["points"] for e in duplicate.get("entries", [])
                     if e["entry_id"] == f"transfer|to|{survivor_id}")
        aliases = [duplicate["_id"], *duplicate.get("also_known_as", [])]

        def absorb(guest: dict[str, Any]) -> Change | None:
            if duplicate["_id"] in guest.get("also_known_as", []):
                return None
            qualifying, tier, _ = ledger.roll_over(guest, self.clock().year)
            theirs, their_tier, _ = ledger.roll_over(duplicate, self.clock().year)
            best = max(tier, their_tier, key=lambda t: t.rank)
            change = Change(sets={
                "profile": merged_profile(guest.get("profile") or {}, duplicate.get("profile") or {}),
                "stays": union_by("stay_id", guest.get("stays", []), duplicate.get("stays", [])),
                "reservations": union_by("reservation_id", guest.get("reservations", []),
                                         duplicate.get("reservations", [])),
                "feedback": merged_feedback(guest.get("feedback") or {},
                                            duplicate.get("feedback") or {}),
                "also_known_as": [*guest.get("also_known_as", []), *aliases],
                "member_number": guest.get("member_number") or duplicate.get("member_number"),
                "qualifying": {"year": qualifying["year"],
                               "nights": qualifying["nights"] + theirs["nights"],
                               "points": qualifying["points"] + theirs["points"]},
                "tier": best.name,
            }, pushes={"vouchers": duplicate.get("vouchers", [])})
            if best.name != ledger.tier_of(guest.get("tier")).name:
                change.events.append(self._tier_event(guest, ledger.TierChange(
                    ledger.tier_of(guest.get("tier")).name, best.name, best.perks), None))
            change.events.append(self._event(GuestMerged, GuestMergedPayload(
                surviving_guest_id=guest["_id"], merged_guest_ids=aliases), guest, None))
            if moved > 0:
                return self._postings(guest, [ledger.Movement(
                    entry_id=f"transfer|from|{duplicate['_id']}", kind=ledger.TRANSFER_IN,
                    points=moved, reason=f"merged from {duplicate['_id']}",
                    at=self.clock())], None, change)
            return change

        await self._change(survivor_id, absorb)
        await self.repository.move_match_keys(aliases, survivor_id)
        log.info("guests merged", surviving_guest_id=survivor_id, merged_guest_ids=aliases)

    # --- data protection -------------------------------------------------------------

    async def export(self, guest_id: str) -> dict[str, Any]:
        """Everything loyalty holds about the guest, merged profiles included."""
        guest = await self.guest(guest_id)
        merged = [await self.repository.get(alias) for alias in guest.get("also_known_as", [])]
        hidden = {"applied_events", "outbox", "outbox_lease_until", "outbox_lease_owner"}
        strip = (lambda doc: {k: v for k, v in doc.items() if k not in hidden})
        return {"guest": strip(guest), "merged_profiles": [strip(m) for m in merged if m],
                "messages": await self.repository.messages_of(guest["_id"]),
                "exported_at": self.clock()}

    async def erase(self, guest_id: str, reason: str) -> dict[str, Any]:
        """Erasure on request: the profile's personal fields go, in this guest's document
        and every document merged into it; the ledger amounts, the stays (dates, rooms,
        amounts) and the feedback counts stay, keyed by the guest id. One event tells
        every other service to do the same."""
        guest = await self.guest(guest_id)
        now = self.clock()
        aliases = list(guest.get("also_known_as", []))
        for alias in aliases:
            for _ in range(WRITE_ATTEMPTS):
                merged = await self.repository.get(alias)
                try:
                    await self.repository.save(merged, sets=_erased_profile(merged, now),
                                               unsets=("member_number",))
                    break
                except VersionConflict:
                    continue

        def decide(current: dict[str, Any]) -> Change:
            return Change(sets=_erased_profile(current, now), unsets=("member_number",),
                          publish_profile=False, events=[self._event(
                              GuestAnonymized, GuestAnonymizedPayload(
                                  guest_id=current["_id"], also_known_as=aliases,
                                  requested_at=now), current, None)])

        await self._change(guest["_id"], decide)
        await self.repository.drop_match_keys([guest["_id"], *aliases])
        await self.repository.cancel_messages([guest["_id"], *aliases])
        log.info("guest anonymised", guest_id=guest["_id"], reason=reason)
        return {"guest_id": guest["_id"], "also_known_as": aliases, "anonymized_at": now}

    # --- scheduled jobs (see jobs.py) ---------------------------------------------------

    async def daily_pass(self, guest_id: str) -> None:
        """Year-end requalification, expiry after inactivity, segment and lifecycle
        refresh and due greetings for one guest, each idempotent for the day."""
        now = self.clock()

        def decide(guest: dict[str, Any]) -> Change | None:
            change = Change()
            qualifying, tier, tier_change = ledger.roll_over(guest, now.year)
            if guest.get("qualifying") and qualifying != guest["qualifying"]:
                change.sets.update(qualifying=qualifying, tier=tier.name)
                if tier_change:
                    change.events.append(self._tier_event(guest, tier_change, None))
            expiring = ledger.expiry(guest, now, self.inactivity)
            if expiring:
                self._postings(guest, [expiring], None, change)
            today = now.date()
            refreshed = {**guest, **change.sets}
            if (segments_of(refreshed, today) != guest.get("segments")
                    or lifecycle_of(refreshed, today) != guest.get("lifecycle")):
                change.sets["refreshed_on"] = today.isoformat()
            change.messages = scheduled_actions(
                {**refreshed, "lifecycle": lifecycle_of(refreshed, today)}, today)
            if change.sets or change.pushes or change.messages:
                return change
            return None

        await self._change(guest_id, decide)


def _applied(guest: dict[str, Any], change: Change) -> dict[str, Any]:
    after = {**guest, **change.sets}
    for key, values in change.pushes.items():
        after[key] = [*guest.get(key, []), *values]
    for key in change.unsets:
        after.pop(key, None)
    return after


def _erased_profile(guest: dict[str, Any], now: datetime) -> dict[str, Any]:
    profile = guest.get("profile") or {}
    kept = {k: v for k, v in profile.items() if k not in PERSONAL_FIELDS and k != "contact_at"}
    return {"profile": {**kept, "consents": {}}, "anonymized_at": now}
