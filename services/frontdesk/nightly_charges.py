"""The night audit's charges: each in-house stay's room charge for the night, once, and
the overstays of guests still here past departure."""

from __future__ import annotations

from datetime import date
from decimal import Decimal

from shared.logging import get_logger
from shared.outbox import push_outbox

from .folio import ChargeCategory, room_charge_id
from .folio_context import FolioContext
from .overstay import charge_overstays
from .records import charge_event, charge_line

log = get_logger(__name__)


class NightlyCharges(FolioContext):
    async def night_audit(self, night: date) -> int:
        """Posts the night's room charge to every stay in house that night, once."""
        posted = 0
        for stay in await self.repository.stays_where(
            {
                "status": "in_house",
                "arrival": {"$lte": night.isoformat()},
                "departure": {"$gt": night.isoformat()},
            }
        ):
            rate = stay["nightly_rates"].get(night.isoformat())
            if rate is None:
                continue
            charge = charge_line(
                room_charge_id(night),
                ChargeCategory.ROOM,
                Decimal(rate),
                f"room {stay['room_number']}, night of {night.isoformat()}",
                self.clock(),
            )
            if await self.repository.update_stay(
                stay["_id"],
                {"status": "in_house", "charges.charge_id": {"$ne": charge["charge_id"]}},
                {"$push": {"charges": charge, **push_outbox(charge_event(stay, charge))}},
            ):
                posted += 1
        posted += await charge_overstays(self, night)  # guests still here past departure
        if posted:
            self.events_written()
        log.info("night audit", night=night.isoformat(), posted=posted)
        return posted
