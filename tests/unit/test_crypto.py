import base64
import os

import pytest
from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from mongomock_motor import AsyncMongoMockClient

from shared.crypto import Binding, PersonalDataCipher, mask
from shared.reencryption import ReencryptionJob, SealedField

KEY_A = base64.urlsafe_b64encode(b"a" * 32).decode()
KEY_B = base64.urlsafe_b64encode(b"b" * 32).decode()
ID_NUMBER = "11010519491231002X"
STAY_1 = Binding("stays", "registration.document_number", "stay-1")


def legacy_v1(key: str, key_id: str, plaintext: str, record_id: str) -> str:
    """A ciphertext as written before issue 15: associated data the record id only."""
    nonce = os.urandom(12)
    sealed = AESGCM(base64.urlsafe_b64decode(key)).encrypt(
        nonce, plaintext.encode(), record_id.encode()
    )
    return f"v1:{key_id}:{base64.urlsafe_b64encode(nonce + sealed).decode()}"


def test_round_trip_bound_to_its_record_and_readable_after_rotation() -> None:
    old = PersonalDataCipher({"a": KEY_A}, "a")
    token = old.encrypt(ID_NUMBER, bound=STAY_1)
    assert ID_NUMBER not in token
    with pytest.raises(InvalidTag):
        old.decrypt(token, bound=Binding("stays", "registration.document_number", "stay-2"))

    rotated = PersonalDataCipher({"a": KEY_A, "b": KEY_B}, "b")
    assert rotated.decrypt(token, bound=STAY_1) == ID_NUMBER
    new_token = rotated.rotate(token, bound=STAY_1)
    assert new_token.startswith("v2:b:")
    assert rotated.rotate(new_token, bound=STAY_1) == new_token  # current: left as it is
    assert PersonalDataCipher({"b": KEY_B}, "b").decrypt(new_token, bound=STAY_1) == ID_NUMBER


def test_a_ciphertext_decrypts_only_in_its_collection_field_and_record() -> None:
    """Issue 15: with the record id alone as associated data, one record's ciphertexts
    were interchangeable (a payment token shown as the ID number)."""
    cipher = PersonalDataCipher({"a": KEY_A}, "a")
    token = cipher.encrypt(ID_NUMBER, bound=STAY_1)
    elsewhere = [
        Binding("stays", "payments.token", "stay-1"),  # another field of the same record
        Binding("reservations", "registration.document_number", "stay-1"),  # collection
        Binding("stays", "registration.document_number", "stay-2"),  # record
    ]
    for bound in elsewhere:
        with pytest.raises(InvalidTag):
            cipher.decrypt(token, bound=bound)
    # An old v1 ciphertext still reads where it is (until the job rewrites it).
    assert cipher.decrypt(legacy_v1(KEY_A, "a", ID_NUMBER, "stay-1"), bound=STAY_1) == ID_NUMBER


async def test_the_reencryption_job_moves_every_ciphertext_to_the_current_key_once() -> None:
    database = AsyncMongoMockClient(tz_aware=True).get_database("reencrypt")
    old = PersonalDataCipher({"a": KEY_A}, "a")
    fields = (
        SealedField(
            "stays", "registration.document_number_encrypted", "registration.document_number"
        ),
        SealedField("stays", "payments.*.token.encrypted", "payments.token"),
    )
    for n in range(3):
        stay = f"stay-{n}"
        await database["stays"].insert_one(
            {
                "_id": stay,
                "registration": {
                    "document_number_encrypted": legacy_v1(KEY_A, "a", f"ID{n}", stay)
                    if n == 0
                    else old.encrypt(f"ID{n}", bound=Binding("stays", fields[0].field, stay)),
                    "document_number_masked": "****",
                },
                "payments": [
                    {"payment_id": "p1", "token": None},
                    {
                        "payment_id": "p2",
                        "token": {
                            "encrypted": old.encrypt(
                                f"tok{n}", bound=Binding("stays", "payments.token", stay)
                            )
                        },
                    },
                ],
            }
        )
    # One record holds a ciphertext copied from another: it does not decrypt there.
    copied = (await database["stays"].find_one({"_id": "stay-1"}))["registration"]
    await database["stays"].insert_one({"_id": "stay-x", "registration": copied, "payments": []})

    rotated = PersonalDataCipher({"b": KEY_B, "a": KEY_A}, "b")
    job = ReencryptionJob(database, rotated, fields)
    # 3 ID numbers + 3 payment tokens rewritten; the copied value left alone
    assert await job.work_once() == 6
    assert await job.work_once() == 0  # and once only

    only_b = PersonalDataCipher({"b": KEY_B}, "b")  # the old key can go now
    for n in range(3):
        stay = await database["stays"].find_one({"_id": f"stay-{n}"})
        number = stay["registration"]["document_number_encrypted"]
        token = stay["payments"][1]["token"]["encrypted"]
        assert number.startswith("v2:b:") and token.startswith("v2:b:")
        assert only_b.decrypt(number, bound=Binding("stays", fields[0].field, stay["_id"])) == (
            f"ID{n}"
        )
        assert only_b.decrypt(token, bound=Binding("stays", "payments.token", stay["_id"])) == (
            f"tok{n}"
        )
        assert stay["payments"][0] == {"payment_id": "p1", "token": None}
    left = await database["stays"].find_one({"_id": "stay-x"})
    assert left["registration"] == copied
    print(
        "\nre-encryption: 3 stays (1 v1, 2 under the old key) -> v2 under the new key; "
        "1 copied ciphertext left as it is; second pass 0"
    )


def test_masking_shows_the_last_four_only() -> None:
    assert mask("11010519491231002X") == "**************002X"
    assert mask("123") == "123"
