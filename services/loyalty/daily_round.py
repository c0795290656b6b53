"""The daily pass over one guest: year-end requalification, expiry after inactivity,
segments and lifecycle refreshed, the greetings, festival and segment offers due, the
win-back offer with why the guest left, and the relationship care they are owed."""

from __future__ import annotations

from datetime import date, datetime
from typing import Any

from . import ledger
from .care import RELATIONS_OWNER, care_task, festival_actions, relationship_care
from .domain import lifecycle_of, scheduled_actions, segments_of
from .guests import Change
from .loyalty_context import LoyaltyContext
from .offers import churn_causes, segment_offers
from .win_back import offer_from


class DailyRound(LoyaltyContext):
    async def daily_pass(self, guest_id: str) -> None:
        """Year-end requalification, expiry after inactivity, segment and lifecycle
        refresh and due greetings for one guest, each idempotent for the day."""
        now = self.clock()  # the instant, for expiry after inactivity
        today = await self.business_dates.today()  # the day, for everything dated

        def decide(guest: dict[str, Any]) -> Change | None:
            change = Change()
            self._requalify_and_expire(guest, change, now=now, year=today.year)
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
            change.messages = due_messages(guest, current, today)
            # issue 18: follow-up calls for high-value guests, an owner for problem guests
            change.care_tasks = relationship_care(current, today)
            if change.messages:
                change.pushes["campaign_actions"] = [a["action_id"] for a in change.messages]
                record_win_back_offer(change, current, today)
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

    def _requalify_and_expire(
        self, guest: dict[str, Any], change: Change, *, now: datetime, year: int
    ) -> None:
        """Onto `change`: the tier the year's roll-over gives (with its event), and the
        points that expire after inactivity."""
        qualifying, tier, tier_change = ledger.roll_over(guest, year)
        if guest.get("qualifying") and qualifying != guest["qualifying"]:
            change.sets.update(qualifying=qualifying, tier=tier.name)
            if tier_change:
                change.events.append(self.store.tier_event(guest, tier_change, None))
        expiring = ledger.expiry(guest, now, self.inactivity)
        if expiring:
            self.store.postings(guest, [expiring], None, change)


def due_messages(
    guest: dict[str, Any], current: dict[str, Any], today: date
) -> list[dict[str, Any]]:
    """The greetings and offers due today (`current`: the guest as refreshed) that were
    not sent already."""
    done = set(guest.get("campaign_actions", []))
    return [
        action
        for action in [
            *scheduled_actions(current, today),
            *festival_actions(current, today),  # issue 18: lunar festivals
            *segment_offers(current, today),  # issue 18: acquisition, business, family
        ]
        if action["action_id"] not in done
    ]


def record_win_back_offer(change: Change, current: dict[str, Any], today: date) -> None:
    """The win-back offer among the change's messages, if one is, recorded on `change`."""
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
