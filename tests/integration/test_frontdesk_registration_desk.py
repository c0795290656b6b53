"""Issue 18 (seed 002 6.2, 6.3, 9.1): companions registered, the guest's details corrected
during the stay, and the document and deposit-receipt check at check-out, through the
front desk's routes in-process on the embedded store."""

from __future__ import annotations

from contextlib import aclosing
from datetime import UTC, date, datetime
from pathlib import Path

import httpx
from fastapi import FastAPI

from services.frontdesk.api import frontdesk_router
from services.frontdesk.registration_api import registration_router
from services.frontdesk.registration_desk import RegistrationDesk
from shared.audit import AuditLog
from shared.problems import install_problem_handlers
from tests.integration.frontdesk_harness import PROPERTY, FixedClock, booking, build
from tests.integration.test_one_hotel_frontdesk import hotel

PASSPORT = {"type": "passport", "number": "E1234567", "expires_on": "2030-01-01"}
GUEST = {
    "first_name": "Mei",
    "last_name": "Chen",
    "gender": "female",
    "nationality": "CN",
    "document": PASSPORT,
    "email": "mei@example.com",
}
COMPANION = {
    "first_name": "Bo",
    "last_name": "Chen",
    "gender": "male",
    "nationality": "CN",
    "document": {"type": "passport", "number": "E7654321", "expires_on": "2031-05-01"},
}


async def desk_api(tmp_path: Path, *, require_check: bool) -> tuple[httpx.AsyncClient, str]:
    desk = await build(
        hotel(tmp_path, {"king": 2}), FixedClock(datetime(2027, 3, 10, 8, tzinfo=UTC))
    )
    await desk.projections.reservation_created(
        booking(1, "king", date(2027, 3, 10), date(2027, 3, 12))
    )
    registrations = RegistrationDesk(desk.service, require_departure_check=require_check)
    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(
        frontdesk_router(
            desk.service,
            desk.folio,
            AuditLog(desk.database, PROPERTY),
            desk.business_day,
            None,
            registrations,
        )
    )
    app.include_router(registration_router(registrations))
    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://desk")
    stay = await client.post(
        "/stays",
        json={
            "reservation_id": "res-1",
            "registration": GUEST,
            "deposit": {"amount": "500.00", "method": "card", "token_reference": "tok_dep_1"},
        },
    )
    assert stay.status_code == 201, stay.text
    return client, stay.json()["stay_id"]


async def test_companions_are_registered_once_each_and_shown_masked(tmp_path) -> None:
    client, stay_id = await desk_api(tmp_path, require_check=False)
    async with aclosing(client):
        first = await client.post(f"/stays/{stay_id}/companions", json=COMPANION)
        again = await client.post(f"/stays/{stay_id}/companions", json=COMPANION)
        own = await client.post(
            f"/stays/{stay_id}/companions", json={**COMPANION, "document": PASSPORT}
        )
        expired = await client.post(
            f"/stays/{stay_id}/companions",
            json={
                **COMPANION,
                "document": {
                    **COMPANION["document"],
                    "number": "E0000001",
                    "expires_on": "2026-01-01",
                },
            },
        )
        listed = (await client.get(f"/stays/{stay_id}/companions")).json()["items"]
    assert first.status_code == 201 and again.json() == first.json()
    assert own.status_code == 409  # the guest's own document is no companion
    assert expired.status_code == 422 and "expired" in expired.text
    assert [c["companion_id"] for c in listed] == [f"{stay_id}-c1"]
    assert listed[0]["document_number_masked"] == "****4321"
    assert "E7654321" not in str(listed)


async def test_guest_details_are_corrected_with_a_reason_and_no_values_kept(tmp_path) -> None:
    client, stay_id = await desk_api(tmp_path, require_check=False)
    async with aclosing(client):
        no_reason = await client.patch(
            f"/stays/{stay_id}/registration", json={"phone": "+86 138 0000 1111"}
        )
        updated = await client.patch(
            f"/stays/{stay_id}/registration",
            json={"phone": "+86 138 0000 1111", "reason": "new number given at the desk"},
        )
        card = (await client.get(f"/stays/{stay_id}/registration")).json()
    assert no_reason.status_code == 422
    assert updated.status_code == 200
    [change] = updated.json()["changes"]
    assert (change["fields"], change["reason"]) == (["phone"], "new number given at the desk")
    assert "0000 1111" not in str(change)
    # the card shows them masked (issue 15); the new number is the one it masks
    assert card["phone"].endswith("1111") and "0000 1111" not in card["phone"]
    assert card["email"].endswith("@example.com") and "mei@" not in card["email"]


