"""A room check that arrives after the folio closed: billed on a post-departure invoice
of the same stay, never lost (issue 12: a 1,050.00 check had given compensation 0.00).

The invoice is numbered after the stay's own (`<invoice>-1`, `-2`, ...): no gap in the
main sequence, and one invoice per check however often the check is delivered.
"""

from __future__ import annotations

from decimal import Decimal
from typing import TYPE_CHECKING, Any

from shared.events import Event
from shared.logging import get_logger
from shared.outbox import push_outbox

from .folio import cents
from .records import charge_event

if TYPE_CHECKING:
    from .folio_context import FolioContext

log = get_logger(__name__)


async def post_departure_invoice(
    folio: FolioContext,
    stay: dict[str, Any],
    check_id: str,
    charges: list[dict[str, Any]],
    cause: Event[Any],
) -> bool:
    """True when this call billed the check; False when it was billed before."""
    for _ in range(10):  # another late check may take the next number meanwhile
        invoices = stay.get("post_departure_invoices", [])
        if any(invoice["check_id"] == check_id for invoice in invoices):
            return False
        total = cents(sum((Decimal(charge["amount"]) for charge in charges), Decimal("0")))
        invoice = {
            "invoice_number": f"{stay['settlement']['invoice_number']}-{len(invoices) + 1}",
            "check_id": check_id,
            "lines": charges,
            "total": str(total),
            "amount_due": str(total),
            "currency": stay["currency"],
            "issued_at": folio.clock(),
            "billed_to": stay.get("guest_name"),
        }
        events = [charge_event(stay, charge, **cause.caused()) for charge in charges]
        updated = await folio.repository.update_stay(
            # the next slot still free: nobody added an invoice since the read
            stay["_id"],
            {f"post_departure_invoices.{len(invoices)}": {"$exists": False}},
            {"$push": {"post_departure_invoices": invoice, **push_outbox(*events)}},
        )
        if updated is not None:
            if events:
                folio.events_written()
            log.warning(
                "room check after check-out: post-departure invoice",
                stay_id=stay["_id"],
                invoice_number=invoice["invoice_number"],
                total=str(total),
            )
            return True
        stay = await folio.get_stay(stay["_id"])
    raise RuntimeError(f"stay {stay['_id']} kept changing; the check is retried")
