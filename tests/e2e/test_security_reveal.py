"""Reveals of an ID number on the running front desk: masked by default, in clear only for
the front desk and the manager with a reason, and every reveal in the audit log."""

from __future__ import annotations

from datetime import datetime, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import pytest

from tests.integration.frontdesk_harness import property_file
from tests.support.stack import Stack

pytestmark = pytest.mark.e2e

ID_NUMBER = "11010519491231002X"  # a valid PRC resident ID (check character X)
REVEALS = 100
REASON = "guest asked for a fapiao in their name"


def test_100_reveals_of_an_id_number_make_100_audit_records(stack: Stack, tmp_path: Path) -> None:
    stack.start(
        "frontdesk",
        PROPERTY_FILE=str(property_file(tmp_path, {"king": 2})),
        NIGHT_AUDIT_ENABLED="false",
    )
    desk = stack.client("frontdesk", scope="frontdesk")
    tomorrow = datetime.now(ZoneInfo("Asia/Shanghai")).date() + timedelta(days=1)
    walked_in = desk.post(
        "/walk-ins",
        json={
            "room_type": "king",
            "adults": 1,
            "departure": tomorrow.isoformat(),
            "registration": {
                "first_name": "Wei",
                "last_name": "Zhang",
                "gender": "male",
                "nationality": "CN",
                "document": {"type": "cn_resident_id", "number": ID_NUMBER},
            },
        },
    )
    assert walked_in.status_code == 201, walked_in.text
    stay_id = walked_in.json()["stay_id"]
    card_url = f"/stays/{stay_id}/registration"

    masked = desk.get(card_url)
    assert masked.status_code == 200, masked.text
    assert masked.json()["revealed"] is False
    assert masked.json()["document_number"] == "**************002X"
    assert ID_NUMBER not in masked.text and ID_NUMBER not in desk.get(f"/stays/{stay_id}").text

    # Refused reveals: wrong department (by the gate, and by the reveal itself), no reason.
    refused = {
        "housekeeping": (
            stack.client("frontdesk", scope="housekeeping").get(
                card_url, params={"reveal": "true"}, headers={"X-Reveal-Reason": REASON}
            ),
            403,
        ),
        "reservations": (
            stack.client("frontdesk", scope="reservations").get(
                card_url, params={"reveal": "true"}, headers={"X-Reveal-Reason": REASON}
            ),
            403,
        ),
        "no reason": (desk.get(card_url, params={"reveal": "true"}), 422),
        "an empty reason": (
            desk.get(card_url, params={"reveal": "true"}, headers={"X-Reveal-Reason": ""}),
            422,
        ),
    }
    for what, (response, status) in refused.items():
        assert response.status_code == status, (what, response.text)
        assert response.headers["content-type"] == "application/problem+json"
        assert ID_NUMBER not in response.text

    revealed = [
        desk.get(card_url, params={"reveal": "true"}, headers={"X-Reveal-Reason": f"{REASON} #{n}"})
        for n in range(REVEALS - 1)
    ]
    revealed.append(
        stack.client("frontdesk", scope="manager").get(
            card_url, params={"reveal": "true"}, headers={"X-Reveal-Reason": "data subject request"}
        )
    )
    assert [r.status_code for r in revealed] == [200] * REVEALS
    assert {r.json()["document_number"] for r in revealed} == {ID_NUMBER}
    assert all(r.json()["revealed"] for r in revealed)

    log = stack.client("frontdesk", scope="manager").get(
        "/audit-log", params={"subject_id": stay_id, "limit": 500}
    )
    assert log.status_code == 200, log.text
    records = log.json()["items"]
    assert len(records) == REVEALS
    assert desk.get("/audit-log").status_code == 403  # the log is the manager's to read
    # Who, what, when, why: each record complete, each reason its own.
    assert sorted(r["key_id"] for r in records) == (
        ["test-frontdesk"] * (REVEALS - 1) + ["test-manager"]
    )
    assert {
        (r["action"], r["subject_type"], r["subject_id"], tuple(r["fields"])) for r in records
    } == {("reveal", "stay", stay_id, ("document_number",))}
    assert all(datetime.fromisoformat(r["at"]).tzinfo is not None for r in records)
    assert sorted(r["reason"] for r in records) == sorted(
        [f"{REASON} #{n}" for n in range(REVEALS - 1)] + ["data subject request"]
    )
    assert ID_NUMBER not in log.text and ID_NUMBER not in stack.logs()
    print(
        f"\n{REVEALS} reveals of an ID number -> {len(records)} audit records; refused "
        + ", ".join(f"{what} -> {status}" for what, (_, status) in refused.items())
        + " -> 0 records"
    )
