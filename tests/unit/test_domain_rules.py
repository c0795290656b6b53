"""Domain rules of the thin journey, without I/O."""

from datetime import date
from decimal import Decimal

import pytest
from pydantic import ValidationError

from services.feedback.domain import survey_id_for_stay, survey_token, token_is_valid
from services.frontdesk.domain import settle
from services.housekeeping.domain import RoomStatus, status_after_check_in, status_after_check_out
from services.loyalty.domain import points_for_stay
from services.reservation.domain import ReservationCreate, nights_of, price_nights, total_of


def test_a_stay_occupies_the_nights_from_arrival_up_to_departure() -> None:
    assert nights_of(date(2027, 2, 27), date(2027, 3, 2)) == [
        date(2027, 2, 27),
        date(2027, 2, 28),
        date(2027, 3, 1),
    ]
    assert total_of(
        price_nights(nights_of(date(2027, 1, 1), date(2027, 1, 4)), Decimal("480.10"))
    ) == Decimal("1440.30")


@pytest.mark.parametrize(
    "change",
    [
        {"departure": "2027-01-01"},  # same day
        {"adults": 0},
        {"channel": "carrier-pigeon"},
        {"surprise": True},
    ],
)
def test_a_reservation_request_that_breaks_a_rule_is_refused(change: dict) -> None:
    request = {
        "guest": {"first_name": "A", "last_name": "B", "email": "a@example.com"},
        "room_type": "king",
        "arrival": "2027-01-01",
        "departure": "2027-01-03",
        "adults": 1,
        "channel": "web",
    }
    with pytest.raises(ValidationError):
        ReservationCreate.model_validate({**request, **change})


def test_settlement_adds_up_to_the_cent() -> None:
    settlement = settle(
        "s1",
        {"2027-01-01": "480.10", "2027-01-02": "480.10"},
        "CNY",
        other_charges=Decimal("35.5"),
        deposit=Decimal("1000"),
    )
    assert (settlement.room_charges, settlement.balance) == (Decimal("960.20"), Decimal("-4.30"))


def test_points_are_earned_on_whole_currency_units() -> None:
    assert points_for_stay(Decimal("1120.99"), 10) == 11200
    assert points_for_stay(Decimal("0.99"), 10) == 0


def test_room_status_follows_the_guest() -> None:
    assert status_after_check_in(RoomStatus.VACANT_INSPECTED) == RoomStatus.OCCUPIED_INSPECTED
    assert status_after_check_out(RoomStatus.OCCUPIED_CLEAN) == RoomStatus.VACANT_DIRTY
    assert status_after_check_out(RoomStatus.OUT_OF_ORDER) == RoomStatus.OUT_OF_ORDER


def test_one_survey_per_stay_with_a_link_only_the_hotel_can_sign() -> None:
    assert survey_id_for_stay("stay-1") == survey_id_for_stay("stay-1")
    assert survey_id_for_stay("stay-1") != survey_id_for_stay("stay-2")
    token = survey_token("secret", "survey-1")
    assert token_is_valid("secret", "survey-1", token)
    assert not token_is_valid("secret", "survey-2", token)
    assert not token_is_valid("other-secret", "survey-1", token)
