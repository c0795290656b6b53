"""Reveals of personal data: only for the scopes that need them, with a reason, each one
audited, on a small app built the way every service is (embedded store, in process)."""

from __future__ import annotations

import json

import httpx
import pytest
from fastapi import APIRouter, Depends

from shared.audit import RevealRequest, reveal_for
from shared.auth import AccessPolicy, KeyRing, new_credential
from shared.crypto import mask
from shared.runtime import ServiceRuntime, create_service_app
from shared.settings import ServiceSettings

ID_NUMBER = "11010519491231002X"


@pytest.fixture
async def service():
    keys, credentials = {}, {}
    for key_id, scope in (("desk", "frontdesk"), ("hk", "housekeeping"), ("boss", "manager")):
        credential, digest = new_credential(key_id)
        credentials[key_id] = credential
        keys[key_id] = {"secret_sha256": digest, "scopes": [scope]}
    settings = ServiceSettings(
        service_name="reservation",
        http_port=1,
        mongodb_database=f"audit_{id(keys)}",
        rate_limit_burst=1000,
    )
    runtime = ServiceRuntime(settings, outbox_collections=())
    runtime.api_keys = KeyRing.from_json(json.dumps(keys))
    runtime.access_policy = AccessPolicy(
        [("GET", "/stays/*/identity", ["frontdesk", "housekeeping"])]
    )
    router = APIRouter()
    reveal_id = reveal_for("frontdesk")

    @router.get("/stays/{stay_id}/identity")
    async def identity(stay_id: str, reveal: RevealRequest | None = Depends(reveal_id)) -> dict:
        if reveal is None:
            return {"id_number": mask(ID_NUMBER)}
        await runtime.audit.record_reveal(
            reveal, subject_type="stay", subject_id=stay_id, fields=["id_number"]
        )
        return {"id_number": ID_NUMBER}

    async def nothing() -> None:
        return None

    app = create_service_app(runtime, title="t", routers=[router], prepare_database=nothing)
    await runtime.audit.prepare()
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://t"
    ) as client:
        yield client, credentials, runtime.audit


def auth(credentials: dict, key: str, reason: str | None = None) -> dict:
    headers = {"authorization": f"Bearer {credentials[key]}"}
    if reason is not None:
        headers["x-reveal-reason"] = reason
    return headers


async def test_personal_data_is_masked_unless_revealed(service) -> None:
    client, credentials, audit = service
    response = await client.get("/stays/s1/identity", headers=auth(credentials, "hk"))
    assert response.json() == {"id_number": "**************002X"}
    assert await audit.records() == []


async def test_100_reveals_make_100_audit_records_of_who_what_when_why(service) -> None:
    client, credentials, audit = service
    for n in range(100):
        response = await client.get(
            f"/stays/s{n}/identity",
            params={"reveal": "true"},
            headers=auth(credentials, "desk", "guest asked for invoice"),
        )
        assert response.json() == {"id_number": ID_NUMBER}
    records = await audit.records(limit=1000)
    assert len(records) == 100
    print(f"\n100 reveals -> {len(records)} audit records")
    assert {r["subject_id"] for r in records} == {f"s{n}" for n in range(100)}
    first = records[0]
    assert first["key_id"] == "desk" and first["scopes"] == ["frontdesk"]
    assert first["fields"] == ["id_number"] and first["reason"] == "guest asked for invoice"
    assert first["action"] == "reveal" and first["at"] and first["correlation_id"]
    assert ID_NUMBER not in json.dumps(records, default=str)


async def test_a_scope_that_does_not_need_it_cannot_reveal_even_a_manager(service) -> None:
    client, credentials, audit = service
    for key in ("hk", "boss"):
        response = await client.get(
            "/stays/s1/identity",
            params={"reveal": "true"},
            headers=auth(credentials, key, "curious"),
        )
        assert response.status_code == 403, key
        assert ID_NUMBER not in response.text
    assert await audit.records() == []


async def test_a_reveal_without_a_reason_is_refused(service) -> None:
    client, credentials, audit = service
    for reason in (None, "  "):
        response = await client.get(
            "/stays/s1/identity",
            params={"reveal": "true"},
            headers=auth(credentials, "desk", reason),
        )
        assert response.status_code == 422
    assert await audit.records() == []


async def test_personal_data_in_a_reason_is_masked_in_the_audit_log(service) -> None:
    client, credentials, audit = service
    await client.get(
        "/stays/s1/identity",
        params={"reveal": "true"},
        headers=auth(credentials, "desk", "call +86 138 0013 8000 or li@example.com"),
    )
    [record] = await audit.records()
    assert "138" not in record["reason"] and "li@example.com" not in record["reason"]