async def test_check_out_waits_for_the_document_and_deposit_receipt_check(tmp_path) -> None:
    client, stay_id = await desk_api(tmp_path, require_check=True)
    async with aclosing(client):
        refused = await client.post(f"/stays/{stay_id}/checkout")
        payments = (await client.get(f"/stays/{stay_id}/folio")).json()["payments"]
        [receipt] = [p["payment_id"] for p in payments if p["kind"] == "deposit"]
        wrong_document = await client.post(
            f"/stays/{stay_id}/departure-check",
            json={"document_number": "E9999999", "deposit_receipt": receipt},
        )
        wrong_receipt = await client.post(
            f"/stays/{stay_id}/departure-check",
            json={"document_number": "e123 4567", "deposit_receipt": "nope"},
        )
        still_refused = await client.post(f"/stays/{stay_id}/checkout")
        passed = await client.post(
            f"/stays/{stay_id}/departure-check",
            json={"document_number": "e123 4567", "deposit_receipt": receipt},
        )
        settled = await client.post(f"/stays/{stay_id}/checkout")
        stay = (await client.get(f"/stays/{stay_id}")).json()
    assert refused.status_code == 409 and "departure-check" in refused.text
    assert wrong_document.status_code == 422
    assert "document does not match" in wrong_document.text
    assert "E9999999" not in wrong_document.text  # never echoed
    assert wrong_receipt.status_code == 422 and "deposit receipt" in wrong_receipt.text
    assert still_refused.status_code == 409
    assert passed.status_code == 200
    assert (passed.json()["identity"], passed.json()["deposit_receipt"]) == ("matched", "matched")
    assert settled.status_code == 200, settled.text
    assert stay["status"] == "checked_out"


async def test_without_the_requirement_check_out_goes_as_before(tmp_path) -> None:
    client, stay_id = await desk_api(tmp_path, require_check=False)
    async with aclosing(client):
        settled = await client.post(f"/stays/{stay_id}/checkout")
    assert settled.status_code == 200, settled.text


JPEG = b"\xff\xd8\xff\xe0" + b"\x00\x10JFIF-scan-of-a-passport" * 40


async def test_the_id_scan_is_kept_encrypted_and_shown_only_on_an_audited_reveal(
    tmp_path,
) -> None:
    import base64

    from services.frontdesk.id_scans import IdScans
    from shared.auth import Principal
    from shared.events import GuestAnonymized, GuestAnonymizedPayload

    desk = await build(
        hotel(tmp_path, {"king": 2}), FixedClock(datetime(2027, 3, 10, 8, tzinfo=UTC))
    )
    await desk.projections.reservation_created(
        booking(1, "king", date(2027, 3, 10), date(2027, 3, 12))
    )
    audit = AuditLog(desk.database, PROPERTY)
    registrations = RegistrationDesk(desk.service, require_departure_check=False)
    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(
        frontdesk_router(desk.service, desk.folio, audit, desk.business_day, None, registrations)
    )
    app.include_router(
        registration_router(
            registrations, IdScans(desk.service, desk.database, desk.service.cipher), audit
        )
    )
    desk_1 = Principal("desk-1", frozenset({"frontdesk"}))

    async def as_desk_1(scope, receive, send):  # type: ignore[no-untyped-def]
        # what the service's ApiGuard does for an authenticated call (shared/guard.py)
        scope.setdefault("state", {})["principal"] = desk_1
        await app(scope, receive, send)

    client = httpx.AsyncClient(transport=httpx.ASGITransport(app=as_desk_1), base_url="http://desk")
    async with aclosing(client):
        stay_id = (
            await client.post("/stays", json={"reservation_id": "res-1", "registration": GUEST})
        ).json()["stay_id"]
        upload = {"content_type": "image/jpeg", "data_base64": base64.b64encode(JPEG).decode()}
        kept = await client.put(f"/stays/{stay_id}/id-scan", json=upload)
        not_an_image = await client.put(
            f"/stays/{stay_id}/id-scan",
            json={**upload, "data_base64": base64.b64encode(b"%PDF-1.4 nope").decode()},
        )
        plain = await client.get(f"/stays/{stay_id}/id-scan")
        no_reason = await client.get(f"/stays/{stay_id}/id-scan", params={"reveal": "true"})
        revealed = await client.get(
            f"/stays/{stay_id}/id-scan",
            params={"reveal": "true"},
            headers={"X-Reveal-Reason": "police registration query 2027-031"},
        )
        audit_records = await audit.records(stay_id, 10)
        stored = await desk.database["id_scans"].find_one({"_id": stay_id})
        await desk.projections.guest_anonymized(
            GuestAnonymized.new(
                GuestAnonymizedPayload(
                    guest_id="guest-1", requested_at=datetime(2027, 4, 1, tzinfo=UTC)
                ),
                producer="loyalty",
                property_id=PROPERTY,
            )
        )
        erased = await client.get(f"/stays/{stay_id}/id-scan")
    assert kept.status_code == 200 and kept.json()["size"] == len(JPEG)
    assert not_an_image.status_code == 422
    assert plain.json()["revealed"] is False
    assert set(plain.json()) == {
        "stay_id",
        "content_type",
        "size",
        "taken_by",
        "taken_at",
        "revealed",
    }
    assert no_reason.status_code == 422
    assert revealed.status_code == 200 and revealed.content == JPEG
    assert revealed.headers["content-type"] == "image/jpeg"
    [record] = audit_records
    assert (record["fields"], record["key_id"]) == (["id_scan"], "desk-1")
    assert JPEG not in str(stored).encode() and b"JFIF" not in str(stored).encode()
    assert erased.status_code == 404  # erasure took the scan with the registration
