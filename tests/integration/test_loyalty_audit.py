"""Issue 15: a data subject's export and erasure, and a merge of two profiles, through
loyalty's API are each on record (who, what, whom, why) before the answer leaves, in
process on the embedded store."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from mongomock_motor import AsyncMongoMockClient

from services.loyalty.api import loyalty_router
from services.loyalty.workers import DailyPass
from shared.audit import AuditLog
from shared.auth import Principal, current_principal
from shared.problems import install_problem_handlers
from tests.integration.test_loyalty_care import consenting_guest
from tests.integration.test_loyalty_ledger_service import World

OFFICER = Principal("privacy-officer-1", frozenset({"loyalty"}))


async def test_a_merge_an_export_and_an_erasure_are_each_audited_who_whom_why() -> None:
    world = World()
    await world.repository.prepare()
    await consenting_guest(world, "g-asks")
    await consenting_guest(world, "g-twice")
    app = FastAPI()
    install_problem_handlers(app)
    audit = AuditLog(AsyncMongoMockClient().get_database("audit"), "demo-hotel")
    job = DailyPass(world.service, world.repository, poll_seconds=3600, batch_size=10)
    app.include_router(loyalty_router(world.service, world.profiles, job, audit))
    app.dependency_overrides[current_principal] = lambda: OFFICER
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://loyalty"
    ) as client:
        merged = await client.post(
            "/guests/g-asks/merge", json={"duplicate_guest_id": "g-twice", "reason": "same"}
        )
        exported = await client.get("/guests/g-asks/export")
        erased = await client.post(
            "/guests/g-asks/erasure", json={"reason": "asked by mail to mei@example.com"}
        )
    statuses = (merged.status_code, exported.status_code, erased.status_code)
    assert statuses == (200, 200, 202), (merged.text, erased.text)
    records = await audit.records(subject_id="g-asks")
    assert [(r["action"], r["key_id"], r["subject_type"]) for r in records] == [
        ("merge", "privacy-officer-1", "guest"),
        ("export", "privacy-officer-1", "guest"),
        ("erasure", "privacy-officer-1", "guest"),
    ]
    assert records[0]["details"] == {"duplicate_guest_id": "g-twice"}
    assert records[1]["reason"] == "data subject access"
    assert records[2]["reason"] == "asked by mail to [redacted-email]"
