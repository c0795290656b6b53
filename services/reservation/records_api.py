"""Routes for the office's records (issue 18, seed 002 3.4): CSV and XLSX export and the
periodic review of bookings."""

from __future__ import annotations

from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response

from shared.audit import AuditLog
from shared.auth import CurrentPrincipal, Principal
from shared.downloads import CSV, XLSX, CsvResponse, XlsxResponse, file_answer
from shared.logging import get_logger
from shared.paging import Listing

from .api import ensure_visible
from .public import Review, ReviewDue
from .records import Records, ReviewRequest
from .service import ReservationService

log = get_logger(__name__)


def records_router(service: ReservationService, records: Records, audit: AuditLog) -> APIRouter:
    router = APIRouter(tags=["records"])

    async def audit_export(
        principal: Principal, file_format: str, first: date, last: date, rows: int
    ) -> None:
        # Guests' names leave the service in the file: on record before it does.
        await audit.record(
            principal,
            "export",
            subject_type="reservations",
            subject_id=f"{first}..{last}",
            fields=["guest_name"],
            details={"format": file_format, "rows": rows},
        )

    @router.get(
        "/exports/reservations.csv",
        response_class=CsvResponse,
        responses=file_answer(CSV, description="one row a booking arriving from..to"),
    )
    async def export_reservations(
        first: Annotated[date, Query(alias="from")],
        last: Annotated[date, Query(alias="to")],
        principal: CurrentPrincipal,
    ) -> Response:
        """Bookings arriving from..to (inclusive, at most a year) as CSV: names, dates,
        amounts, amendments with their last reason, cancellation and refund. No contact
        details, no payment data."""
        text, rows = await records.export_csv(first, last)
        await audit_export(principal, "csv", first, last, rows)
        return CsvResponse(
            content=text,
            media_type="text/csv; charset=utf-8",
            headers={
                "Content-Disposition": f'attachment; filename="reservations-{first}-{last}.csv"'
            },
        )

    @router.get(
        "/exports/reservations.xlsx",
        response_class=XlsxResponse,
        responses=file_answer(XLSX, description="the CSV export's rows as a workbook"),
    )
    async def export_reservations_xlsx(
        first: Annotated[date, Query(alias="from")],
        last: Annotated[date, Query(alias="to")],
        principal: CurrentPrincipal,
    ) -> Response:
        """The CSV export's rows and columns as an XLSX workbook (seed 002 3.4(1))."""
        content, rows = await records.export_xlsx(first, last)
        await audit_export(principal, "xlsx", first, last, rows)
        return XlsxResponse(
            content=content,
            headers={
                "Content-Disposition": f'attachment; filename="reservations-{first}-{last}.xlsx"'
            },
        )

    @router.get("/record-reviews")
    async def due_for_review(
        limit: Annotated[int, Query(ge=1, le=500)] = 100,
    ) -> Listing[ReviewDue]:
        """Confirmed bookings never reviewed, changed since their review, or reviewed
        longer ago than the review period, by arrival; with what looks wrong in each."""
        due = await records.due_for_review(limit)
        return Listing.of([ReviewDue.model_validate(item) for item in due])

    @router.post("/reservations/{reservation_id}/review")
    async def mark_reviewed(
        reservation_id: str, request: ReviewRequest, principal: CurrentPrincipal
    ) -> Review:
        """The reviewer checked the booking at `version`; the reviewer is the credential."""
        ensure_visible(principal, await service.get_reservation(reservation_id))
        return Review.model_validate(
            await records.mark_reviewed(reservation_id, request, principal.key_id)
        )

    return router
