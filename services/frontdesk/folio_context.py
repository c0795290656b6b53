"""What every folio use case stands on: the repository, the wake-up of the relay, the
cipher for payment tokens, the property's clock, the check-out and overstay terms and the
audit hour, and the loads of a stay (any, or in house). The use cases
(folio_postings.py, nightly_charges.py, check_outs.py, item_checks.py) subclass it;
folio_service.py puts them together."""

from __future__ import annotations

from collections.abc import Callable
from decimal import Decimal
from typing import Any

from shared.crypto import PersonalDataCipher

from .records import PropertyClock
from .repository import FrontDeskRepository
from .stay_lookup import in_house_stay, stay_or_404


class FolioContext:
    def __init__(
        self,
        repository: FrontDeskRepository,
        *,
        events_written: Callable[[], None],
        cipher: PersonalDataCipher,
        clock: PropertyClock,
        standard_checkout_hour: int = 12,
        half_day_until_hour: int = 18,
        overstay_rate_percent: Decimal = Decimal("100"),
        audit_hour: int = 3,
    ) -> None:
        self.repository = repository
        self.audit_hour = audit_hour
        self.events_written = events_written
        self.cipher = cipher
        self.clock = clock
        self.standard_checkout_hour = standard_checkout_hour
        self.half_day_until_hour = half_day_until_hour
        self.overstay_rate_percent = overstay_rate_percent

    async def get_stay(self, stay_id: str) -> dict[str, Any]:
        return await stay_or_404(self.repository, stay_id)

    async def _in_house(self, stay_id: str) -> dict[str, Any]:
        return await in_house_stay(
            self.repository, stay_id, closed="is checked out; its folio is closed"
        )
