"""The points ledger and the membership tiers: rules only, no I/O.

A guest's account lives in the guest's document: `balance`, the append-only `entries`,
the `tier` and the `qualifying` counters of the current year. Every movement is a new
entry whose `entry_id` is its natural key (`earn|stay|<stay_id>`, `goodwill|<grant_id>`,
`reverse|<entry_id>` ...); posting an entry that already exists changes nothing. The
store writes the new entry, the new balance and the events in ONE guarded document write
(see repository.py), so the balance is always the sum of the entries, and a movement that
would take it below zero is refused here before anything is written.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from decimal import ROUND_FLOOR, Decimal
from typing import Any

from shared.errors import Conflict, NotFound, Unprocessable


@dataclass(frozen=True)
class Tier:
    name: str
    rank: int
    nights: int  # qualifying nights within a calendar year, or
    points: int  # qualifying points (earned from stays and spend) within the year
    bonus_percent: int  # on top of base earnings
    perks: tuple[str, ...]


# Compare Hilton Honors (Silver 10 nights, Gold 30, Diamond 60) and Marriott Bonvoy
# (Silver 10, Gold 25, Platinum 50): nights OR points qualify, status holds through the
# following year. The points thresholds are the nights at ~500 a night, 10 points a unit.
TIERS = (
    Tier("Member", 0, 0, 0, 0, ("member_rate",)),
    Tier("Silver", 1, 10, 50_000, 10, ("member_rate", "fast_lane", "late_checkout")),
    Tier(
        "Gold",
        2,
        25,
        125_000,
        25,
        ("member_rate", "fast_lane", "late_checkout", "upgrade_eligibility", "welcome_amenity"),
    ),
    Tier(
        "Platinum",
        3,
        50,
        250_000,
        50,
        (
            "member_rate",
            "fast_lane",
            "late_checkout",
            "upgrade_eligibility",
            "welcome_amenity",
            "birthday_surprise",
        ),
    ),
)
TIERS_BY_NAME = {tier.name: tier for tier in TIERS}
BASE_TIER = TIERS[0]

# Entry kinds. Qualifying ones count towards tiers; all of them count in the balance.
EARN, SPEND, GOODWILL, PROMOTION = "earn", "spend", "goodwill", "promotion"
REDEEM, REVERSE, EXPIRE, TRANSFER_IN, TRANSFER_OUT = (
    "redeem",
    "reverse",
    "expire",
    "transfer_in",
    "transfer_out",
)
REVERSIBLE = {EARN, SPEND, GOODWILL, PROMOTION}
REDEMPTION_KINDS = ("night", "voucher")


class InsufficientPoints(Conflict):
    title = "Insufficient points"


def tier_of(name: str | None) -> Tier:
    return TIERS_BY_NAME.get(name or "", BASE_TIER)


def qualified_tier(nights: int, points: int) -> Tier:
    """The highest tier whose nights OR points threshold the year's activity reaches."""
    return max((t for t in TIERS if nights >= t.nights or points >= t.points), key=lambda t: t.rank)


def earning_room_revenue(room_revenue: Decimal, paid_with_points: Decimal) -> Decimal:
    """The room revenue that earns points: what points paid earns nothing (a night paid
    with points would otherwise give back points for itself)."""
    return max(room_revenue - paid_with_points, Decimal(0))


def points_for_stay(room_revenue: Decimal, points_per_currency_unit: int) -> int:
    """Whole points for whole currency units of room revenue; fractions earn nothing."""
    units = room_revenue.to_integral_value(rounding=ROUND_FLOOR)
    return int(units) * points_per_currency_unit


@dataclass(frozen=True)
class Promotion:
    """Bonus points on stays that depart within [starts, ends]."""

    name: str
    starts: date
    ends: date
    bonus_percent: int

    def applies(self, day: date) -> bool:
        return self.starts <= day <= self.ends


@dataclass(frozen=True)
class EarningRules:
    points_per_currency_unit: int = 10  # room revenue
    spend_points_per_currency_unit: int = 5  # other charges on the closed folio
    promotions: tuple[Promotion, ...] = ()

    def stay_points(self, room_revenue: Decimal, tier: Tier, departure: date) -> dict[str, int]:
        base = points_for_stay(room_revenue, self.points_per_currency_unit)
        return self._with_bonuses(base, tier, departure)

    def spend_points(self, other_charges: Decimal, tier: Tier, day: date) -> dict[str, int]:
        base = points_for_stay(max(other_charges, Decimal(0)), self.spend_points_per_currency_unit)
        return self._with_bonuses(base, tier, day)

    def _with_bonuses(self, base: int, tier: Tier, day: date) -> dict[str, int]:
        tier_bonus = base * tier.bonus_percent // 100
        promotion_bonus = sum(
            base * p.bonus_percent // 100 for p in self.promotions if p.applies(day)
        )
        return {
            "base": base,
            "tier_bonus": tier_bonus,
            "promotion_bonus": promotion_bonus,
            "points": base + tier_bonus + promotion_bonus,
        }


