"""Routes for the office's records (issue 18, seed 002 3.4): CSV and XLSX export and the
periodic review of bookings."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import date
from typing import Annotated

from fastapi import APIRouter, Query, Response

from shared.audit import AuditLog
from shared.auth import CurrentPrincipal, Principal
from shared.downloads import CSV, XLSX, CsvResponse, XlsxResponse, file_answer
from shared.logging import get_logger
from shared.paging import Listing

from .api import visible
from .public import Review, ReviewDue
from .records import Records, ReviewRequest
from .service import ReservationService

log = get_logger(__name__)

Exporter = Callable[[date, date], Awaitable[tuple[str | bytes, int]]]
Auditor = Callable[[Principal, str, date, date, int], Awaitable[None]]


@dataclass(frozen=True)
class Export:
    """One file format of the bookings export: the routes differ only in these."""

    extension: str
    route_name: str  # the OpenAPI operation's name, as before the table
    build: Exporter
    response: type[Response]
    media_type: str  # as the OpenAPI names it
    sent_as: str  # the Content-Type answered (the CSV's text says its charset)
    description: str
    answers: str  # what the 200 answer is, in the OpenAPI


def _exports(records: Records) -> list[Export]:
    return [
        Export(
            extension="csv",
            route_name="export_reservations",
            build=records.export_csv,
            response=CsvResponse,
            media_type=CSV,
            sent_as=f"{CSV}; charset=utf-8",
            description=(
                "Bookings arriving from..to (inclusive, at most a year) as CSV: names, dates,\n"
                "amounts, amendments with their last reason, cancellation and refund. No contact\n"
                "details, no payment data."
            ),
            answers="one row a booking arriving from..to",
        ),
        Export(
            extension="xlsx",
            route_name="export_reservations_xlsx",
            build=records.export_xlsx,
            response=XlsxResponse,
            media_type=XLSX,
            sent_as=XLSX,
            description="The CSV export's rows and columns as an XLSX workbook (seed 002 3.4(1)).",
            answers="the CSV export's rows as a workbook",
        ),
    ]


def _export_route(export: Export, audit_export: Auditor) -> Callable[..., Awaitable[Response]]:
    async def export_reservations(
        first: Annotated[date, Query(alias="from")],
        last: Annotated[date, Query(alias="to")],
        principal: CurrentPrincipal,
    ) -> Response:
        content, rows = await export.build(first, last)
        await audit_export(principal, export.extension, first, last, rows)
        filename = f"reservations-{first}-{last}.{export.extension}"
        return export.response(
            content=content,
            media_type=export.sent_as,
            headers={"Content-Disposition": f'attachment; filename="{filename}"'},
        )

    return export_reservations


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

    for export in _exports(records):
        router.add_api_route(
            f"/exports/reservations.{export.extension}",
            _export_route(export, audit_export),
            methods=["GET"],
            name=export.route_name,
            description=export.description,
            response_class=export.response,
            responses=file_answer(export.media_type, description=export.answers),
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
        visible(principal, await service.get_reservation(reservation_id))
        return Review.model_validate(
            await records.mark_reviewed(reservation_id, request, principal.key_id)
        )

    return router
