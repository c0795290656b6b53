"""Issue 12 on the real broker, front desk and housekeeping as processes: check-out asks
housekeeping for the room check and settles with it (the 1,050.00 check that used to give
compensation 0.00); a check that comes after settlement goes on a post-departure invoice."""

from __future__ import annotations

import pytest

from tests.e2e.test_cross_department import walk_in
from tests.support.amqp import wait_for
from tests.support.stack import Stack

pytestmark = pytest.mark.e2e

CHECK = {
    "checked_by": "amy",
    "damages": [{"description": "cracked TV", "amount": "1000.00"}],
    "minibar": [{"description": "water", "quantity": 2, "amount": "50.00"}],
}


def _departure_task(housekeeping, stay_id: str) -> dict | None:
    items = housekeeping.get("/tasks", params={"stay_id": stay_id}).json()["items"]
    return items[0] if items else None


async def test_check_out_waits_for_the_room_check_and_bills_it(stack: Stack) -> None:
    stack.start(
        "housekeeping", "frontdesk", ROOM_CHECK_WAIT_SECONDS="300", ROOM_CHECK_POLL_SECONDS="0.5"
    )
    housekeeping, desk = stack.client("housekeeping"), stack.client("frontdesk")
    stay = desk.post("/walk-ins", json=walk_in(1)).json()
    asked = desk.post(f"/stays/{stay['stay_id']}/checkout-request")
    assert asked.status_code == 202 and asked.json()["status"] == "in_house", asked.text
    task = await wait_for(
        lambda: _departure_task(housekeeping, stay["stay_id"]),
        message="the departure task, before check-out",
    )
    assert task["kind"] == "departure_cleaning"
    assert housekeeping.post(f"/tasks/{task['task_id']}/room-check", json=CHECK).status_code == 201
    closed = await wait_for(
        lambda: (
            (s := desk.get(f"/stays/{stay['stay_id']}").json())["status"] == "checked_out" and s
        ),
        message="settled when the check arrived",
    )
    folio = desk.get(f"/stays/{stay['stay_id']}/folio").json()
    assert (folio["totals"]["compensation"], folio["totals"]["other_charges"]) == (
        "1000.00",
        "50.00",
    )
    assert folio["post_departure_invoices"] == []
    tasks = housekeeping.get("/tasks", params={"stay_id": stay["stay_id"]}).json()["items"]
    assert len(tasks) == 1 and closed["status"] == "checked_out"  # still one departure task


async def test_a_check_after_settlement_goes_on_a_post_departure_invoice(stack: Stack) -> None:
    stack.start(
        "housekeeping", "frontdesk", ROOM_CHECK_WAIT_SECONDS="0", ROOM_CHECK_POLL_SECONDS="0.3"
    )
    housekeeping, desk = stack.client("housekeeping"), stack.client("frontdesk")
    stay = desk.post("/walk-ins", json=walk_in(2)).json()
    assert desk.post(f"/stays/{stay['stay_id']}/checkout-request").status_code == 202
    await wait_for(
        lambda: desk.get(f"/stays/{stay['stay_id']}").json()["status"] == "checked_out",
        message="settled without the check after the wait",
    )
    task = await wait_for(
        lambda: _departure_task(housekeeping, stay["stay_id"]), message="the departure task"
    )
    assert housekeeping.post(f"/tasks/{task['task_id']}/room-check", json=CHECK).status_code == 201
    folio = await wait_for(
        lambda: (
            (f := desk.get(f"/stays/{stay['stay_id']}/folio").json())["post_departure_invoices"]
            and f
        ),
        message="the post-departure invoice",
    )
    [invoice] = folio["post_departure_invoices"]
    assert invoice["total"] == "1050.00" and invoice["check_id"]
    assert folio["totals"]["compensation"] == "0.00"  # the closed folio is not reopened
    print(f"\npost-departure invoice {invoice['invoice_number']}: {invoice['total']}")
