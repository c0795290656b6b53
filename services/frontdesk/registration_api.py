"""Routes for registration beyond the check-in (issue 18): companions, corrections during
the stay, and the document and deposit-receipt check at check-out."""

from __future__ import annotations

from fastapi import APIRouter, Depends, Response, status

from shared.audit import AuditLog, RevealRequest, reveal_for
from shared.auth import CurrentPrincipal
from shared.downloads import file_answer

from .domain import RegistrationCreate
from .id_scans import IdScans, IdScanUpload
from .public import (
    CompanionPublic,
    DepartureCheckPassed,
    IdScanRecord,
    RegistrationChanges,
    StayCompanions,
)
from .registration_desk import DepartureCheck, RegistrationDesk, RegistrationUpdate

reveal_scan = reveal_for("frontdesk", "manager")


def registration_router(
    desk: RegistrationDesk, scans: IdScans | None = None, audit: AuditLog | None = None
) -> APIRouter:
    router = APIRouter(tags=["registration"])
    if scans is not None and audit is not None:
        _id_scan_routes(router, scans, audit)
    _registration_card_routes(router, desk)
    return router


def _id_scan_routes(router: APIRouter, scans: IdScans, audit: AuditLog) -> None:
    """The scan of the guest's ID document, kept encrypted, its image revealed on record."""

    @router.put("/stays/{stay_id}/id-scan")
    async def keep_scan(
        stay_id: str, upload: IdScanUpload, principal: CurrentPrincipal
    ) -> IdScanRecord:
        """The scan or photo of the guest's ID document (JPEG or PNG, 2 MB at most),
        kept encrypted; a new scan replaces the old one."""
        return IdScanRecord.model_validate(await scans.keep(stay_id, upload, principal.key_id))

    @router.get(
        "/stays/{stay_id}/id-scan",
        response_model=IdScanRecord,
        responses=file_answer(
            "image/jpeg", "image/png", description="the record; with ?reveal=true the image"
        ),
    )
    async def scan(
        stay_id: str, reveal: RevealRequest | None = Depends(reveal_scan)
    ) -> IdScanRecord | Response:
        """What is kept; `?reveal=true` with the reason in `X-Reveal-Reason` returns
        the image itself (front desk, manager), recorded in the audit log first."""
        record = await scans.find(stay_id)
        if reveal is None:
            return IdScanRecord.model_validate(scans.metadata(record))
        await audit.record_reveal(
            reveal, subject_type="stay", subject_id=stay_id, fields=["id_scan"]
        )
        return Response(
            content=scans.image(record),
            media_type=record["content_type"],
            headers={"Cache-Control": "no-store"},
        )


def _registration_card_routes(router: APIRouter, desk: RegistrationDesk) -> None:
    """Companions, corrections to the card, and the departure check."""

    @router.post("/stays/{stay_id}/companions", status_code=status.HTTP_201_CREATED)
    async def add_companion(stay_id: str, companion: RegistrationCreate) -> CompanionPublic:
        """A companion's registration with their own document, checked like the guest's;
        the number is kept encrypted and shown masked. The same document again is the
        same companion."""
        return CompanionPublic.model_validate(await desk.add_companion(stay_id, companion))

    @router.get("/stays/{stay_id}/companions")
    async def companions(stay_id: str) -> StayCompanions:
        found = await desk.companions(stay_id)
        return StayCompanions(
            stay_id=stay_id, items=[CompanionPublic.model_validate(c) for c in found]
        )

    @router.patch("/stays/{stay_id}/registration")
    async def update_registration(stay_id: str, update: RegistrationUpdate) -> RegistrationChanges:
        """Corrects the guest's name or contact during the stay; `reason` is required and
        kept with the fields changed (never the values)."""
        return RegistrationChanges.model_validate(await desk.update_details(stay_id, update))

    @router.post("/stays/{stay_id}/departure-check")
    async def departure_check(stay_id: str, shown: DepartureCheck) -> DepartureCheckPassed:
        """The document and deposit receipt the guest shows at check-out, compared with the
        registration and the deposit taken; 422 says which did not match."""
        return DepartureCheckPassed.model_validate(await desk.departure_check(stay_id, shown))
