"""Rate plans, their prices and their policies (cancellation, deposit, no-show). No I/O.

A rate plan prices a room type per night (explicit prices per date range, else the room
type's base rate adjusted by a percentage) and carries the terms the guest booked under.
Times: the property's local time (PROPERTY_TIMEZONE, shared/clock.py); a guest arrives
at CHECK_IN_HOUR local time, and a day is the hotel's day, not the server's UTC date.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import ROUND_HALF_UP, Decimal
from enum import StrEnum
from typing import Annotated, Any
from zoneinfo import ZoneInfo

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.clock import PropertyClock, business_date, property_timezone

from .domain import Code, nights_of

CHECK_IN_HOUR = 14
CENT = Decimal("0.01")
# The member rate when a plan names none: 10% below the plan's price.
MEMBER_DISCOUNT_PERCENT = Decimal("10")
DEFAULT_RATE_PLAN = "bar"  # best available rate
Amount = Annotated[Decimal, Field(gt=0, max_digits=12, decimal_places=2)]
Percent = Annotated[Decimal, Field(ge=0, le=100, max_digits=5, decimal_places=2)]


class FeeKind(StrEnum):
    NONE = "none"
    FIRST_NIGHT = "first_night"
    PERCENT = "percent"  # of the whole stay
    FULL_STAY = "full_stay"


class FeeRule(BaseModel):
    model_config = ConfigDict(extra="forbid")
    kind: FeeKind = FeeKind.FIRST_NIGHT
    percent: Percent | None = None

    @model_validator(mode="after")
    def percent_with_percent(self) -> FeeRule:
        if (self.kind == FeeKind.PERCENT) != (self.percent is not None):
            raise ValueError("give `percent` exactly when kind is 'percent'")
        return self


class CancellationPolicy(BaseModel):
    model_config = ConfigDict(extra="forbid")
    free_until_hours_before: Annotated[int, Field(ge=0, le=24 * 60)] = 24
    late_fee: FeeRule = FeeRule()


class RatePrice(BaseModel):
    model_config = ConfigDict(extra="forbid")
    room_type: Code
    start: date
    end: date  # exclusive, like a departure
    amount: Amount

    @model_validator(mode="after")
    def end_after_start(self) -> RatePrice:
        if self.end <= self.start:
            raise ValueError("a price's end must be after its start")
        return self


class LongStayDiscount(BaseModel):
    """Issue 18 (seed 002 4.3(4)): a long-stay guest gets a better rate. A stay of at
    least `min_nights` is priced `percent` below the plan's rate on every night."""

    model_config = ConfigDict(extra="forbid")
    min_nights: Annotated[int, Field(ge=2, le=365)]
    percent: Annotated[Decimal, Field(gt=0, le=50)]


