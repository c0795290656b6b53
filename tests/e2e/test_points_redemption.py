"""Issue 18 (seeds 000 二(三), 001 八): points redeemed for a night or a voucher, honoured
by reservation and the folio, over HTTP and the real broker with reservation, front desk
and loyalty as processes.

A guest earns points on a first stay, then redeems a night and a voucher for the next
booking: loyalty debits them, reservation prices the night at 0 and the voucher off what
is left to pay, the desk's folio carries both as payments with points and the balance at
check-out is what the guest still owes. A redemption reservation cannot honour (the same
night twice) comes back to the guest; a cancelled booking gives its points back once.
"""

from __future__ import annotations

from decimal import Decimal

import pytest

from tests.support.stack import Stack, wait_until

pytestmark = pytest.mark.e2e

GUEST = {"first_name": "Wang", "last_name": "Fang", "email": "wang.fang@example.com"}


def booking(arrival: str, departure: str) -> dict:
    return {
        "guest": GUEST,
        "room_type": "king",
        "arrival": arrival,
        "departure": departure,
        "adults": 1,
        "channel": "web",
    }


def balance(loyalty, guest_id: str) -> int:  # type: ignore[no-untyped-def]
    response = loyalty.get(f"/guests/{guest_id}/points")
    return response.json()["balance"] if response.status_code == 200 else 0


def entries(loyalty, guest_id: str, prefix: str) -> list[dict]:  # type: ignore[no-untyped-def]
    ledger = loyalty.get(f"/guests/{guest_id}/points").json()
    return [e for e in ledger["entries"] if e["entry_id"].startswith(prefix)]


def redeem(loyalty, guest_id: str, body: dict):  # type: ignore[no-untyped-def]
    """Loyalty learns the booking from reservation.created: until then the booking is
    unknown to it (404)."""
    return wait_until(
        lambda: (
            r
            if (r := loyalty.post(f"/guests/{guest_id}/redemptions", json=body)).status_code != 404
            else None
        ),
        message="loyalty knows the booking",
    )


