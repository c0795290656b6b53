"""Loyalty routes: thin, the use cases do the work. One router per use-case group, put
together here in the order the routes have always been served (the OpenAPI document's
order): the points ledger (ledger_api.py), the guest's profile (profiles_api.py), the
duplicate review (duplicates_api.py), the data subject's export and erasure
(guest_data_api.py), and the programme's segments, referrals, reports, messages and
daily pass (programme_api.py), on what they share (api_common.py)."""

from __future__ import annotations

from fastapi import APIRouter

from shared.audit import AuditLog

from .duplicates_api import duplicates_router
from .guest_data_api import guest_data_router
from .ledger_api import ledger_router
from .profiles import ProfileService
from .profiles_api import profiles_router
from .programme_api import programme_router
from .service import LoyaltyService
from .workers import DailyPass

__all__ = ["loyalty_router"]


def loyalty_router(
    service: LoyaltyService, profiles: ProfileService, daily_pass: DailyPass, audit: AuditLog
) -> APIRouter:
    router = APIRouter(tags=["loyalty"])
    for group in (
        ledger_router(service),
        profiles_router(profiles, audit),
        duplicates_router(service, profiles, audit),
        guest_data_router(profiles, audit),
        programme_router(service, daily_pass),
    ):
        router.include_router(group)
    return router