@dataclass(frozen=True)
class Movement:
    """A ledger entry about to be posted. `points` is signed."""

    entry_id: str
    kind: str
    points: int
    reason: str
    at: datetime
    qualifying_nights: int = 0
    qualifying: bool = False  # counts towards the tier (stays and spend)
    details: dict[str, Any] = field(default_factory=dict)
    # The hotel's year it counts in (its business date's), not the UTC year of `at`:
    # at 20:00 UTC on 31 December it is already the new year in Shanghai.
    business_year: int | None = None


@dataclass(frozen=True)
class TierChange:
    old_tier: str | None
    new_tier: str
    perks: tuple[str, ...]


@dataclass
class Posting:
    """What posting a movement changes: the fields to set and the entry to append."""

    entry: dict[str, Any]
    sets: dict[str, Any]
    tier_change: TierChange | None = None


def entry_ids(account: dict[str, Any]) -> set[str]:
    """Every entry the account has posted, those of the profiles merged into it included
    (`merged_entry_ids`): a redemption retried, or a stay redelivered, after its profile
    was merged away finds its entry already posted instead of taking the points twice."""
    return {entry["entry_id"] for entry in account.get("entries", [])} | set(
        account.get("merged_entry_ids", [])
    )


def fresh_qualifying(year: int) -> dict[str, int]:
    return {"year": year, "nights": 0, "points": 0}


def roll_over(account: dict[str, Any], year: int) -> tuple[dict[str, int], Tier, TierChange | None]:
    """The year-end rule: on entering `year`, the tier is what the previous year's
    activity qualified for (status earned in a year holds through the next one); older
    activity counts for nothing. Counters start again from zero."""
    current = tier_of(account.get("tier"))
    qualifying = account.get("qualifying") or fresh_qualifying(year)
    if qualifying["year"] >= year:
        return qualifying, current, None
    if qualifying["year"] == year - 1:
        kept = qualified_tier(qualifying["nights"], qualifying["points"])
    else:
        kept = BASE_TIER
    change = None if kept.name == current.name else TierChange(current.name, kept.name, kept.perks)
    return fresh_qualifying(year), kept, change


def post(account: dict[str, Any], movement: Movement) -> Posting | None:
    """Posts one movement; None when its entry already exists (a duplicate)."""
    if movement.entry_id in entry_ids(account):
        return None
    balance = account.get("balance", 0)
    if balance + movement.points < 0:
        raise InsufficientPoints(
            f"the guest has {balance} points; {-movement.points} are needed",
            balance=balance,
            requested=-movement.points,
        )
    sets: dict[str, Any] = {"balance": balance + movement.points}
    tier_change = None
    if movement.qualifying:
        year = movement.business_year or movement.at.year
        qualifying, tier, _ = roll_over(account, year)
        if qualifying["year"] == year:  # a late event for a past year moves no counter
            qualifying = {
                "year": year,
                "nights": max(qualifying["nights"] + movement.qualifying_nights, 0),
                "points": max(qualifying["points"] + movement.points, 0),
            }
        # Crossing a threshold upgrades at once; reversals never downgrade mid-year.
        reached = qualified_tier(qualifying["nights"], qualifying["points"])
        if reached.rank > tier.rank:
            tier = reached
        old_tier = tier_of(account.get("tier"))
        if tier.name != old_tier.name:
            tier_change = TierChange(old_tier.name, tier.name, tier.perks)
        sets.update(qualifying=qualifying, tier=tier.name)
    if movement.kind not in (TRANSFER_IN, TRANSFER_OUT):
        sets["last_activity_at"] = movement.at
    entry = {
        "entry_id": movement.entry_id,
        "kind": movement.kind,
        "points": movement.points,
        "reason": movement.reason,
        "created_at": movement.at,
        "balance_after": sets["balance"],
        **movement.details,
    }
    return Posting(entry=entry, sets=sets, tier_change=tier_change)


# A voucher applied to a booking is worth its points at this rate (2,000 points: 20.00):
# a stay of 500.00 earns 5,000 points (10 a unit), 1% back, as hotel programmes pay.
VOUCHER_POINTS_PER_CURRENCY_UNIT = 100


def voucher_value(points: int) -> Decimal:
    return (Decimal(points) / VOUCHER_POINTS_PER_CURRENCY_UNIT).quantize(Decimal("0.01"))


