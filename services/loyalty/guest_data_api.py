"""Routes for the data subject's rights: the export of everything loyalty holds about a
guest, and erasure (told to every service by guest.anonymized). Both audited."""

from __future__ import annotations

from fastapi import APIRouter, status

from shared.audit import AuditLog
from shared.auth import CurrentPrincipal

from .domain import ErasureRequest
from .profiles import ProfileService
from .public import ErasureAccepted, GuestExport


def guest_data_router(profiles: ProfileService, audit: AuditLog) -> APIRouter:
    router = APIRouter()

    @router.get("/guests/{guest_id}/export")
    async def export(guest_id: str, principal: CurrentPrincipal) -> GuestExport:
        """Everything loyalty holds about the guest (data subject access), audited."""
        exported = await profiles.export(guest_id)
        await audit.record(
            principal,
            "export",
            subject_type="guest",
            subject_id=exported["guest"]["_id"],
            reason="data subject access",
        )
        return GuestExport.model_validate(exported)

    @router.post("/guests/{guest_id}/erasure", status_code=status.HTTP_202_ACCEPTED)
    async def erase(
        guest_id: str, request: ErasureRequest, principal: CurrentPrincipal
    ) -> ErasureAccepted:
        """Erases the guest's personal data here and tells every service by
        guest.anonymized. Ledger amounts stay, keyed by the guest id. Audited."""
        await audit.record(
            principal, "erasure", subject_type="guest", subject_id=guest_id, reason=request.reason
        )
        return ErasureAccepted.model_validate(await profiles.erase(guest_id, request.reason))

    return router
