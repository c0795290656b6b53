"""Loyalty use cases: the ledger and the guest's history, from events and requests.

Each is a rule handed to the one write path (guests.py): earn per stay and spend with
tier bonuses and promotions, goodwill once per grant, reversal when a reservation is
cancelled or refunded, redemption with a balance check that holds under concurrency,
and the daily pass (year-end requalification, expiry after inactivity, greetings).
"""

from __future__ import annotations

from datetime import timedelta
from typing import Any

from shared.errors import Conflict, NotFound, Unprocessable
from shared.events import (
    CaseOpened,
    CaseReopened,
    Event,
    FolioClosed,
    GoodwillGranted,
    ReservationCancelled,
    ReservationCreated,
    StayCheckedOut,
    SurveyResponseReceived,
    SurveyResultsShared,
)

from . import ledger
from .care import (
    RELATIONS_OWNER,
    care_task,
    festival_actions,
    post_stay_care,
    relationship_care,
)
from .domain import (
    SATISFACTION_HISTORY,
    RedemptionCreate,
    ReversalCreate,
    lifecycle_of,
    reservation_actions,
    satisfaction_entry,
    scheduled_actions,
    segments_of,
    spend_earning_entry_id,
    stay_earning_entry_id,
)
from .guests import Change, GuestStore
from .offers import REFERRAL_POINTS, churn_causes, segment_offers
from .win_back import offer_from, win_back_bonus


