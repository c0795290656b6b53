"""Issue 15: a data subject's export and erasure through loyalty's API are each on
record (who, what, whom, why) before the answer leaves, in process on the embedded store."""

from __future__ import annotations

import httpx
from fastapi import FastAPI
from mongomock_motor import AsyncMongoMockClient

from services.loyalty.api import loyalty_router
from services.loyalty.jobs import DailyPass
from shared.audit import AuditLog
from shared.auth import Principal, current_principal
from shared.problems import install_problem_handlers
from tests.integration.test_loyalty_care import consenting_guest
from tests.integration.test_loyalty_ledger_service import World

OFFICER = Principal("privacy-officer-1", frozenset({"loyalty"}))


async def test_an_export_and_an_erasure_each_leave_an_audit_record_of_who_whom_and_why() -> None:
    world = World()
    await world.repository.prepare()
    await consenting_guest(world, "g-asks")
    app = FastAPI()
    install_problem_handlers(app)
    audit = AuditLog(AsyncMongoMockClient().get_database("audit"), "demo-hotel")
    job = DailyPass(world.service, world.repository, poll_seconds=3600, batch_size=10)
    app.include_router(loyalty_router(world.service, world.profiles, job, audit))
    app.dependency_overrides[current_principal] = lambda: OFFICER
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://loyalty"
    ) as client:
        exported = await client.get("/guests/g-asks/export")
        erased = await client.post(
            "/guests/g-asks/erasure", json={"reason": "asked by mail to mei@example.com"}
        )
    assert (exported.status_code, erased.status_code) == (200, 202), erased.text
    records = await audit.records(subject_id="g-asks")
    assert [(r["action"], r["key_id"], r["subject_type"]) for r in records] == [
        ("export", "privacy-officer-1", "guest"),
        ("erasure", "privacy-officer-1", "guest"),
    ]
    assert records[0]["reason"] == "data subject access"
    assert records[1]["reason"] == "asked by mail to [redacted-email]"