async def test_points_pay_a_night_and_a_voucher_once_and_come_back_when_unusable(
    stack: Stack,
) -> None:
    stack.start("reservation", "frontdesk", "loyalty")
    reservation, desk, loyalty = (stack.client(n) for n in ("reservation", "frontdesk", "loyalty"))

    # A first stay earns the points.
    stack.set_hotel_time("2027-03-01", 10)
    first = reservation.post("/reservations", json=booking("2027-03-01", "2027-03-03")).json()
    guest_id = first["guest_id"]
    wait_until(
        lambda: desk.get("/arrivals", params={"date": "2027-03-01"}).json()["total"] == 1,
        message="the first arrival at the desk",
    )
    stay = desk.post("/stays", json={"reservation_id": first["id"]}).json()
    stack.set_hotel_time("2027-03-03", 10)
    assert desk.post(f"/stays/{stay['stay_id']}/checkout").status_code == 200
    earned = wait_until(lambda: balance(loyalty, guest_id), message="points for the first stay")
    assert earned >= 10_000, earned  # two nights of 560.00, 10 points a unit

    # The next booking: a night and a voucher paid with points.
    second = reservation.post("/reservations", json=booking("2027-04-10", "2027-04-13")).json()
    night_rate = Decimal(second["nightly_rates"]["2027-04-11"])
    night = {
        "points": 3_000,
        "kind": "night",
        "request_id": "spring-night",
        "reservation_id": second["id"],
        "night": "2027-04-11",
    }
    voucher = {
        "points": 2_000,
        "kind": "voucher",
        "request_id": "spring-voucher",
        "reservation_id": second["id"],
    }
    assert redeem(loyalty, guest_id, night).status_code == 201
    again = loyalty.post(f"/guests/{guest_id}/redemptions", json=night)  # a client retry
    assert again.status_code == 201 and again.json()["entry_id"] == "redeem|spring-night"
    assert loyalty.post(f"/guests/{guest_id}/redemptions", json=voucher).status_code == 201
    # The same night again under another request: loyalty takes the points, reservation
    # cannot honour it, and the points come back.
    twice = {**night, "request_id": "spring-night-again"}
    refused_later = loyalty.post(f"/guests/{guest_id}/redemptions", json=twice)
    assert refused_later.status_code == 201, (earned, refused_later.text)

    honoured = wait_until(
        lambda: (
            r
            if len((r := reservation.get(f"/reservations/{second['id']}").json())["redemptions"])
            == 2
            else None
        ),
        message="reservation honours the night and the voucher",
    )
    assert Decimal(honoured["points_allowance"]) == night_rate + Decimal("20.00")
    assert Decimal(honoured["total_amount"]) == Decimal(second["total_amount"])  # as booked
    wait_until(
        lambda: entries(loyalty, guest_id, "return|redeem|spring-night-again"),
        message="the refused redemption's points back",
    )

    # The stay: the folio carries the points as payments; the guest pays the rest once.
    stack.set_hotel_time("2027-04-10", 15)
    wait_until(
        lambda: desk.get("/arrivals", params={"date": "2027-04-10"}).json()["total"] == 1,
        message="the second arrival at the desk",
    )
    checked_in = desk.post("/stays", json={"reservation_id": second["id"]})
    assert checked_in.status_code == 201, checked_in.text
    stay_id = checked_in.json()["stay_id"]

    def paid_with_points() -> list[dict]:
        folio = desk.get(f"/stays/{stay_id}/folio").json()
        return [p for p in folio["payments"] if p["method"] == "loyalty_points"]

    # copied at check-in, or posted on arrival of the event if the check-in came first
    with_points = wait_until(
        lambda: paid if len(paid := paid_with_points()) == 2 else None,
        message="both redemptions on the folio",
    )
    assert sorted(Decimal(p["amount"]) for p in with_points) == sorted(
        [night_rate, Decimal("20.00")]
    )
    stack.set_hotel_time("2027-04-13", 10)
    settled = desk.post(f"/stays/{stay_id}/checkout")
    assert settled.status_code == 200, settled.text
    settlement = settled.json()
    due = Decimal(second["total_amount"]) - night_rate - Decimal("20.00")
    assert Decimal(settlement["balance"]) == Decimal(settlement["amount_due"]) == due

    # A third booking paid partly with points, then cancelled: the points come back once.
    third = reservation.post("/reservations", json=booking("2027-05-01", "2027-05-02")).json()
    summer = {
        "points": 2_000,
        "kind": "voucher",
        "request_id": "summer-voucher",
        "reservation_id": third["id"],
    }
    assert redeem(loyalty, guest_id, summer).status_code == 201
    wait_until(
        lambda: reservation.get(f"/reservations/{third['id']}").json()["redemptions"],
        message="the voucher honoured",
    )
    before_cancel = balance(loyalty, guest_id)
    cancelled = reservation.post(f"/reservations/{third['id']}/cancel", json={"reason": "ill"})
    assert cancelled.status_code == 200, cancelled.text
    wait_until(
        lambda: balance(loyalty, guest_id) == before_cancel + 2_000,
        message="the cancelled booking's points back",
    )
    # Redeeming for a cancelled booking is refused at loyalty.
    late = {**summer, "request_id": "summer-late"}
    assert loyalty.post(f"/guests/{guest_id}/redemptions", json=late).status_code == 409

    await stack.wait_quiet()
    returned = entries(loyalty, guest_id, "return|")
    assert sorted(e["entry_id"] for e in returned) == [
        "return|redeem|spring-night-again",
        "return|redeem|summer-voucher",
    ]
    assert [e["points"] for e in entries(loyalty, guest_id, "redeem|")] == [
        -3_000,
        -2_000,
        -3_000,
        -2_000,
    ]
    ledger = loyalty.get(f"/guests/{guest_id}/points").json()
    assert ledger["balance"] == sum(e["points"] for e in ledger["entries"])
    assert len(reservation.get(f"/reservations/{second['id']}").json()["redemptions"]) == 2