def redemption(
    guest_id: str,
    *,
    points: int,
    kind: str,
    request_id: str,
    at: datetime,
    booking: dict[str, Any] | None = None,
    night: date | None = None,
) -> Movement:
    """`booking`: the guest's reservation (as loyalty recorded it) the points pay for;
    reservation honours the entry from `loyalty.points_redeemed`."""
    if points <= 0:
        raise Unprocessable("points to redeem must be a positive whole number")
    if kind not in REDEMPTION_KINDS:
        raise Unprocessable(f"redemption kind must be one of {', '.join(REDEMPTION_KINDS)}")
    details: dict[str, Any] = {"redeemed_for": kind}
    if booking is not None:
        if booking.get("status") == "cancelled":
            raise Conflict(f"reservation {booking['reservation_id']!r} is cancelled")
        if night is not None and not (
            booking["arrival"] <= night.isoformat() < booking["departure"]
        ):
            raise Unprocessable(f"{night.isoformat()} is not a night of this booking")
        details.update(reservation_id=booking["reservation_id"])
        if night is not None:
            details["night"] = night.isoformat()
        if kind == "voucher":
            details["voucher_value"] = str(voucher_value(points))
    return Movement(
        entry_id=f"redeem|{request_id}",
        kind=REDEEM,
        points=-points,
        reason=f"redeemed for a {kind}",
        at=at,
        details=details,
    )


def redemption_return(
    account: dict[str, Any], entry_id: str, reason: str, at: datetime
) -> Movement:
    """Gives a redemption's points back (the booking was cancelled, walked, or could not
    use them), once: keyed by the redemption it undoes."""
    original = next((e for e in account.get("entries", []) if e["entry_id"] == entry_id), None)
    if original is None or original["kind"] != REDEEM:
        raise NotFound(f"no redemption {entry_id!r} for this guest")
    return Movement(
        entry_id=f"return|{entry_id}",
        kind=REVERSE,
        points=-original["points"],
        reason=reason,
        at=at,
        details={"reverses": entry_id, "reservation_id": original.get("reservation_id")},
    )


def redemptions_of_reservation(account: dict[str, Any], reservation_id: str) -> list[str]:
    """The redemptions that paid for this booking and were not given back yet."""
    returned = {e.get("reverses") for e in account.get("entries", [])}
    return [
        e["entry_id"]
        for e in account.get("entries", [])
        if e["kind"] == REDEEM
        and e.get("reservation_id") == reservation_id
        and e["entry_id"] not in returned
    ]


def reversal(
    account: dict[str, Any],
    entry_id: str,
    reason: str,
    at: datetime,
    business_year: int | None = None,
) -> Movement:
    """Takes back an earning: as much of it as the balance still holds (points already
    spent are not clawed below zero; the shortfall is recorded on the entry)."""
    original = next((e for e in account.get("entries", []) if e["entry_id"] == entry_id), None)
    if original is None:
        raise NotFound(f"no ledger entry {entry_id!r} for this guest")
    if original["kind"] not in REVERSIBLE or original["points"] <= 0:
        raise Unprocessable(f"a {original['kind']} entry cannot be reversed")
    taken = min(original["points"], account.get("balance", 0))
    return Movement(
        entry_id=f"reverse|{entry_id}",
        kind=REVERSE,
        points=-taken,
        reason=reason,
        at=at,
        qualifying=original["kind"] in (EARN, SPEND),
        qualifying_nights=-original.get("nights", 0),
        details={"reverses": entry_id, "shortfall": original["points"] - taken},
        business_year=business_year,
    )


def reversible_entries_of_reservation(account: dict[str, Any], reservation_id: str) -> list[str]:
    reversed_ids = {e.get("reverses") for e in account.get("entries", [])}
    return [
        e["entry_id"]
        for e in account.get("entries", [])
        if e.get("reservation_id") == reservation_id
        and e["kind"] in REVERSIBLE
        and e["points"] > 0
        and e["entry_id"] not in reversed_ids
    ]


def expiry(account: dict[str, Any], now: datetime, inactivity: timedelta) -> Movement | None:
    """All points expire after `inactivity` without an earning or a redemption. The entry
    is keyed by the last activity, so one quiet period expires once."""
    last = account.get("last_activity_at")
    balance = account.get("balance", 0)
    if balance <= 0 or last is None or now - last < inactivity:
        return None
    return Movement(
        entry_id=f"expire|{last.isoformat()}",
        kind=EXPIRE,
        points=-balance,
        reason=f"no activity since {last.date().isoformat()}",
        at=now,
    )
