"""What each of the desk's projections stands on: the repository, the folio (its use
cases post what housekeeping's room check found), whether an event is for this property,
and an event's time as the records order by it."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from shared.events import Event

from .folio_service import FolioService
from .repository import FrontDeskRepository


def event_time(event: Event[Any]) -> str:
    return event.occurred_at.astimezone(UTC).isoformat()


class ProjectionContext:
    def __init__(self, repository: FrontDeskRepository, folio: FolioService) -> None:
        self.repository = repository
        self.folio = folio

    def _ours(self, event: Event[Any]) -> bool:
        return event.property_id == self.repository.property_id
