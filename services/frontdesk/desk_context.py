"""What every front desk use case stands on: the repository, the property's setup, the
cipher, the clock and the business date, and the loads that refuse a missing stay or
arrival. The use cases (room_assignment.py, arrival_assignment.py, room_notices.py,
check_in.py, walk_in.py, stay_changes.py, stay_requests.py, desk_lists.py) subclass it;
service.py puts them together."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from datetime import date
from typing import Any

from shared.crypto import PersonalDataCipher
from shared.errors import Conflict, NotFound, Unprocessable
from shared.property_setup import PropertySetup

from .records import PropertyClock, business_today
from .repository import FrontDeskRepository
from .stay_lookup import in_house_stay, stay_or_404


class NoRoomFree(Conflict):
    title = "No room free"


class DocumentInvalid(Unprocessable):
    title = "Identity document refused"


class DeskContext:
    def __init__(
        self,
        repository: FrontDeskRepository,
        *,
        events_written: Callable[[], None],
        setup: PropertySetup,
        cipher: PersonalDataCipher,
        clock: PropertyClock | None = None,
        audit_hour: int = 3,
    ) -> None:
        self.repository = repository
        self.audit_hour = audit_hour
        self.events_written = events_written
        self.setup = setup
        self.cipher = cipher
        self.clock = clock or PropertyClock()

    async def today(self) -> date:
        """The business date (records.business_today), never the server's UTC date."""
        return await business_today(self.repository, self.clock, self.audit_hour)

    async def get_stay(self, stay_id: str) -> dict[str, Any]:
        return await stay_or_404(self.repository, stay_id)

    async def _in_house(self, stay_id: str) -> dict[str, Any]:
        return await in_house_stay(self.repository, stay_id)

    async def _expected_arrival(self, reservation_id: str) -> dict[str, Any]:
        arrival = await self.repository.arrival(reservation_id)
        if arrival is None:
            raise NotFound(f"no arrival for reservation {reservation_id!r}")
        if arrival["status"] != "expected":
            raise Conflict(f"reservation {reservation_id!r} is {arrival['status']}")
        return arrival


def keyed_id(scope: str, idempotency_key: str | None) -> str:
    """A new id, or the same id every time for the same Idempotency-Key in its scope."""
    if idempotency_key is None:
        return str(uuid.uuid4())
    return str(uuid.uuid5(uuid.NAMESPACE_URL, f"frontdesk|{scope}|{idempotency_key}"))


def is_duplicate_key(error: Exception) -> bool:
    return type(error).__name__ == "DuplicateKeyError"