class LoyaltyService:
    def __init__(
        self, store: GuestStore, *, rules: ledger.EarningRules, inactivity: timedelta
    ) -> None:
        self.store = store
        self.repository = store.repository
        self.clock = store.clock
        self.business_dates = store.business_dates
        self.rules = rules
        self.inactivity = inactivity

    async def earn_for_stay(self, event: StayCheckedOut) -> None:
        stay = event.payload
        now = self.clock()
        year = (await self.business_dates.today()).year

        def decide(guest: dict[str, Any]) -> Change | None:
            known = any(s["stay_id"] == stay.stay_id for s in guest.get("stays", []))
            earned = self.rules.stay_points(
                ledger.earning_room_revenue(stay.room_revenue, stay.paid_with_points),
                ledger.tier_of(guest.get("tier")),
                stay.departure,
            )
            change = Change()
            if not known:
                change.pushes["stays"] = [
                    {
                        "stay_id": stay.stay_id,
                        "reservation_id": stay.reservation_id,
                        "property_id": event.property_id,
                        "room_type": stay.room_type,
                        "arrival": stay.arrival.isoformat(),
                        "departure": stay.departure.isoformat(),
                        "nights": stay.nights,
                        "room_revenue": str(stay.room_revenue),
                        "total_spend": str(stay.total_spend),
                        "currency": stay.currency,
                    }
                ]
            movement = ledger.Movement(
                entry_id=stay_earning_entry_id(stay.stay_id),
                kind=ledger.EARN,
                points=earned["points"],
                reason="stay",
                at=now,
                qualifying=True,
                qualifying_nights=stay.nights,
                business_year=year,
                details={
                    "stay_id": stay.stay_id,
                    "reservation_id": stay.reservation_id,
                    "nights": stay.nights,
                    "property_id": event.property_id,
                    "paid_with_points": str(stay.paid_with_points),
                    **{k: v for k, v in earned.items() if k != "points"},
                },
            )
            bonus = win_back_bonus(
                guest,
                stay_id=stay.stay_id,
                reservation_id=stay.reservation_id,
                arrival=stay.arrival,
                base_points=earned["base"],
                at=now,
            )
            if bonus is not None:  # the promise of the win-back mail, kept once
                change.sets["win_back_offer"] = {**guest["win_back_offer"], "used_by": stay.stay_id}
            if not known:  # a card and a gift after a VIP's or a celebration's stay (care.py)
                change.messages, change.care_tasks = post_stay_care(
                    guest,
                    stay_id=stay.stay_id,
                    reservation_id=stay.reservation_id,
                    departure=stay.departure,
                )
            posted = self.store.postings(
                guest, [movement, *([bonus] if bonus else [])], event, change
            )
            return posted or (change if not known else None)

        seen = await self.store.change(stay.guest_id, decide, cause=event, create=True)
        await self.reward_referral(seen["_id"])

    async def refer(self, referrer_id: str, referred_guest_id: str) -> dict[str, Any]:
        """A member names the guest they brought (seed 001 八); the first one named counts."""
        referrer = await self.store.load(referrer_id, create=False)
        if referred_guest_id in (referrer["_id"], *referrer.get("also_known_as", [])):
            raise Unprocessable("a guest cannot refer themselves")
        if not referrer.get("member_number"):
            raise Unprocessable("only members earn referral rewards: enrol the guest first")

        def decide(guest: dict[str, Any]) -> Change | None:
            if guest.get("referred_by") or guest.get("stays"):
                raise Conflict("this guest was referred already, or has stayed before")
            return Change(sets={"referred_by": referrer["_id"]}, publish_profile=False)

        referred = await self.store.change(referred_guest_id, decide, create=True)
        return {"referrer": referrer["_id"], "referred_guest_id": referred["_id"]}

    async def reward_referral(self, guest_id: str) -> None:
        """The referred guest has stayed: the referrer's reward, once per referred guest
        (a redelivered checkout comes here again and finds the entry posted)."""
        guest = await self.store.load(guest_id, create=False)
        referrer_id = guest.get("referred_by")
        if not referrer_id or not guest.get("stays"):
            return
        movement = ledger.Movement(
            entry_id=f"referral|{guest['_id']}",
            kind=ledger.PROMOTION,
            points=REFERRAL_POINTS,
            reason="referral reward",
            at=self.clock(),
            details={"referred_guest_id": guest["_id"]},
        )
        await self.store.change(
            referrer_id, lambda referrer: self.store.postings(referrer, [movement], None)
        )

    async def earn_for_spend(self, event: FolioClosed) -> None:
        folio = event.payload
        now = self.clock()
        today = await self.business_dates.today()  # a promotion runs by the hotel's dates

        def decide(guest: dict[str, Any]) -> Change | None:
            earned = self.rules.spend_points(
                folio.other_charges, ledger.tier_of(guest.get("tier")), today
            )
            if earned["points"] <= 0:
                return None
            reservation_id = next(
                (
                    s["reservation_id"]
                    for s in guest.get("stays", [])
                    if s["stay_id"] == folio.stay_id
                ),
                None,
            )
            return self.store.postings(
                guest,
                [
                    ledger.Movement(
                        entry_id=spend_earning_entry_id(folio.stay_id),
                        kind=ledger.SPEND,
                        points=earned["points"],
                        reason="spend",
                        at=now,
                        qualifying=True,
                        business_year=today.year,
                        details={
                            "stay_id": folio.stay_id,
                            "reservation_id": reservation_id,
                            "property_id": event.property_id,
                            **{k: v for k, v in earned.items() if k != "points"},
                        },
                    )
                ],
                event,
            )

        await self.store.change(folio.guest_id, decide, cause=event, create=True)

    async def record_reservation(self, event: ReservationCreated) -> None:
        booking = event.payload
        booked_on = self.business_dates.at(event.occurred_at)

        def decide(guest: dict[str, Any]) -> Change | None:
            if any(
                r["reservation_id"] == booking.reservation_id for r in guest.get("reservations", [])
            ):
                return None
            reservation = {
                "reservation_id": booking.reservation_id,
                "status": booking.status,
                "property_id": event.property_id,
                "room_type": booking.room_type,
                "arrival": booking.arrival.isoformat(),
                "departure": booking.departure.isoformat(),
                "adults": booking.adults,
                "children": booking.children,
                "channel": booking.channel,
                "special_requests": list(booking.special_requests),
                "total_amount": str(booking.total_amount),
                # the hotel's business date then, not the UTC date (the offer's window
                # is in business dates)
                "booked_on": booked_on.isoformat(),
            }
            return Change(
                pushes={"reservations": [reservation]},
                messages=reservation_actions(guest, reservation),
            )

        await self.store.change(booking.guest_id, decide, cause=event, create=True)

    async def cancel_reservation(self, event: ReservationCancelled) -> None:
        """A cancelled (refunded) reservation takes back the points it earned."""
        cancelled = event.payload
        now = self.clock()
        year = (await self.business_dates.today()).year

        def decide(guest: dict[str, Any]) -> Change | None:
            reservations = [
                {**r, "status": "cancelled"}
                if r["reservation_id"] == cancelled.reservation_id
                else r
                for r in guest.get("reservations", [])
            ]
            change = Change(sets={"reservations": reservations})
            movements = [
                ledger.reversal(guest, entry_id, "reservation cancelled", now, year)
                for entry_id in ledger.reversible_entries_of_reservation(
                    guest, cancelled.reservation_id
                )
            ] + [  # points redeemed for it come back, once (issue 18)
                ledger.redemption_return(guest, entry_id, "reservation cancelled", now)
                for entry_id in ledger.redemptions_of_reservation(guest, cancelled.reservation_id)
            ]
            return self.store.postings(guest, movements, event, change) or change

        await self.store.change(cancelled.guest_id, decide, cause=event, create=True)

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

        await self.store.change(response.guest_id, decide, cause=event, create=True)

    async def record_case(self, event: CaseOpened) -> None:
        case = event.payload

        def decide(guest: dict[str, Any]) -> Change | None:
            feedback = dict(guest.get("feedback") or {})
            if case.case_id in feedback.get("case_ids", []):
                return None
            feedback["case_ids"] = [*feedback.get("case_ids", []), case.case_id]
            feedback["last_problem_at"] = max(
                event.occurred_at, feedback.get("last_problem_at") or event.occurred_at
            )
            return Change(sets={"feedback": feedback})

        await self.store.change(case.guest_id, decide, cause=event, create=True)

    async def record_case_reopened(self, event: CaseReopened) -> None:
        """The guest was not satisfied with how their complaint was put right: a problem
        again as of now (at-risk, a guest-relations owner, a new recovery contact by the
        daily pass), once per reopening."""
        case = event.payload
        key = f"{case.case_id}|{case.reopen_count}"

        def decide(guest: dict[str, Any]) -> Change | None:
            feedback = dict(guest.get("feedback") or {})
            if key in feedback.get("reopened_cases", []):
                return None
            feedback["reopened_cases"] = [*feedback.get("reopened_cases", []), key]
            feedback["last_problem_at"] = max(
                event.occurred_at, feedback.get("last_problem_at") or event.occurred_at
            )
            return Change(sets={"feedback": feedback})

        await self.store.change(case.guest_id, decide, cause=event, create=True)

    async def record_results_shared(self, event: SurveyResultsShared) -> None:
        """The satisfaction history per department (post-stay and in-stay answers alike:
        an in-stay low score makes a problem guest too), once per questionnaire and
        department, the newest `SATISFACTION_HISTORY` kept."""
        share = event.payload
        if share.guest_id is None:  # shared before guest ids travelled: nobody to file it on
            return

        def decide(guest: dict[str, Any]) -> Change | None:
            feedback = dict(guest.get("feedback") or {})
            history = list(feedback.get("history", []))
            if any(
                (h["survey_id"], h["department"]) == (share.survey_id, share.department)
                for h in history
            ):
                return None
            history.append(satisfaction_entry(share))
            history.sort(key=lambda h: h["answered_at"])
            feedback["history"] = history[-SATISFACTION_HISTORY:]
            if share.low_topics:
                feedback["last_problem_at"] = max(
                    share.answered_at, feedback.get("last_problem_at") or share.answered_at
                )
            return Change(sets={"feedback": feedback})

        await self.store.change(share.guest_id, decide, cause=event, create=True)

    async def apply_goodwill(self, event: GoodwillGranted) -> None:
        """Service recovery: once per grant_id, whatever the deliveries."""
        grant = event.payload
        now = self.clock()

        def decide(guest: dict[str, Any]) -> Change | None:
            change = Change()
            if grant.voucher and grant.grant_id not in {
                v["grant_id"] for v in guest.get("vouchers", [])
            }:
                change.pushes["vouchers"] = [
                    {
                        "grant_id": grant.grant_id,
                        "case_id": grant.case_id,
                        "voucher": grant.voucher,
                        "granted_at": now,
                    }
                ]
            if grant.points > 0:
                posted = self.store.postings(
                    guest,
                    [
                        ledger.Movement(
                            entry_id=f"goodwill|{grant.grant_id}",
                            kind=ledger.GOODWILL,
                            points=grant.points,
                            reason="goodwill",
                            at=now,
                            details={"case_id": grant.case_id},
                        )
                    ],
                    event,
                    change,
                )
                if posted:
                    return posted
            return change if change.pushes else None

        await self.store.change(grant.guest_id, decide, cause=event, create=True)

    async def guest(self, guest_id: str) -> dict[str, Any]:
        return await self.store.load(guest_id, create=False)

    async def points_of(self, guest_id: str) -> dict[str, Any]:
        guest = await self.store.load(guest_id, create=False)
        return {
            "guest_id": guest["_id"],
            "balance": guest.get("balance", 0),
            "tier": ledger.tier_of(guest.get("tier")).name,
            "entries": guest.get("entries", []),
        }

    async def redeem(self, guest_id: str, request: RedemptionCreate) -> dict[str, Any]:
        """Debits the points; one applied to a booking (issue 18) names a reservation the
        guest holds (loyalty's own record of reservation.created), not a cancelled one, and
        reservation honours it from loyalty.points_redeemed."""
        now = self.clock()
        entry_id = f"redeem|{request.request_id}"

        def decide(guest: dict[str, Any]) -> Change | None:
            if entry_id in ledger.entry_ids(guest):
                return None  # a repeat: redeemed once
            booking = None
            if request.reservation_id:
                booking = next(
                    (
                        r
                        for r in guest.get("reservations", [])
                        if r["reservation_id"] == request.reservation_id
                    ),
                    None,
                )
                if booking is None:
                    raise NotFound(
                        f"guest {guest_id!r} has no reservation {request.reservation_id!r}"
                    )
            movement = ledger.redemption(
                guest_id,
                points=request.points,
                kind=request.kind,
                request_id=request.request_id,
                at=now,
                booking=booking,
                night=request.night,
            )
            return self.store.postings(guest, [movement], None)

        seen = await self.store.change(guest_id, decide)
        return await self._entry(seen, entry_id)

    async def return_redemptions(
        self,
        event: Event[Any],
        guest_id: str,
        reservation_id: str,
        reason: str,
        only: str | None = None,
    ) -> None:
        """Gives back, once, the points redeemed for a booking that cannot use them: it
        was walked, or reservation refused the redemption (`only` that one)."""
        now = self.clock()

        def decide(guest: dict[str, Any]) -> Change | None:
            movements = [
                ledger.redemption_return(guest, entry_id, reason, now)
                for entry_id in ledger.redemptions_of_reservation(guest, reservation_id)
                if only is None or entry_id == only
            ]
            return self.store.postings(guest, movements, event)

        await self.store.change(guest_id, decide, cause=event, create=True)

    async def reverse(self, guest_id: str, request: ReversalCreate) -> dict[str, Any]:
        now = self.clock()
        year = (await self.business_dates.today()).year
        entry_ids: list[str] = []

        def decide(guest: dict[str, Any]) -> Change | None:
            movement = ledger.reversal(guest, request.entry_id, request.reason, now, year)
            entry_ids[:] = [movement.entry_id]
            return self.store.postings(guest, [movement], None)

        seen = await self.store.change(guest_id, decide)
        return await self._entry(seen, entry_ids[0])

    async def _entry(self, seen: dict[str, Any], entry_id: str) -> dict[str, Any]:
        """The entry as the ledger holds it. `seen` is the profile the write was decided
        on: the entry is on that document, even when a merge racing the write has since
        closed it (its balance, this entry's points included, moved to the survivor by
        the transfer), or on a profile merged into it earlier (a repeated request)."""
        for document_id in (seen["_id"], *seen.get("also_known_as", [])):
            document = await self.store.repository.get(document_id) or {}
            for entry in document.get("entries", []):
                if entry["entry_id"] == entry_id:
                    return entry
        raise Conflict(f"ledger entry {entry_id!r} was not written; try again")

    async def daily_pass(self, guest_id: str) -> None:
        """Year-end requalification, expiry after inactivity, segment and lifecycle
        refresh and due greetings for one guest, each idempotent for the day."""
        now = self.clock()  # the instant, for expiry after inactivity
        today = await self.business_dates.today()  # the day, for everything dated

        def decide(guest: dict[str, Any]) -> Change | None:
            change = Change()
            qualifying, tier, tier_change = ledger.roll_over(guest, today.year)
            if guest.get("qualifying") and qualifying != guest["qualifying"]:
                change.sets.update(qualifying=qualifying, tier=tier.name)
                if tier_change:
                    change.events.append(self.store.tier_event(guest, tier_change, None))
            expiring = ledger.expiry(guest, now, self.inactivity)
            if expiring:
                self.store.postings(guest, [expiring], None, change)
            refreshed = {**guest, **change.sets}
            if segments_of(refreshed, today) != guest.get("segments") or lifecycle_of(
                refreshed, today
            ) != guest.get("lifecycle"):
                change.sets["refreshed_on"] = today.isoformat()
            current = {
                **refreshed,
                "lifecycle": lifecycle_of(refreshed, today),
                "segments": segments_of(refreshed, today),
            }
            done = set(guest.get("campaign_actions", []))
            change.messages = [
                action
                for action in [
                    *scheduled_actions(current, today),
                    *festival_actions(current, today),  # issue 18: lunar festivals
                    *segment_offers(current, today),  # issue 18: acquisition, business, family
                ]
                if action["action_id"] not in done
            ]
            # issue 18: follow-up calls for high-value guests, an owner for problem guests
            change.care_tasks = relationship_care(current, today)
            if change.messages:
                change.pushes["campaign_actions"] = [a["action_id"] for a in change.messages]
                offer = offer_from(change.messages, today)
                if offer:  # the mail promises double points: the promise is recorded
                    # issue 18: why the guest left is looked at first, and kept with the offer
                    causes = churn_causes(current)
                    change.sets["win_back_offer"] = {**offer, "causes": causes}
                    change.sets["churn_analysis"] = {"causes": causes, "on": today.isoformat()}
                    if {"complaint", "low_score"} & set(causes):  # a call before a coupon
                        change.care_tasks.append(
                            care_task(
                                f"win-back-call|{offer['offer_id']}",
                                current,
                                kind="win_back_call",
                                reason="left after " + ", ".join(causes),
                                due_on=today,
                            )
                        )
            planned = set(guest.get("care_tasks", []))
            change.care_tasks = [t for t in change.care_tasks if t["_id"] not in planned]
            if change.care_tasks:
                change.pushes["care_tasks"] = [task["_id"] for task in change.care_tasks]
            owner = RELATIONS_OWNER if "at-risk" in current["segments"] else None
            if owner != guest.get("relations_owner"):
                change.sets["relations_owner"] = owner
            if change.sets or change.pushes:
                return change
            return None

        await self.store.change(guest_id, decide)
