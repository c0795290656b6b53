"""Brings a manager in when a case is late.

Restart-safe and exactly once: the deadline lives on the case in MongoDB, and the move
from open to escalated is one conditional update that also carries the case.escalated
event (outbox). A second pass, a restarted process or another replica finds the guard
false and does nothing. The first responder stays the owner; the manager is added.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta

from prometheus_client import Counter

from shared.clock import Clock
from shared.events import CaseEscalated, CaseEscalatedPayload
from shared.logging import get_logger
from shared.outbox import push_outbox
from shared.worker import PollingWorker

from .config import Settings
from .domain import escalated as escalated_case
from .repository import FeedbackRepository

log = get_logger(__name__)
ESCALATION_PASSES = Counter("case_escalation_passes_total", "Passes of the escalation worker")
CASES_ESCALATED = Counter("cases_escalated_total", "Cases escalated to a manager")
BATCH = 100


class EscalationWorker(PollingWorker):
    name = "case-escalation"

    def __init__(
        self,
        repository: FeedbackRepository,
        settings: Settings,
        *,
        events_written: Callable[[], None],
        clock: Clock,
    ) -> None:
        super().__init__(settings.case_worker_poll_seconds)
        self.repository = repository
        self.settings = settings
        self.events_written = events_written
        self.clock = clock

    async def work_once(self) -> int:
        now = self.clock()
        escalated = 0
        for case in await self.repository.late_cases(now, BATCH):
            manager = self.settings.case_escalation_manager
            due_at = now + timedelta(hours=self.settings.case_escalation_hours)
            event = CaseEscalated.new(
                CaseEscalatedPayload(
                    case_id=case.id,
                    guest_id=case.guest_id,
                    escalated_to=manager,
                    due_at=due_at,
                ),
                producer="feedback",
                property_id=case.property_id,
                correlation_id=case.correlation_id,
            )
            if await self.repository.escalate(
                case, escalated_case(case, manager, now, due_at), now, push_outbox(event)
            ):
                escalated += 1
                CASES_ESCALATED.inc()
                log.warning("case late: escalated", case_id=case.id, to=manager)
        if escalated:
            self.events_written()
        ESCALATION_PASSES.inc()
        return escalated
