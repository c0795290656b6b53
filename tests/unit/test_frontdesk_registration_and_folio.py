"""Registration document checks and the folio's arithmetic. No I/O."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

import pytest

from services.frontdesk.folio import late_checkout_fee, settle
from services.frontdesk.identity import (
    DocumentRejected,
    DocumentType,
    check_document,
    cn_resident_id_check_character,
)

TODAY = date(2027, 3, 10)
DEPARTURE = date(2027, 3, 13)
VALID_CN_ID = "11010519491231002X"  # the standard's own example


def check(kind: DocumentType, number: str, expires_on: date | None = None) -> None:
    check_document(kind, number, expires_on, today=TODAY, departure=DEPARTURE)


def test_the_gb_11643_check_character() -> None:
    assert cn_resident_id_check_character(VALID_CN_ID[:17]) == "X"
    assert cn_resident_id_check_character("44052419800101001") == "3"


def test_a_valid_resident_id_and_passport_pass() -> None:
    check(DocumentType.CN_RESIDENT_ID, VALID_CN_ID)
    check(DocumentType.CN_RESIDENT_ID, "440524198001010013")
    check(DocumentType.PASSPORT, "E12345678", date(2030, 1, 1))


@pytest.mark.parametrize(
    "kind, number, expires_on, reason",
    [
        (DocumentType.CN_RESIDENT_ID, "110105194912310021", None, "check digit"),
        (DocumentType.CN_RESIDENT_ID, "11010519491331002X", None, "birth date"),  # month 13
        (DocumentType.CN_RESIDENT_ID, "110105202801010011", None, "impossible"),  # born 2028
        (DocumentType.CN_RESIDENT_ID, "1101051949123100", None, "17 digits"),
        (DocumentType.CN_RESIDENT_ID, "440524188001010014", None, "impossible"),  # born 1880
        (DocumentType.CN_RESIDENT_ID, "11010519491231002Y", None, "17 digits"),
        (DocumentType.PASSPORT, "E12345678", date(2027, 3, 1), "expired"),
        (DocumentType.PASSPORT, "E12345678", date(2027, 3, 12), "before the departure"),
        (DocumentType.PASSPORT, "E12345678", None, "expiry"),
        (DocumentType.PASSPORT, "E1", date(2030, 1, 1), "5 to 20"),
    ],
)
def test_a_bad_document_is_refused_with_a_reason_that_never_repeats_it(
    kind: DocumentType, number: str, expires_on: date | None, reason: str
) -> None:
    with pytest.raises(DocumentRejected) as refused:
        check(kind, number, expires_on)
    assert reason in str(refused.value)
    assert number not in str(refused.value)


def test_a_full_stay_settles_to_the_cent_and_refunds_the_deposit() -> None:
    charges = [{"category": "room", "amount": "880.10"}] * 3 + [
        {"category": "minibar", "amount": "45.50"},
        {"category": "room_service", "amount": "128.33"},
        {"category": "damage", "amount": "200.00"},
        {"category": "late_checkout", "amount": "440.05"},
    ]
    totals = settle(charges, [{"kind": "deposit", "amount": "5000.00"}])
    assert totals["room_charges"] == Decimal("2640.30")
    assert totals["other_charges"] == Decimal("613.88")
    assert totals["compensation"] == Decimal("200.00")
    assert totals["balance"] == Decimal("-1545.82")  # 3454.18 owed, 5000 held: refund
    assert all(isinstance(value, Decimal) for value in totals.values())


@pytest.mark.parametrize(
    "clock, fee",
    [
        (datetime(2027, 3, 13, 11, 59), "0"),
        (datetime(2027, 3, 13, 12, 0), "0"),
        (datetime(2027, 3, 13, 14, 30), "440.05"),  # half the last night, rounded half up
        (datetime(2027, 3, 13, 19, 0), "880.10"),
        (datetime(2027, 3, 12, 20, 0), "0"),  # an earlier day: an early departure
    ],
)
def test_late_checkout_fee_by_policy(clock: datetime, fee: str) -> None:
    assert late_checkout_fee(clock, DEPARTURE, Decimal("880.10")) == Decimal(fee)


def test_a_payment_id_never_holds_the_client_reference_but_the_same_one_keeps_its_id() -> None:
    """Issue 15: references once held card numbers, and ids travel in events and URLs."""
    from services.frontdesk.folio import PaymentKind
    from services.frontdesk.records import payment_line

    at = datetime(2027, 3, 10, 12)

    def payment_id(reference: str) -> str:
        line = payment_line(
            PaymentKind.PAYMENT, Decimal("5"), "card", None, at, reference=reference
        )
        return str(line["payment_id"])

    first = payment_id("terminal-ticket-7781")
    assert "7781" not in first and "ticket" not in first
    assert payment_id("terminal-ticket-7781") == first
    assert payment_id("terminal-ticket-7782") != first
