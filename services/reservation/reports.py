"""Search and reports: the archive a reservations office looks things up in, and the
trends it is judged by (occupancy, pickup, channel mix, cancellations, lead time)."""

from __future__ import annotations

import statistics
from collections import Counter, defaultdict
from datetime import date, timedelta
from decimal import Decimal
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

from shared.errors import Unprocessable
from shared.paging import Page

from .domain import Channel, ReservationStatus, nights_of
from .repository import ReservationRepository, name_pattern
from .service import capacity_of

MAX_PAGE = 100
MAX_OFFSET = 100_000  # as every listing: a deeper page is a narrower search
MAX_REPORT_NIGHTS = 366


class ReservationSearch(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: str | None = Field(default=None, min_length=2, max_length=80)
    confirmation_number: str | None = Field(default=None, max_length=20)
    arrival_from: date | None = None
    arrival_to: date | None = None
    status: ReservationStatus | None = None
    channel: Channel | None = None
    block_id: str | None = None
    limit: int = Field(default=20, ge=1, le=MAX_PAGE)
    offset: int = Field(default=0, ge=0, le=MAX_OFFSET)


class Reports:
    def __init__(self, repository: ReservationRepository) -> None:
        self.repository = repository

    async def search(
        self, criteria: ReservationSearch, within: dict[str, Any] | None = None
    ) -> Page[dict[str, Any]]:
        """`within`: a filter the caller may not leave (an integrator's own channel)."""
        query: dict[str, Any] = {"status": {"$ne": ReservationStatus.PENDING}}
        if criteria.status:
            query["status"] = criteria.status.value
        if criteria.name:
            pattern = name_pattern(criteria.name)
            query["$or"] = [
                {"guest.last_name": pattern},
                {"guest.first_name": pattern},
                {"booker.last_name": pattern},
                {"booker.company": pattern},
            ]
        if criteria.confirmation_number:
            query["confirmation_number"] = criteria.confirmation_number.upper()
        if criteria.channel:
            query["channel"] = criteria.channel.value
        if criteria.block_id:
            query["block_id"] = criteria.block_id
        arrival = {}
        if criteria.arrival_from:
            arrival["$gte"] = criteria.arrival_from.isoformat()
        if criteria.arrival_to:
            arrival["$lte"] = criteria.arrival_to.isoformat()
        if arrival:
            query["arrival"] = arrival
        query.update(within or {})
        total, items = await self.repository.search(query, criteria.offset, criteria.limit)
        return Page.of(total, criteria.limit, criteria.offset, items)

    async def trends(self, first: date, last: date) -> dict[str, Any]:
        """Over the nights first..last (inclusive)."""
        if last < first:
            raise Unprocessable("`to` must not be before `from`")
        if (last - first).days + 1 > MAX_REPORT_NIGHTS:
            raise Unprocessable(f"report on at most {MAX_REPORT_NIGHTS} nights at a time")
        reservations = await self.repository.for_report(first.isoformat(), last.isoformat())
        return {
            "from": first,
            "to": last,
            "occupancy": await self._occupancy(first, last),
            "pickup": _pickup(reservations),
            "channel_mix": _channel_mix(reservations, first, last),
            "cancellations": _cancellations(reservations),
            "lead_time": _lead_time(reservations),
        }

    async def _occupancy(self, first: date, last: date) -> dict[str, Any]:
        room_types = await self.repository.all_room_types()
        rooms = sum(room_type["rooms"] for room_type in room_types)
        sold_by_night: Counter[str] = Counter()
        for document in await self.repository.inventory.documents(
            first.isoformat(), last.isoformat()
        ):
            sold_by_night[document["night"]] += document["sold"]
        nights = [n.isoformat() for n in nights_of(first, last + timedelta(days=1))]
        per_night = {
            night: {
                "sold": sold_by_night[night],
                "rooms": rooms,
                "percent": _percent(sold_by_night[night], rooms),
            }
            for night in nights
        }
        sold = sum(sold_by_night[n] for n in nights)
        return {
            "rooms": rooms,
            "room_nights_sold": sold,
            "capacity_with_overbooking": sum(capacity_of(t) for t in room_types),
            "average_percent": _percent(sold, rooms * len(nights)),
            "nights": per_night,
        }


def _in_range(reservation: dict[str, Any], first: date, last: date) -> list[str]:
    return [
        n.isoformat()
        for n in nights_of(
            date.fromisoformat(reservation["arrival"]), date.fromisoformat(reservation["departure"])
        )
        if first <= n <= last
    ]


def _pickup(reservations: list[dict[str, Any]]) -> dict[str, Any]:
    """Room nights booked per booking day: how the period filled up."""
    by_day: dict[str, dict[str, int]] = defaultdict(lambda: {"reservations": 0, "room_nights": 0})
    for reservation in reservations:
        day = reservation["created_at"].date().isoformat()
        by_day[day]["reservations"] += 1
        by_day[day]["room_nights"] += len(reservation["nightly_rates"]) * reservation.get(
            "room_count", 1
        )
    return dict(sorted(by_day.items()))


def _channel_mix(reservations: list[dict[str, Any]], first: date, last: date) -> dict[str, Any]:
    mix: dict[str, dict[str, Any]] = defaultdict(
        lambda: {"reservations": 0, "room_nights": 0, "revenue": Decimal("0.00")}
    )
    for reservation in reservations:
        if reservation["status"] not in (
            ReservationStatus.CONFIRMED,
            ReservationStatus.IN_HOUSE,
            ReservationStatus.CHECKED_OUT,
        ):
            continue
        nights = _in_range(reservation, first, last)
        entry = mix[reservation["channel"]]
        entry["reservations"] += 1
        entry["room_nights"] += len(nights) * reservation.get("room_count", 1)
        entry["revenue"] += sum(
            (Decimal(reservation["nightly_rates"][n]) for n in nights), Decimal("0.00")
        )
    total = sum(entry["room_nights"] for entry in mix.values())
    for entry in mix.values():
        entry["share_percent"] = _percent(entry["room_nights"], total)
    return dict(sorted(mix.items()))


def _cancellations(reservations: list[dict[str, Any]]) -> dict[str, Any]:
    cancelled = [r for r in reservations if r["status"] == ReservationStatus.CANCELLED]
    no_shows = [r for r in reservations if r["status"] == ReservationStatus.NO_SHOW]
    closed = cancelled + no_shows
    return {
        "reservations": len(reservations),
        "cancelled": len(cancelled),
        "no_shows": len(no_shows),
        "cancellation_percent": _percent(len(cancelled), len(reservations)),
        "fees": sum(
            (Decimal(_closing(r)["fee"]) for r in closed),
            Decimal("0.00"),
        ),
        "refunds": sum(
            (Decimal(_closing(r)["refund"]) for r in closed),
            Decimal("0.00"),
        ),
    }


def _lead_time(reservations: list[dict[str, Any]]) -> dict[str, Any]:
    days = [(date.fromisoformat(r["arrival"]) - r["created_at"].date()).days for r in reservations]
    if not days:
        return {"reservations": 0}
    return {
        "reservations": len(days),
        "average_days": round(statistics.mean(days), 1),
        "median_days": statistics.median(days),
        "min_days": min(days),
        "max_days": max(days),
    }


def _percent(part: int, whole: int) -> float:
    return round(100 * part / whole, 1) if whole else 0.0


def _closing(reservation: dict[str, Any]) -> dict[str, Any]:
    """The fee and refund record of a cancelled or no-show reservation."""
    closing: dict[str, Any] = reservation.get("cancellation") or reservation["no_show"]
    return closing
