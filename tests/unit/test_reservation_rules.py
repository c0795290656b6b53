"""Reservation rules without I/O: requests, holds, prices and policies."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest
from pydantic import ValidationError

from services.reservation.domain import (
    ReservationCreate,
    ReservationUpdate,
    expected_holds,
    hold_moves,
    holds_of,
)
from services.reservation.policies import (
    RatePlanUpsert,
    cancellation_deadline,
    cancellation_terms,
    deposit_due,
    fee_for,
    no_show_may_be_marked,
    no_show_terms,
    price_stay,
    terms_of,
)

REQUEST = {
    "guest": {"first_name": "A", "last_name": "B", "email": "a@example.com"},
    "room_type": "king",
    "arrival": "2027-01-01",
    "departure": "2027-01-03",
    "adults": 1,
    "channel": "web",
}
KING = {"code": "king", "nightly_rate": "500.00"}


def test_special_requests_are_a_typed_list_with_a_text_shorthand() -> None:
    request = ReservationCreate.model_validate(
        {**REQUEST, "special_requests": ["quiet", "floor: high", {"kind": "long_stay"}]}
    )
    assert [r.as_text() for r in request.special_requests] == ["quiet", "floor: high", "long_stay"]
    with pytest.raises(ValidationError):
        ReservationCreate.model_validate({**REQUEST, "special_requests": ["jacuzzi"]})


@pytest.mark.parametrize(
    "change",
    [
        {"payment": {"method": "card", "token": "4111111111111111"}},  # a card number, not a token
        {"room_count": 2},  # two rooms, one adult
        {"source_reference": "has spaces"},
        {"booker": {"first_name": "A", "last_name": "B", "fax": "1"}},
    ],
)
def test_a_request_that_breaks_a_rule_is_refused(change: dict) -> None:
    with pytest.raises(ValidationError):
        ReservationCreate.model_validate({**REQUEST, **change})


def test_an_amendment_must_change_something() -> None:
    with pytest.raises(ValidationError):
        ReservationUpdate.model_validate({})
    assert ReservationUpdate.model_validate({"adults": 2}).model_fields_set == {"adults"}


def test_an_amendment_grows_the_new_nights_before_it_shrinks_the_old() -> None:
    old = holds_of("king", date(2027, 1, 1), date(2027, 1, 3), 1)
    new = holds_of("king", date(2027, 1, 2), date(2027, 1, 4), 2)
    growths, shrinks = hold_moves(old, new)
    assert growths == [(("king", "2027-01-02"), 1, 2), (("king", "2027-01-03"), 0, 2)]
    assert shrinks == [(("king", "2027-01-01"), 1, 0)]
    assert hold_moves(old, old) == ([], [])


def test_only_a_confirmed_reservation_should_hold_nights() -> None:
    reservation = {
        "status": "confirmed",
        "room_type": "king",
        "arrival": "2027-01-01",
        "departure": "2027-01-03",
        "room_count": 2,
    }
    assert expected_holds(reservation) == {("king", "2027-01-01"): 2, ("king", "2027-01-02"): 2}
    assert expected_holds({**reservation, "status": "cancelled"}) == {}


def test_prices_come_from_the_plans_date_ranges_else_the_adjusted_base_rate() -> None:
    plan = RatePlanUpsert(
        name="Spring",
        base_adjustment_percent=Decimal("-10"),
        prices=[
            {"room_type": "king", "start": "2027-01-02", "end": "2027-01-03", "amount": "650.00"},
        ],
    ).model_dump(mode="json")
    rates = price_stay(plan, KING, date(2027, 1, 1), date(2027, 1, 4), room_count=2)
    assert rates == {
        "2027-01-01": Decimal("900.00"),
        "2027-01-02": Decimal("1300.00"),
        "2027-01-03": Decimal("900.00"),
    }


def test_fees_deposits_and_refunds() -> None:
    rates = {"2027-01-01": "500.00", "2027-01-02": "300.00"}
    assert fee_for({"kind": "first_night"}, rates) == Decimal("500.00")
    assert fee_for({"kind": "percent", "percent": "12.5"}, rates) == Decimal("100.00")
    assert fee_for({"kind": "none"}, rates) == Decimal("0.00")
    plan = RatePlanUpsert(name="Saver", non_refundable=True).model_dump(mode="json")
    assert deposit_due(plan, rates) == Decimal("800.00")

    flexible = RatePlanUpsert(name="Flex", deposit={"kind": "first_night"}).model_dump(mode="json")
    reservation = {
        "terms": terms_of(flexible),
        "nightly_rates": rates,
        "deposit_paid": "500.00",
        "cancellation_deadline": cancellation_deadline(flexible, date(2027, 1, 1)).isoformat(),
    }
    # 24 hours before 14:00 at the hotel (Asia/Shanghai, UTC+8): 14:00 local = 06:00 UTC
    assert reservation["cancellation_deadline"] == "2026-12-31T06:00:00+00:00"
    assert cancellation_terms(reservation, datetime(2026, 12, 31, 5, tzinfo=UTC)) == (
        Decimal("0.00"),
        Decimal("500.00"),
    )
    assert cancellation_terms(reservation, datetime(2026, 12, 31, 7, tzinfo=UTC)) == (
        Decimal("500.00"),
        Decimal("0.00"),
    )
    assert no_show_terms(reservation) == (Decimal("500.00"), Decimal("0.00"))
    saver = {**reservation, "terms": terms_of(plan), "deposit_paid": "800.00"}
    assert cancellation_terms(saver, datetime(2026, 1, 1, tzinfo=UTC)) == (
        Decimal("800.00"),
        Decimal("0.00"),
    )


def test_a_no_show_is_marked_only_after_the_arrival_day_at_the_hotel() -> None:
    # The hotel's day ends at 16:00 UTC (midnight in Asia/Shanghai), not at 00:00 UTC.
    assert not no_show_may_be_marked(date(2027, 1, 1), datetime(2027, 1, 1, 15, 59, tzinfo=UTC))
    assert no_show_may_be_marked(date(2027, 1, 1), datetime(2027, 1, 1, 16, 1, tzinfo=UTC))


def test_a_report_answers_one_command_with_one_id_on_the_channels_routing_key() -> None:
    import uuid

    from shared.commands import COMMANDS_BY_TYPE, ReservationReport, report_outbox_entry

    command_id = uuid.uuid4()
    report = ReservationReport(
        report_id=ReservationReport.id_for(command_id, "accepted"),
        command_id=command_id,
        command_type="reservation.create",
        channel="booking-com",
        source_reference="BDC-1",
        property_id="demo-hotel",
        status="accepted",
    )
    assert ReservationReport.id_for(command_id, "accepted") == report.report_id
    assert ReservationReport.id_for(command_id, "rejected") != report.report_id
    first, again = (report_outbox_entry(report, producer="reservation") for _ in range(2))
    assert (first["exchange"], first["routing_key"]) == (
        "hotel.reports",
        "reservation.report.booking-com",
    )
    assert first["event_id"] != again["event_id"]  # two sendings, two messages, one report id
    assert set(COMMANDS_BY_TYPE) == {
        "reservation.create",
        "reservation.amend",
        "reservation.cancel",
    }