class RatePlanUpsert(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: Annotated[str, Field(min_length=1, max_length=80)]
    room_types: list[Code] | None = None  # None: every room type
    prices: list[RatePrice] = Field(default=[], max_length=500)
    base_adjustment_percent: Annotated[Decimal, Field(ge=-90, le=200)] = Decimal("0")
    non_refundable: bool = False
    cancellation: CancellationPolicy = CancellationPolicy()
    deposit: FeeRule = FeeRule(kind=FeeKind.NONE)
    no_show_fee: FeeRule = FeeRule()
    long_stay: LongStayDiscount | None = None
    # Issue 18: the member rate, this much below the plan's price for a loyalty member
    # whose tier has the member_rate perk (seed 000 二(三): 房价折扣); 0: none on this plan.
    member_discount_percent: Annotated[Decimal, Field(ge=0, le=50)] = MEMBER_DISCOUNT_PERCENT


class RoomTypeUpsert(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: Annotated[str, Field(min_length=1, max_length=80)]
    beds: list[Annotated[str, Field(max_length=40)]] = Field(min_length=1, max_length=6)
    max_occupancy: Annotated[int, Field(ge=1, le=12)]
    rooms: Annotated[int, Field(ge=0, le=5000)]
    features: list[Annotated[str, Field(max_length=40)]] = Field(default=[], max_length=30)
    nightly_rate: Amount
    overbooking_allowance: Annotated[int, Field(ge=0, le=500)] = 0


def default_rate_plan() -> dict[str, Any]:
    return RatePlanUpsert(name="Best available rate").model_dump(mode="json")


def _money(value: Decimal) -> Decimal:
    return value.quantize(CENT, rounding=ROUND_HALF_UP)


def member_percent(plan: dict[str, Any]) -> Decimal:
    """The plan's member discount (plans saved before issue 18 take the default)."""
    return Decimal(plan.get("member_discount_percent", MEMBER_DISCOUNT_PERCENT))


def price_stay(
    plan: dict[str, Any],
    room_type: dict[str, Any],
    arrival: date,
    departure: date,
    room_count: int,
    *,
    member: bool = False,
) -> dict[str, Decimal]:
    """The amount for each night, all rooms together; `member`: at the member rate."""
    base = Decimal(room_type["nightly_rate"])
    adjusted = _money(base * (100 + Decimal(plan.get("base_adjustment_percent", "0"))) / 100)
    prices = [p for p in plan.get("prices", []) if p["room_type"] == room_type["code"]]
    nights = nights_of(arrival, departure)
    long_stay = plan.get("long_stay")
    keep = Decimal("1")
    if long_stay and len(nights) >= long_stay["min_nights"]:
        keep = (100 - Decimal(long_stay["percent"])) / 100
    if member:
        keep = keep * (100 - member_percent(plan)) / 100
    rates = {}
    for night in nights:
        iso = night.isoformat()
        explicit = next((p for p in prices if p["start"] <= iso < p["end"]), None)
        per_room = Decimal(explicit["amount"]) if explicit else adjusted
        rates[iso] = _money(_money(per_room * keep) * room_count)
    return rates


def block_rates(
    nightly_rate: Decimal, arrival: date, departure: date, room_count: int
) -> dict[str, Decimal]:
    return {
        night.isoformat(): _money(nightly_rate * room_count)
        for night in nights_of(arrival, departure)
    }


def fee_for(rule: dict[str, Any], nightly_rates: dict[str, Any]) -> Decimal:
    amounts = [Decimal(nightly_rates[night]) for night in sorted(nightly_rates)]
    kind = rule["kind"]
    if kind == FeeKind.NONE or not amounts:
        return Decimal("0.00")
    if kind == FeeKind.FIRST_NIGHT:
        return _money(amounts[0])
    total = sum(amounts, Decimal("0"))
    if kind == FeeKind.FULL_STAY:
        return _money(total)
    return _money(total * Decimal(rule["percent"]) / 100)


def property_zone() -> ZoneInfo:
    return ZoneInfo(property_timezone())


def local_date(now: datetime) -> date:
    """The hotel's business date at `now` (not the server's UTC date): its calendar date,
    or yesterday until the night audit hour (shared/clock.py)."""
    return business_date(None, PropertyClock(lambda: now))


def cancellation_deadline(plan: dict[str, Any], arrival: date) -> datetime:
    """Free cancellation ends `free_until_hours_before` the arrival day's check-in hour
    at the hotel, stored in UTC."""
    arrives = datetime.combine(arrival, time(CHECK_IN_HOUR), tzinfo=property_zone())
    deadline = arrives - timedelta(hours=plan["cancellation"]["free_until_hours_before"])
    return deadline.astimezone(UTC)


def cancellation_terms(reservation: dict[str, Any], now: datetime) -> tuple[Decimal, Decimal]:
    """(fee, refund): free before the deadline unless non-refundable; the refund is what
    was paid beyond the fee."""
    terms = reservation["terms"]
    rates = reservation["nightly_rates"]
    if terms["non_refundable"]:
        fee = fee_for({"kind": FeeKind.FULL_STAY}, rates)
    elif now < datetime.fromisoformat(reservation["cancellation_deadline"]):
        fee = Decimal("0.00")
    else:
        fee = fee_for(terms["cancellation"]["late_fee"], rates)
    return fee, refund_after(reservation, fee)


def no_show_terms(reservation: dict[str, Any]) -> tuple[Decimal, Decimal]:
    terms = reservation["terms"]
    rule = {"kind": FeeKind.FULL_STAY} if terms["non_refundable"] else terms["no_show_fee"]
    fee = fee_for(rule, reservation["nightly_rates"])
    return fee, refund_after(reservation, fee)


def refund_after(reservation: dict[str, Any], fee: Decimal) -> Decimal:
    """What was paid beyond the fee and beyond what earlier amendments cost."""
    kept = fee + Decimal(reservation.get("amendment_fees", "0"))
    return max(Decimal(reservation.get("deposit_paid", "0")) - kept, Decimal("0.00"))


def amendment_fee(reservation: dict[str, Any], new_rates: dict[str, Any], now: datetime) -> Decimal:
    """What changing the stay's nights costs under the terms the guest booked on.

    Non-refundable: the amount of the stay never goes down, so a stay made shorter or
    cheaper pays the difference (2,800.00 for five nights amended to one night of 560.00
    costs 2,240.00: nothing comes back). Refundable: free before the cancellation
    deadline; after it, the late cancellation fee on the nights given up."""
    terms, old_rates = reservation["terms"], reservation["nightly_rates"]
    old_total = sum((Decimal(r) for r in old_rates.values()), Decimal("0"))
    new_total = sum((Decimal(r) for r in new_rates.values()), Decimal("0"))
    if terms["non_refundable"]:
        return _money(max(old_total - new_total, Decimal("0")))
    if now < datetime.fromisoformat(reservation["cancellation_deadline"]):
        return Decimal("0.00")
    given_up = {night: rate for night, rate in old_rates.items() if night not in new_rates}
    return fee_for(terms["cancellation"]["late_fee"], given_up)


def deposit_due(plan: dict[str, Any], nightly_rates: dict[str, Any]) -> Decimal:
    if plan["non_refundable"]:
        return fee_for({"kind": FeeKind.FULL_STAY}, nightly_rates)
    return fee_for(plan["deposit"], nightly_rates)


def no_show_may_be_marked(arrival: date, now: datetime) -> bool:
    """After the arrival day has ended at the hotel (local midnight)."""
    return now.astimezone(property_zone()).date() > arrival


def terms_of(plan: dict[str, Any]) -> dict[str, Any]:
    """The policy a booking was made under, copied onto it: a later change of the plan
    does not change what the guest agreed to."""
    return {key: plan[key] for key in ("non_refundable", "cancellation", "deposit", "no_show_fee")}
