"""Issue 18: points redeemed for a booking on the folio, once, on the first room only,
and never paid out in cash."""

from __future__ import annotations

from datetime import UTC, datetime
from decimal import Decimal

from services.frontdesk.points_allowances import allowance_payment, missing_allowances, money_paid

NOW = datetime(2027, 4, 10, 7, tzinfo=UTC)
NIGHT = {"redemption_id": "redeem|n1", "value": "560.00"}
VOUCHER = {"redemption_id": "redeem|v1", "value": "20.00"}


def test_an_allowance_already_on_the_folio_is_not_added_again() -> None:
    stay = {"room_index": 0, "payments": [allowance_payment(NIGHT, NOW)]}
    [added] = missing_allowances(stay, [NIGHT, VOUCHER], NOW)
    assert (added["amount"], added["method"], added["kind"]) == (
        "20.00",
        "loyalty_points",
        "payment",
    )
    assert missing_allowances({"room_index": 1, "payments": []}, [NIGHT], NOW) == []


def test_only_money_paid_can_be_refunded() -> None:
    payments = [
        {"kind": "deposit", "method": "prepaid", "amount": "560.00"},
        allowance_payment(NIGHT, NOW),
        {"kind": "refund", "method": "card", "amount": "60.00"},
    ]
    assert money_paid(payments) == Decimal("500.00")
