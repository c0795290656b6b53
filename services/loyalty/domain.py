"""Loyalty: the points ledger and its earning rule. No I/O here.

The ledger never changes history: every movement is a new entry, and a guest's balance
is the sum of the guest's entries.
"""

from __future__ import annotations

from datetime import datetime
from decimal import ROUND_FLOOR, Decimal

from pydantic import BaseModel


def points_for_stay(room_revenue: Decimal, points_per_currency_unit: int) -> int:
    """Whole points for whole currency units of room revenue; fractions earn nothing."""
    units = room_revenue.to_integral_value(rounding=ROUND_FLOOR)
    return int(units) * points_per_currency_unit


def stay_earning_entry_id(stay_id: str) -> str:
    """One earning per stay: the stay names its ledger entry."""
    return f"earn|stay|{stay_id}"


class LedgerEntryPublic(BaseModel):
    entry_id: str
    points: int
    reason: str
    stay_id: str | None
    created_at: datetime


class PointsPublic(BaseModel):
    guest_id: str
    balance: int
    entries: list[LedgerEntryPublic]
