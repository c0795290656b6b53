"""The scanner the end-to-end PII scan relies on finds what it must, and not dates or ids."""

from tests.support.pii_scan import find_personal_data


def test_it_finds_id_numbers_cards_and_given_phones() -> None:
    text = (
        "id 11010519491231002X card 4111 1111 1111 1111 phone +86 139-1234-5678 again 8613912345678"
    )
    assert sorted(find_personal_data(text, phones=["+86 139 1234 5678"])) == [
        "ID number",
        "card number",
        "phone",
        "phone",
    ]


def test_it_leaves_dates_uuids_amounts_and_masked_values_alone() -> None:
    text = (
        '{"occurred_at": "2026-11-23T14:20:40.347421+00:00", "event_id": '
        '"12345678-1234-4234-9234-123456789012", '
        '"other": "41111111-1111-1111-1111-111111111111", "total": "2640.00", '
        '"stay_id": "0ec116e3-3567-4123-8234-2a907fd2c4e1", '
        '"id_number": "**************002X", "phone": "+86 *** **** 5678", '
        '"card": "4111 1111 1111 1112"}'
    )
    assert find_personal_data(text, phones=["+86 139 1234 5678"]) == []


def test_free_text_refuses_card_and_id_numbers_without_echoing_them() -> None:
    import pytest
    from pydantic import BaseModel, ValidationError

    from shared.sensitive import FreeText

    class Booking(BaseModel):
        special_requests: list[FreeText[200]] = []

    assert Booking(special_requests=["late arrival, call +86 139 1234 5678"])
    for text in ("charge card 4111-1111-1111-1111 please", "my ID 11010519491231002X"):
        with pytest.raises(ValidationError) as refused:
            Booking(special_requests=[text])
        assert "4111" not in str(refused.value.errors(include_input=False))
    with pytest.raises(ValidationError):
        Booking(special_requests=["x" * 201])


def test_the_card_and_id_guard_sees_numbers_grouped_by_spaces_dashes_dots_or_slashes() -> None:
    from shared.sensitive import sensitive_numbers

    for separator in (" ", "-", ".", "/"):
        card = separator.join(("4111", "1111", "1111", "1111"))
        id_number = separator.join(("110105", "19491231", "002X"))
        assert sensitive_numbers(f"card {card} please") == ["card number"], card
        assert sensitive_numbers(f"my ID {id_number}") == ["ID number"], id_number
    # Grouped 18 digits are an ID number only with a valid birth date and check digit.
    assert sensitive_numbers("110105 19491231 0021") == []
    assert sensitive_numbers("110105.19491331.002X") == []
    assert sensitive_numbers('"41111111-1111-1111-1111-111111111111"') == []
