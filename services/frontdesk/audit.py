"""The night audit as a background loop: once the property's clock is past the audit
hour, the business date that just ended has its room nights posted. Restart-safe: the
audit of a night is recorded in MongoDB, and each stay's room charge is keyed by its
night, so a pass repeated after a crash posts nothing twice."""

from __future__ import annotations

from datetime import timedelta

from shared.worker import PollingWorker

from .repository import FrontDeskRepository
from .folio_service import FolioService


class NightAuditWorker(PollingWorker):
    name = "night-audit"

    def __init__(self, folio: FolioService, repository: FrontDeskRepository, *,
                 audit_hour: int, poll_seconds: float) -> None:
        super().__init__(poll_seconds)
        self.folio = folio
        self.repository = repository
        self.audit_hour = audit_hour

    def night_due(self):
        """The business date whose night is over, once past the audit hour."""
        now = self.folio.clock.now_local()
        if now.hour < self.audit_hour:
            return now.date() - timedelta(days=2)  # yesterday's audit is not due yet
        return now.date() - timedelta(days=1)

    async def work_once(self) -> int:
        night = self.night_due()
        if await self.repository.audit_done(night):
            return 0
        posted = await self.folio.night_audit(night)
        await self.repository.mark_audit_done(night, posted)
        return 0  # done for this night: wait for the next poll
