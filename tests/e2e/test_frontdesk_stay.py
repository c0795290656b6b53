"""A whole stay at the desk, the front desk service as a process on the real broker:
recognised at check-in, registered with an ID checked and encrypted, a folio with
minibar, room service and a damage reported by housekeeping, settled to the cent with
the deposit refunded; then erasure. And nowhere an ID number in clear."""

from __future__ import annotations

from datetime import UTC, date, datetime
from decimal import Decimal

import pytest

from shared.events import (
    CaseOpened,
    CaseOpenedPayload,
    GuestAnonymized,
    GuestAnonymizedPayload,
    GuestCreated,
    GuestProfilePayload,
    ItemCharge,
    RoomItemCheckReported,
    RoomItemCheckReportedPayload,
)
from tests.integration.frontdesk_harness import PROPERTY, booking
from tests.support.amqp import EventTap, publish_events, wait_for
from tests.support.bookings import MEI_CHEN
from tests.support.stack import Stack

pytestmark = pytest.mark.e2e

ID_NUMBER = "440524198001010013"  # a valid GB 11643 number
PASSPORT = "E98765432"
CARD_TOKEN = "pm_tok_8f3a9c2e71d4"
ARRIVAL, DEPARTURE = date(2027, 3, 10), date(2027, 3, 13)


def registration(number: str = ID_NUMBER, kind: str = "cn_resident_id", **document) -> dict:
    return {
        **MEI_CHEN,
        "gender": "female",
        "nationality": "CN",
        "document": {"type": kind, "number": number, **document},
    }


def sent(tap: EventTap, event_type: str) -> list[dict]:
    return tap.bodies(event_type)


