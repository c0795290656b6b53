"""Domain rules of the thin journey, without I/O."""

from datetime import UTC, date, datetime, timedelta
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
    now = datetime(2027, 3, 1, 10, tzinfo=UTC)
    token = survey_token("secret", "survey-1", now + timedelta(days=60))
    assert token_is_valid("secret", "survey-1", token, now)
    assert not token_is_valid("secret", "survey-2", token, now)
    assert not token_is_valid("other-secret", "survey-1", token, now)


def test_a_survey_link_expires_and_opens_nothing_but_its_survey_for_its_purpose() -> None:
    """Issue 15: tokens never expired and signed only the survey id."""
    now = datetime(2027, 3, 1, 10, tzinfo=UTC)
    expires = now + timedelta(days=60)
    token = survey_token("secret", "survey-1", expires)
    assert token_is_valid("secret", "survey-1", token, expires)
    assert not token_is_valid("secret", "survey-1", token, expires + timedelta(seconds=1))
    # A later expiry written over the token's own: the signature no longer matches.
    later = f"{int((expires + timedelta(days=365)).timestamp()):08x}"
    assert not token_is_valid("secret", "survey-1", later + token[8:], now)
    # Signed for another purpose: not a survey link.
    unsubscribe = survey_token("secret", "survey-1", expires, purpose="unsubscribe")
    assert not token_is_valid("secret", "survey-1", unsubscribe, now)
    assert token_is_valid("secret", "survey-1", unsubscribe, now, purpose="unsubscribe")
    assert len(token) == 32 and all(c in "0123456789abcdef" for c in token)
