"""Overstays (issue 12: a guest past the departure date was not charged and dropped off
the in-house list).

A guest still in house after the night of the booked departure is an overstay: the
night audit charges each such night by the policy (`OVERSTAY_RATE_PERCENT` of the last
booked night's rate, 100 by default), as a room night keyed `room|<night>` like any
other, so a repeated audit charges nothing twice; the in-house list keeps the guest
(flagged `overstay`) until check-out.
"""

from __future__ import annotations

from datetime import date
from decimal import Decimal
from typing import TYPE_CHECKING, Any

from shared.logging import get_logger
from shared.outbox import push_outbox

from .folio import ChargeCategory, cents, room_charge_id
from .records import charge_event, charge_line

if TYPE_CHECKING:
    from .folio_context import FolioContext

log = get_logger(__name__)


def overstay_rate(stay: dict[str, Any], percent: Decimal) -> Decimal:
    last_night = max(stay["nightly_rates"])
    return cents(Decimal(stay["nightly_rates"][last_night]) * percent / 100)


async def charge_overstays(folio: FolioContext, night: date) -> int:
    """Charges the night to every guest still in house past their departure; returns how
    many were charged."""
    charged = 0
    for stay in await folio.repository.stays_where(
        {"status": "in_house", "departure": {"$lte": night.isoformat()}}
    ):
        if not stay["nightly_rates"]:
            continue
        charge = charge_line(
            room_charge_id(night),
            ChargeCategory.ROOM,
            overstay_rate(stay, folio.overstay_rate_percent),
            f"room {stay['room_number']}, night of {night.isoformat()} (overstay)",
            folio.clock(),
        )
        if await folio.repository.update_stay(
            stay["_id"],
            {"status": "in_house", "charges.charge_id": {"$ne": charge["charge_id"]}},
            {
                "$push": {"charges": charge, **push_outbox(charge_event(stay, charge))},
                "$addToSet": {"overstay_nights": night.isoformat()},
            },
        ):
            charged += 1
            log.warning("overstay night charged", stay_id=stay["_id"], night=night.isoformat())
    return charged
