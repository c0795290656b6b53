"""Front desk routes: thin, the use cases do the work. One router per use-case group,
put together here in the order the routes have always been served (the OpenAPI
document's order): the desk's lists (desk_lists_api.py), room allocation
(assignment_api.py), check-in and the stay (stay_api.py), the guest's requests and
complaints (stay_requests_api.py), the folio (folio_api.py), the business day
(business_day_api.py) and the departure (departure_api.py), on what they share
(api_common.py)."""

from __future__ import annotations

from fastapi import APIRouter

from shared.audit import AuditLog

from .api_common import to_public
from .assignment_api import assignment_router
from .business_day import BusinessDay
from .business_day_api import business_day_router
from .departure import DepartureDesk
from .departure_api import departure_router
from .desk_lists_api import desk_lists_router
from .folio_api import folio_router
from .folio_service import FolioService
from .registration_desk import RegistrationDesk
from .service import FrontDeskService
from .stay_api import stay_router
from .stay_requests_api import stay_requests_router

__all__ = ["frontdesk_router", "to_public"]


def frontdesk_router(
    service: FrontDeskService,
    folio_desk: FolioService,
    audit: AuditLog,
    business_day: BusinessDay,
    departure_desk: DepartureDesk | None = None,
    registrations: RegistrationDesk | None = None,
) -> APIRouter:
    router = APIRouter(tags=["front desk"])
    for group in (
        desk_lists_router(service),
        assignment_router(service),
        stay_router(service, audit),
        stay_requests_router(service),
        folio_router(folio_desk),
        business_day_router(business_day),
        departure_router(folio_desk, departure_desk, registrations),
    ):
        router.include_router(group)
    return router