async def test_a_full_stay_settles_to_the_cent_and_no_id_number_is_ever_in_clear(
    stack: Stack, amqp_url: str
) -> None:
    stack.start("frontdesk")
    stack.set_hotel_time("2027-03-10", 15)  # the arrival date at the hotel
    desk = stack.client("frontdesk")
    async with EventTap(amqp_url, ["#"]) as tap:
        reservation = booking(
            1, "deluxe", ARRIVAL, DEPARTURE, rate="880.10", special_requests=["sea view"]
        )
        other = booking(2, "king", ARRIVAL, DEPARTURE)
        profile = GuestCreated.new(
            GuestProfilePayload(
                guest_id="guest-1",
                first_name="Mei",
                last_name="Chen",
                tier="gold",
                member_number="M0001",
                preferences={"pillow": ["soft"]},
            ),
            producer="loyalty",
            property_id=PROPERTY,
        )
        await publish_events(amqp_url, [reservation, other, profile], copies=2)
        await wait_for(
            lambda: desk.get("/arrivals", params={"date": "2027-03-10"}).json()["total"] == 2,
            message="both arrivals on the list",
        )

        # Bad input: refused with a clear 4xx, nothing written.
        bad = desk.post(
            "/stays",
            json={"reservation_id": "res-1", "registration": registration("440524198001010012")},
        )
        assert bad.status_code == 422 and "check digit" in bad.json()["detail"], bad.text
        assert ID_NUMBER[:-1] not in bad.text
        expired = desk.post(
            "/stays",
            json={
                "reservation_id": "res-2",
                "registration": registration(PASSPORT, "passport", expires_on="2027-03-11"),
            },
        )
        assert expired.status_code == 422 and "expires before" in expired.json()["detail"]
        assert desk.get("/in-house", params={"date": "2027-03-10"}).json()["total"] == 0
        assert desk.post("/stays/nope/checkout").status_code == 404

        checked_in = desk.post(
            "/stays",
            json={
                "reservation_id": "res-1",
                "registration": registration(),
                "agent": "desk-li",
                "deposit": {"amount": "5000.00", "method": "card", "token_reference": CARD_TOKEN},
            },
        )
        assert checked_in.status_code == 201, checked_in.text
        stay = checked_in.json()
        stay_id = stay["stay_id"]
        assert stay["registration"]["document_number_masked"] == "*" * 14 + "0013"
        assert "document_number_encrypted" not in stay["registration"]
        assert stay["recognition"]["greeting"] == "Welcome, Mei Chen, gold member"  # first stay
        assert stay["recognition"]["preferences"] == {"pillow": ["soft"]}
        assert stay["assignment"]["rule"] == "guest_requests"
        assert "guest_requests" in stay["assignment"]["explanation"]
        notice = stay["notice"]
        assert (notice["room_number"], notice["orientation"], notice["bed"], notice["floor"]) == (
            stay["room_number"],
            "sea",
            "king",
            8,
        )
        twice = desk.post(
            "/stays", json={"reservation_id": "res-1", "registration": registration()}
        )
        # A repeated check-in (its answer lost) answers with the same stay, no second one.
        assert twice.status_code == 201 and twice.json()["stay_id"] == stay_id

        # The folio: outlets (one ticket posted twice is one charge), the night audit once.
        minibar = {
            "category": "minibar",
            "amount": "45.50",
            "description": "two beers",
            "reference": "MB-7",
        }
        assert desk.post(f"/stays/{stay_id}/charges", json=minibar).status_code == 201
        assert desk.post(f"/stays/{stay_id}/charges", json=minibar).status_code == 201
        assert (
            desk.post(
                f"/stays/{stay_id}/charges",
                json={
                    "category": "room_service",
                    "amount": "128.33",
                    "description": "dinner",
                    "reference": "RS-3",
                },
            ).status_code
            == 201
        )
        assert desk.post("/night-audit", json={"night": "2027-03-10"}).json()["posted"] == 1
        assert desk.post("/night-audit", json={"night": "2027-03-10"}).json()["posted"] == 0

        # Guest relations flags the stay; the desk takes a request and a complaint.
        case = CaseOpened.new(
            CaseOpenedPayload(
                case_id="case-1",
                guest_id="guest-1",
                stay_id=stay_id,
                category="noise",
                severity="medium",
                source="phone",
                owner="gr-wang",
                due_at=datetime(2027, 3, 12, tzinfo=UTC),
                in_house=True,
            ),
            producer="feedback",
            property_id=PROPERTY,
        )
        check = RoomItemCheckReported.new(
            RoomItemCheckReportedPayload(
                check_id="check-1",
                stay_id=stay_id,
                room_number=stay["room_number"],
                damages=[ItemCharge(description="broken glass", amount=Decimal("200.00"))],
                minibar=[ItemCharge(description="water", quantity=2, amount=Decimal("12.00"))],
            ),
            producer="housekeeping",
            property_id=PROPERTY,
        )
        await publish_events(amqp_url, [case, check], copies=2)
        assert (
            desk.post(
                f"/stays/{stay_id}/requests",
                json={"kind": "amenities", "details": "extra towels", "taken_by": "desk-li"},
            ).status_code
            == 201
        )
        assert (
            desk.post(
                f"/stays/{stay_id}/complaints",
                json={
                    "category": "noise",
                    "severity": "medium",
                    "description": "noisy corridor",
                    "taken_by": "desk-li",
                },
            ).status_code
            == 201
        )

        def departing() -> list[dict]:
            return desk.get("/departures", params={"date": "2027-03-13"}).json()["items"]

        await wait_for(lambda: departing() and departing()[0]["alerts"], message="the alert")
        await wait_for(
            lambda: len(desk.get(f"/stays/{stay_id}/folio").json()["charges"]) == 5,
            message="the room check on the folio",
        )
        await stack.wait_quiet()  # a duplicate of the check would have been handled
        folio = desk.get(f"/stays/{stay_id}/folio").json()
        assert sorted(c["category"] for c in folio["charges"]) == [
            "damage",
            "minibar",
            "minibar",
            "room",
            "room_service",
        ]
        assert folio["payments"][0]["token_reference"].endswith(CARD_TOKEN[-4:])
        assert CARD_TOKEN not in str(folio)

        stack.set_hotel_time("2027-03-13", 11)  # the departure day, before the standard hour
        settled = desk.post(f"/stays/{stay_id}/checkout")
        assert settled.status_code == 200, settled.text
        settlement = settled.json()
        # 3 x 880.10 + (45.50 + 128.33 + 12.00) + 200.00 - 5000.00 = -1973.87: refunded
        assert (
            settlement["nights"],
            settlement["room_charges"],
            settlement["other_charges"],
            settlement["compensation"],
            settlement["deposit"],
            settlement["balance"],
            settlement["refund"],
            settlement["amount_due"],
        ) == (3, "2640.30", "185.83", "200.00", "5000.00", "-1973.87", "1973.87", "0.00")
        assert settlement["invoice_number"].startswith("DEMO-HOTEL-")
        assert settlement["item_checks"] == ["check-1"]
        # A repeated check-out (its answer lost) answers with the same settlement.
        again = desk.post(f"/stays/{stay_id}/checkout")
        assert again.status_code == 200 and again.json() == settled.json()
        assert desk.post(f"/stays/{stay_id}/charges", json=minibar).status_code == 409

        await wait_for(lambda: sent(tap, "stay.checked_out"), message="stay.checked_out")
        await stack.wait_quiet()
        (closed,) = sent(tap, "folio.closed")
        assert (closed["payload"]["balance"], closed["payload"]["invoice_number"]) == (
            "-1973.87",
            settlement["invoice_number"],
        )
        payments = sorted(
            (p["payload"]["kind"], p["payload"]["amount"])
            for p in sent(tap, "folio.payment_posted")
        )
        assert payments == [("deposit", "5000.00"), ("refund", "1973.87")]
        charges = [p["payload"]["category"] for p in sent(tap, "folio.charge_posted")]
        assert sorted(charges) == [
            "damage",
            "minibar",
            "minibar",
            "room",
            "room",
            "room",
            "room_service",
        ]
        (checked_out,) = sent(tap, "stay.checked_out")
        assert checked_out["payload"]["room_revenue"] == "2640.30"
        assert [m.type for m in tap.received].index("folio.closed") < [
            m.type for m in tap.received
        ].index("stay.checked_out")
        assert len(sent(tap, "stay.checked_in")) == 1
        assert sent(tap, "room.assigned")[0]["payload"]["rule"] == "guest_requests"
        # Taken by the signed-in credential, not the "desk-li" the body names (issue 15).
        assert sent(tap, "guest.request_raised")[0]["payload"]["taken_by"] == "test-manager"
        assert sent(tap, "complaint.raised")[0]["payload"]["taken_by"] == "test-manager"

        # Erasure: the registration goes, the invoice keeps its number and amounts.
        await publish_events(
            amqp_url,
            [
                GuestAnonymized.new(
                    GuestAnonymizedPayload(guest_id="guest-1", requested_at=datetime.now(UTC)),
                    producer="loyalty",
                    property_id=PROPERTY,
                )
            ],
        )
        await wait_for(
            lambda: desk.get(f"/stays/{stay_id}").json()["registration"] is None,
            message="the registration erased",
        )
        assert desk.get(f"/stays/{stay_id}").json()["recognition"] is None
        after = desk.get("/departures", params={"date": "2027-03-13"}).json()["items"][0]
        assert (after["guest_name"], after["invoice_number"]) == (
            "[erased]",
            settlement["invoice_number"],
        )
        events = [m.body for m in tap.received]

    # Nowhere in clear: the store's journal, the service log, any event.
    store = b"".join(
        path.read_bytes() for path in (stack.work_dir / "store").rglob("*") if path.is_file()
    )
    log = (stack.work_dir / "frontdesk.log").read_bytes()
    assert len(store) > 0 and len(log) > 0 and len(events) > 10
    for secret in (ID_NUMBER, PASSPORT, CARD_TOKEN):
        where = {
            "store": secret.encode() in store,
            "log": secret.encode() in log,
            "events": any(secret.encode() in body for body in events),
        }
        print(f"\n{secret[:3]}...: in clear in {where}")
        assert where == {"store": False, "log": False, "events": False}, secret
