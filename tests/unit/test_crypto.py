import base64

import pytest
from cryptography.exceptions import InvalidTag

from shared.crypto import PersonalDataCipher, mask

KEY_A = base64.urlsafe_b64encode(b"a" * 32).decode()
KEY_B = base64.urlsafe_b64encode(b"b" * 32).decode()


def test_round_trip_bound_to_its_record_and_readable_after_rotation() -> None:
    old = PersonalDataCipher({"a": KEY_A}, "a")
    token = old.encrypt("11010519491231002X", context="stay-1")
    assert "11010519491231002X" not in token
    with pytest.raises(InvalidTag):
        old.decrypt(token, context="stay-2")

    rotated = PersonalDataCipher({"a": KEY_A, "b": KEY_B}, "b")
    assert rotated.decrypt(token, context="stay-1") == "11010519491231002X"
    new_token = rotated.rotate(token, context="stay-1")
    assert new_token.startswith("v1:b:")
    assert (
        PersonalDataCipher({"b": KEY_B}, "b").decrypt(new_token, context="stay-1")
        == "11010519491231002X"
    )


def test_masking_shows_the_last_four_only() -> None:
    assert mask("11010519491231002X") == "**************002X"
    assert mask("123") == "123"
