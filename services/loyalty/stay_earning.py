"""Points earned: per stay and per spend on the folio, with tier bonuses, promotions and a
win-back offer kept once, the care a VIP's or a celebration's stay is owed, and the
referral a member earns when the guest they brought has stayed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.errors import Unprocessable
from shared.events import FolioClosed, StayCheckedOut

from . import ledger
from .care import post_stay_care
from .domain import spend_earning_entry_id, stay_earning_entry_id
from .guest_rules import referred
from .guests import Change
from .loyalty_context import LoyaltyContext
from .offers import REFERRAL_POINTS
from .win_back import win_back_bonus


class StayEarning(LoyaltyContext):
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
                change.pushes["stays"] = [stay_record(event)]
            movement = stay_movement(event, earned, at=now, year=year)
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

        seen = await self.store.move(
            referred_guest_id,
            lambda read: referred(read, referrer["_id"]),
            create=True,
            publish_profile=False,
        )
        return {"referrer": referrer["_id"], "referred_guest_id": seen.id}

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


def stay_record(event: StayCheckedOut) -> dict[str, Any]:
    """The stay as the guest's history keeps it."""
    stay = event.payload
    return {
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


def stay_movement(
    event: StayCheckedOut, earned: dict[str, Any], *, at: datetime, year: int
) -> ledger.Movement:
    """The points the stay earns, qualifying for the tier of its business year, with the
    breakdown (`earned`: the earning rules' answer) in its details."""
    stay = event.payload
    return ledger.Movement(
        entry_id=stay_earning_entry_id(stay.stay_id),
        kind=ledger.EARN,
        points=earned["points"],
        reason="stay",
        at=at,
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
