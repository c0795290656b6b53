"""The office's records (issue 18, seed 002 3.4): exported as a table for filing and
statistics (3.4(1)), and reviewed periodically so the data stays accurate (3.4(3)).

Export: CSV, or XLSX (openpyxl) with the same columns and the same cells. Names are
exported, contact details and payment data are not; a cell that a spreadsheet would run
as a formula is quoted (in both). Bounded to a year of arrivals.

Review: a confirmed booking is due for review when it was never reviewed, changed since
its last review (its version moved), or was last reviewed longer ago than the review
period; the list says what in it looks wrong, for the reviewer to check first.
"""

from __future__ import annotations

import csv
import io
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field

from shared.clock import Clock
from shared.errors import Conflict, Unprocessable
from shared.sensitive import FreeText

from .domain import ReservationStatus
from .repository import NO_OUTBOX, ReservationRepository

MAX_EXPORT_DAYS = 366
MAX_EXPORT_ROWS = 20_000
REVIEW_EVERY = timedelta(days=30)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
COLUMNS = [
    "confirmation_number",
    "status",
    "guest_name",
    "booker_name",
    "booker_company",
    "channel",
    "channel_name",
    "room_type",
    "room_count",
    "arrival",
    "departure",
    "expected_arrival_time",
    "expected_departure_time",
    "adults",
    "children",
    "rate_plan",
    "total_amount",
    "currency",
    "deposit_paid",
    "amendment_fees",
    "amendments",
    "last_amendment_reason",
    "cancellation_fee",
    "refund",
    "refund_status",
    "cancellation_reason",
    "created_at",
]


class ReviewRequest(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    note: Annotated[str, FreeText(300)] | None = None
    version: int = Field(ge=1, description="the version the reviewer read")


def _name(person: dict[str, Any] | None) -> str:
    if not person:
        return ""
    return f"{person.get('first_name', '')} {person.get('last_name', '')}".strip()


def _cell(value: Any) -> str:
    text = "" if value is None else str(value)
    return "'" + text if text.startswith(FORMULA_STARTS) else text


def export_row(reservation: dict[str, Any]) -> list[str]:
    closed = (
        reservation.get("cancellation") or reservation.get("no_show") or reservation.get("walk")
    ) or {}
    amendments = reservation.get("amendments") or []
    row = {
        **{column: reservation.get(column) for column in COLUMNS},
        "guest_name": _name(reservation.get("guest")),
        "booker_name": _name(reservation.get("booker")),
        "booker_company": (reservation.get("booker") or {}).get("company"),
        "amendments": len(amendments),
        "last_amendment_reason": amendments[-1].get("reason") if amendments else None,
        "cancellation_fee": closed.get("fee"),
        "refund": closed.get("refund"),
        "refund_status": (reservation.get("refund_payment") or {}).get("status"),
        "cancellation_reason": closed.get("reason"),
    }
    return [_cell(row[column]) for column in COLUMNS]


def review_findings(reservation: dict[str, Any], now: datetime) -> list[str]:
    """What in a record a reviewer should check first; empty when nothing looks off."""
    findings = []
    guest = reservation.get("guest") or {}
    if not guest.get("phone"):
        findings.append("no phone number for the guest")
    if Decimal(reservation.get("deposit_paid", "0")) < Decimal(reservation.get("deposit_due", "0")):
        findings.append("deposit due is not paid in full")
    if reservation.get("tentative"):
        findings.append("tentative: not reconfirmed yet")
    if not reservation.get("expected_arrival_time"):
        findings.append("no expected arrival time")
    if reservation.get("amendment"):
        findings.append("an amendment was left half-done")
    if reservation["arrival"] < now.date().isoformat():
        findings.append("arrival date has passed and the booking is still confirmed")
    return findings


class Records:
    def __init__(self, repository: ReservationRepository, clock: Clock):
        self.repository = repository
        self.reservations = repository.reservations
        self.clock = clock

    async def export_csv(self, first: date, last: date) -> tuple[str, int]:
        """Bookings arriving from `first` to `last` (inclusive), as CSV text and a count."""
        found = await self._to_export(first, last)
        out = io.StringIO()
        writer = csv.writer(out)
        writer.writerow(COLUMNS)
        for reservation in found:
            writer.writerow(export_row(reservation))
        return out.getvalue(), len(found)

    async def export_xlsx(self, first: date, last: date) -> tuple[bytes, int]:
        """The same rows as an XLSX workbook (one sheet, the CSV's columns) and a count."""
        # Imported here: a process on an environment installed before openpyxl was a
        # dependency still starts; only this export needs it.
        from openpyxl import Workbook

        found = await self._to_export(first, last)
        workbook = Workbook(write_only=True)
        sheet = workbook.create_sheet("reservations")
        sheet.append(COLUMNS)
        for reservation in found:
            sheet.append(export_row(reservation))
        out = io.BytesIO()
        workbook.save(out)
        return out.getvalue(), len(found)

    async def _to_export(self, first: date, last: date) -> list[dict[str, Any]]:
        if last < first:
            raise Unprocessable("'to' must not be before 'from'")
        if (last - first).days >= MAX_EXPORT_DAYS:
            raise Unprocessable(f"export at most {MAX_EXPORT_DAYS} days of arrivals at a time")
        found = (
            await self.reservations.find(
                {
                    "property_id": self.repository.property_id,
                    "arrival": {"$gte": first.isoformat(), "$lte": last.isoformat()},
                    "status": {"$ne": ReservationStatus.PENDING},
                },
                NO_OUTBOX,
            )
            .sort([("arrival", 1), ("confirmation_number", 1)])
            .limit(MAX_EXPORT_ROWS + 1)
            .to_list(None)
        )
        if len(found) > MAX_EXPORT_ROWS:
            raise Unprocessable(f"more than {MAX_EXPORT_ROWS} bookings: export a shorter period")
        return found

    async def due_for_review(self, limit: int = 100) -> list[dict[str, Any]]:
        now = self.clock()
        confirmed = (
            await self.reservations.find(
                {"property_id": self.repository.property_id, "status": "confirmed"},
                NO_OUTBOX,
            )
            .sort("arrival")
            .to_list(None)
        )
        due = []
        for reservation in confirmed:
            review = reservation.get("review") or {}
            if (
                review.get("version") == reservation["version"]
                and review["at"] > now - REVIEW_EVERY
            ):
                continue
            due.append(
                {
                    "reservation_id": reservation["_id"],
                    "confirmation_number": reservation["confirmation_number"],
                    "arrival": reservation["arrival"],
                    "version": reservation["version"],
                    "why": (
                        "never reviewed"
                        if not review
                        else "changed since the last review"
                        if review.get("version") != reservation["version"]
                        else "last review is older than the review period"
                    ),
                    "findings": review_findings(reservation, now),
                }
            )
            if len(due) >= limit:
                break
        return due

    async def mark_reviewed(
        self, reservation_id: str, request: ReviewRequest, reviewer: str
    ) -> dict[str, Any]:
        """Recorded against the version the reviewer read: a booking changed meanwhile is
        refused (409), so a review never vouches for data nobody looked at."""
        now = self.clock()
        reviewed = await self.repository.update_reservation(
            {"_id": reservation_id, "version": request.version},
            {
                "$set": {
                    "review": {
                        "version": request.version,
                        "at": now,
                        "by": reviewer,
                        "note": request.note,
                    }
                }
            },
        )
        if reviewed is None:
            raise Conflict(
                f"reservation {reservation_id!r} is not at version {request.version}: "
                "load it again and review what it says now"
            )
        return reviewed["review"]
