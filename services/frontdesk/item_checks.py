"""Housekeeping's departure room check onto the folio once per check: on the open folio
(settling a check-out that waited for it), or on a post-departure invoice once closed."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from shared.errors import NotFound
from shared.events import Event
from shared.outbox import push_outbox

from .check_outs import CheckOuts
from .folio import ChargeCategory
from .late_checks import post_departure_invoice
from .records import charge_event, charge_line


class ItemChecks(CheckOuts):
    async def post_item_check(
        self,
        check_id: str,
        stay_id: str,
        lines: list[tuple[ChargeCategory, Decimal, str]],
        cause: Event[Any],
    ) -> bool:
        """Housekeeping's departure room check, onto the folio once per check."""
        stay = await self.repository.stay(stay_id)
        if stay is None:
            raise NotFound(f"no stay {stay_id!r} for room check {check_id}")
        charges = [
            charge_line(f"check|{check_id}|{index}", category, amount, text, self.clock())
            for index, (category, amount, text) in enumerate(lines)
        ]
        if stay["status"] != "in_house":
            # The folio is closed: the check goes on a post-departure invoice of the stay.
            return await post_departure_invoice(self, stay, check_id, charges, cause)
        events = [charge_event(stay, charge, **cause.caused()) for charge in charges]
        updated = await self.repository.update_stay(
            stay_id,
            {"status": "in_house", "item_checks": {"$ne": check_id}},
            {
                "$push": {
                    "charges": {"$each": charges},
                    "item_checks": check_id,
                    **push_outbox(*events),
                }
            },
        )
        if updated is None:
            if stay_id and (await self.get_stay(stay_id))["status"] != "in_house":
                # settled between the read and the write: bill it after departure
                return await self.post_item_check(check_id, stay_id, lines, cause)
            return False
        if events:
            self.events_written()
        if updated.get("checkout_request"):  # the guest is waiting for this check: settle
            await self.settle_requested(stay_id)
        return True
