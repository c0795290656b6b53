"""Every channel into the reservation service as a real process on the real broker: the
integrators' command queue with its reports, Idempotency-Key on HTTP, bad input, and
the events amendments, cancellations and erasure publish."""

from __future__ import annotations

import asyncio
import json
import uuid
from datetime import UTC, datetime
from typing import Any

import aio_pika
import httpx
import pytest

from scripts.broker_users import url_as
from shared.broker_identity import integrator_login
from shared.events import GuestAnonymized, GuestAnonymizedPayload
from shared.topology import COMMANDS_EXCHANGE, REPORTS_EXCHANGE
from tests.support.amqp import EventTap, publish_events, wait_for
from tests.support.bookings import web_booking
from tests.support.stack import Stack

pytestmark = pytest.mark.e2e

BOOKING = web_booking()


class ReportTap:
    """A queue of the test's own on `hotel.reports`: the answers integrators get."""

    def __init__(self, url: str, routing_key: str = "reservation.report.#") -> None:
        self.url = url
        self.routing_key = routing_key
        self.received: list[dict[str, Any]] = []

    async def __aenter__(self) -> ReportTap:
        self._connection = await aio_pika.connect_robust(self.url)
        channel = await self._connection.channel()
        exchange = await channel.get_exchange(REPORTS_EXCHANGE)
        queue = await channel.declare_queue(exclusive=True)
        await queue.bind(exchange, routing_key=self.routing_key)
        await queue.consume(self._on_message, no_ack=True)
        return self

    async def _on_message(self, message: aio_pika.abc.AbstractIncomingMessage) -> None:
        self.received.append({**json.loads(message.body), "_routing_key": message.routing_key})

    async def __aexit__(self, *exc: object) -> None:
        await self._connection.close()

    def for_command(self, command_id: str) -> list[dict[str, Any]]:
        return [r for r in self.received if r["command_id"] == command_id]


def command(
    kind: str, reference: str, payload: dict[str, Any], channel: str = "booking-com"
) -> dict[str, Any]:
    return {
        "command_id": str(uuid.uuid4()),
        "type": f"reservation.{kind}",
        "channel": channel,
        "source_reference": reference,
        "property_id": "demo-hotel",
        "sent_at": datetime.now(UTC).isoformat(),
        "payload": payload,
    }


async def send(url: str, body: dict[str, Any], copies: int = 1) -> None:
    """As the channel's integrator does: under its own broker login, user_id set."""
    login = integrator_login(body["channel"])
    async with await aio_pika.connect_robust(url_as(url, login)) as connection:
        channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
        exchange = await channel.get_exchange(COMMANDS_EXCHANGE)
        for _ in range(copies):
            await exchange.publish(
                aio_pika.Message(
                    json.dumps(body).encode(),
                    message_id=body["command_id"],
                    content_type="application/json",
                    user_id=login,
                    delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                ),
                routing_key=body["type"],
                mandatory=True,
            )


def ota_booking(**changes: Any) -> dict[str, Any]:
    return {
        "guest": {"first_name": "Lars", "last_name": "Berg", "email": "lars@example.com"},
        "room_type": "king",
        "arrival": "2027-04-01",
        "departure": "2027-04-03",
        "adults": 2,
        "payment": {"method": "virtual_card", "token": "vcc_tok_998877"},
        "special_requests": ["quiet", "bed: king"],
        **changes,
    }


def total(client: httpx.Client, **params: Any) -> int:
    return client.get("/reservations", params={"limit": 1, **params}).json()["total"]


async def test_the_same_ota_message_three_times_books_once_and_is_answered_each_time(
    stack: Stack, amqp_url: str
) -> None:
    stack.start("reservation")
    client = stack.client("reservation")
    async with (
        ReportTap(amqp_url) as reports,
        EventTap(
            amqp_url, ["reservation.created", "reservation.amended", "reservation.cancelled"]
        ) as events,
    ):
        create = command("create", "BDC-1001", ota_booking())
        await send(amqp_url, create, copies=3)
        await wait_for(
            lambda: len(reports.for_command(create["command_id"])) >= 3, message="three reports"
        )
        answers = reports.for_command(create["command_id"])
        assert {
            (a["status"], a["report_id"], a["confirmation_number"], a["reservation_id"])
            for a in answers
        } == {
            (
                "accepted",
                answers[0]["report_id"],
                answers[0]["confirmation_number"],
                answers[0]["reservation_id"],
            )
        }
        assert answers[0]["_routing_key"] == "reservation.report.booking-com"

        # The same channel reference in a new message: the same booking, answered again.
        again = command("create", "BDC-1001", ota_booking())
        await send(amqp_url, again)
        await wait_for(
            lambda: reports.for_command(again["command_id"]), message="the repeat's report"
        )
        assert (
            reports.for_command(again["command_id"])[0]["reservation_id"]
            == answers[0]["reservation_id"]
        )

        # Rejections: answered with the reason, nothing booked.
        unknown = command("create", "BDC-1002", ota_booking(room_type="penthouse"))
        nobody = command("create", "BDC-1003", ota_booking(adults=0))
        stranger = command("amend", "BDC-404", {"departure": "2027-04-05"})
        for rejected in (unknown, nobody, stranger):
            await send(amqp_url, rejected)
        for rejected, reason in (
            (unknown, "unknown room type"),
            (nobody, "adults"),
            (stranger, "no reservation"),
        ):
            await wait_for(lambda r=rejected: reports.for_command(r["command_id"]), message=reason)
            (answer,) = reports.for_command(rejected["command_id"])
            assert answer["status"] == "rejected" and reason in answer["reason"], answer

        assert total(client, channel="ota") == 1
        booked = client.get(f"/reservations/{answers[0]['reservation_id']}").json()
        assert booked["source_reference"] == "BDC-1001" and booked["channel_name"] == "booking-com"
        assert booked["payment"] == {"method": "virtual_card", "token_masked": "**********8877"}
        assert [r["kind"] for r in booked["special_requests"]] == ["quiet", "bed"]

        # Amend and cancel by the channel's reference; a repeated cancel gets the same answer.
        amend = command("amend", "BDC-1001", {"departure": "2027-04-04"})
        await send(amqp_url, amend, copies=2)
        await wait_for(lambda: len(reports.for_command(amend["command_id"])) >= 2, message="amend")
        cancel = command("cancel", "BDC-1001", {"reason": "guest changed plans"})
        await send(amqp_url, cancel, copies=2)
        await wait_for(
            lambda: len(reports.for_command(cancel["command_id"])) >= 2, message="cancel"
        )
        assert {
            a["status"]
            for a in reports.for_command(amend["command_id"])
            + reports.for_command(cancel["command_id"])
        } == {"accepted"}, [
            (a["command_type"], a.get("reason"))
            for a in reports.for_command(amend["command_id"])
            + reports.for_command(cancel["command_id"])
        ]
        await stack.wait_quiet()  # any duplicate would have had its effect

        assert len(events.bodies("reservation.created")) == 1
        (amended,) = events.bodies("reservation.amended")
        assert {"field": "departure", "old": "2027-04-03", "new": "2027-04-04"} in amended[
            "payload"
        ]["changes"]
        (cancelled,) = events.bodies("reservation.cancelled")
        assert cancelled["payload"]["old_status"] == "confirmed"
        assert "vcc_tok" not in json.dumps(events.bodies()) + json.dumps(reports.received)
        assert "vcc_tok" not in stack.logs()
    assert (
        client.get(f"/reservations/{answers[0]['reservation_id']}").json()["status"] == "cancelled"
    )
    print(
        f"\nOTA: 1 message x3 + 1 repeat -> {total(client, channel='ota')} reservation, "
        f"{len(answers)} + 1 accepted reports; 3 rejected; amend x2 and cancel x2 -> "
        f"{len(events.bodies('reservation.amended'))} amended, "
        f"{len(events.bodies('reservation.cancelled'))} cancelled"
    )


async def test_the_same_idempotency_key_posted_10_times_books_once(
    stack: Stack, amqp_url: str
) -> None:
    stack.start("reservation")
    async with EventTap(amqp_url, ["reservation.created"]) as events:
        async with stack.async_client("reservation") as http:
            headers = {"Idempotency-Key": "web-checkout-7f3a9c"}
            responses = await asyncio.gather(
                *(http.post("/reservations", json=BOOKING, headers=headers) for _ in range(10))
            )
            assert [r.status_code for r in responses] == [201] * 10, [r.text for r in responses]
            assert len({r.json()["id"] for r in responses}) == 1
            assert (
                sorted(r.headers["Idempotent-Replayed"] for r in responses)
                == ["false"] + ["true"] * 9
            )

            other = await http.post("/reservations", json={**BOOKING, "adults": 1}, headers=headers)
            assert other.status_code == 422
            assert other.headers["content-type"] == "application/problem+json"
            assert "different request" in other.json()["detail"]
        await stack.wait_quiet()
        assert len(events.bodies("reservation.created")) == 1
    client = stack.client("reservation")
    assert total(client) == 1
    print(
        f"\nIdempotency-Key: 10 concurrent posts -> {total(client)} reservation, "
        f"{len(events.bodies('reservation.created'))} reservation.created"
    )


async def test_bad_input_is_refused_with_problem_details_and_nothing_is_written(
    stack: Stack, amqp_url: str
) -> None:
    stack.start("reservation")
    client = stack.client("reservation")
    window = {"arrival": "2027-05-01", "departure": "2027-05-03"}
    before = client.get("/availability", params=window).json()
    cases = {
        "departure before arrival": (
            {**BOOKING, "arrival": "2027-05-03", "departure": "2027-05-01"},
            "departure must be after arrival",
        ),
        "unknown room type": ({**BOOKING, **window, "room_type": "penthouse"}, "unknown room type"),
        "no adults": ({**BOOKING, **window, "adults": 0}, "adults"),
        "400 nights": (
            {**BOOKING, "arrival": "2027-05-01", "departure": "2028-06-04"},
            "at most 60 nights",
        ),
        "unknown field": ({**BOOKING, **window, "discount": "100%"}, "discount"),
        "card number": (
            {**BOOKING, **window, "payment": {"method": "card", "token": "4111 1111 1111 1111"}},
            "card number",
        ),
        "unknown request kind": ({**BOOKING, **window, "special_requests": ["jacuzzi"]}, "kind"),
        "too many guests": ({**BOOKING, **window, "adults": 3, "children": 2}, "sleep at most"),
        "arrival in the past": (
            {**BOOKING, "arrival": "2020-01-01", "departure": "2020-01-02"},
            "past",
        ),
    }
    async with EventTap(amqp_url, ["reservation.*", "availability.changed"]) as events:
        for case, (body, message) in cases.items():
            response = client.post(
                "/reservations",
                json=body,
                headers={"Idempotency-Key": f"bad-{case[:20]}".replace(" ", "-")},
            )
            assert response.status_code == 422, (case, response.text)
            assert response.headers["content-type"] == "application/problem+json", case
            assert message in response.json()["detail"], (case, response.json()["detail"])
        assert client.get("/reservations", params={"page": 2}).status_code == 422
        assert client.get("/reservations", params={"limit": 1000}).status_code == 422
        assert (
            client.patch("/reservations/nope", json={"adults": 1, "reason": "x" * 3}).status_code
            == 404
        )
        assert client.post("/reservations/nope/cancel").status_code == 404
        await stack.wait_quiet()
        assert events.received == []
    assert client.get("/availability", params=window).json() == before
    assert total(client) == 0
    print(f"\nbad input: {len(cases)} bodies -> 422 problem+json each, 0 reservations, 0 events")


async def test_amend_cancel_and_erasure_over_http_and_the_broker(
    stack: Stack, amqp_url: str
) -> None:
    stack.start("reservation")
    client = stack.client("reservation")
    async with EventTap(amqp_url, ["reservation.*", "availability.changed"]) as events:
        booked = client.post(
            "/reservations",
            json={
                **BOOKING,
                "room_count": 2,
                "adults": 3,
                "children": 1,
                "booker": {"first_name": "Ann", "last_name": "Assistant", "company": "Acme"},
                "additional_guests": [{"first_name": "Bo", "last_name": "Chen"}],
                "special_requests": [
                    {"kind": "celebration", "detail": "anniversary"},
                    "non_smoking",
                ],
            },
        ).json()
        assert booked["total_amount"] == "5280.00"  # 2 deluxe x 3 nights x 880.00
        amended = client.patch(
            f"/reservations/{booked['id']}",
            json={
                "departure": "2027-03-12",
                "room_count": 1,
                "adults": 2,
                "children": 0,
                "reason": "one room fewer: a colleague cancelled",
            },
        )
        assert amended.status_code == 200, amended.text
        assert amended.json()["total_amount"] == "1760.00"
        left = client.get(
            "/availability", params={"arrival": "2027-03-10", "departure": "2027-03-13"}
        ).json()
        deluxe_rooms = client.get("/room-types/deluxe").json()["rooms"]
        assert left["room_types"]["deluxe"]["nights"] == {
            "2027-03-10": deluxe_rooms - 1,
            "2027-03-11": deluxe_rooms - 1,
            "2027-03-12": deluxe_rooms,
        }
        cancelled = client.post(f"/reservations/{booked['id']}/cancel", json={"reason": "ill"})
        assert cancelled.status_code == 200 and cancelled.json()["cancellation"]["fee"] == "0.00"
        assert client.post(f"/reservations/{booked['id']}/cancel").status_code == 409

        await publish_events(
            amqp_url,
            [
                GuestAnonymized.new(
                    GuestAnonymizedPayload(
                        guest_id=booked["guest_id"], requested_at=datetime.now(UTC)
                    ),
                    producer="loyalty",
                    property_id="demo-hotel",
                )
            ],
            copies=2,
        )
        await wait_for(
            lambda: client.get(f"/reservations/{booked['id']}").json()["guest"]["email"] is None,
            message="erasure",
        )
        await wait_for(
            lambda: len(events.bodies("availability.changed")) >= 3, message="availability"
        )
        await stack.wait_quiet()

    erased = client.get(f"/reservations/{booked['id']}").json()
    assert erased["guest"]["last_name"] == "erased" and erased["booker"] is None
    assert erased["additional_guests"] == [] and erased["total_amount"] == "1760.00"
    assert total(client, name="chen") == 0
    (amended_event,) = events.bodies("reservation.amended")
    changes = {c["field"]: (c["old"], c["new"]) for c in amended_event["payload"]["changes"]}
    assert changes["departure"] == ("2027-03-13", "2027-03-12")
    assert changes["room_count"] == (2, 1)
    (cancelled_event,) = events.bodies("reservation.cancelled")
    assert cancelled_event["payload"]["refund_amount"] == "0.00"
    last = events.bodies("availability.changed")[-1]["payload"]
    assert last == {
        "room_type": "deluxe",
        "rooms_left": {"2027-03-10": deluxe_rooms, "2027-03-11": deluxe_rooms},
    }
    reports = client.get("/reports", params={"from": "2027-03-10", "to": "2027-03-12"}).json()
    assert reports["cancellations"]["cancelled"] == 1
    assert reports["occupancy"]["room_nights_sold"] == 0


async def test_property_set_up_and_a_corporate_block_over_http(stack: Stack, amqp_url: str) -> None:
    stack.start("reservation")
    client = stack.client("reservation")
    async with EventTap(amqp_url, ["availability.changed"]) as events:
        saved = client.put(
            "/room-types/family",
            json={
                "name": "Family Room",
                "beds": ["king", "sofa_bed"],
                "max_occupancy": 4,
                "rooms": 4,
                "features": ["family", "non_smoking"],
                "nightly_rate": "700.00",
                "overbooking_allowance": 1,
            },
        )
        assert saved.status_code == 200 and saved.json()["beds"] == ["king", "sofa_bed"]
        plan = client.put(
            "/rate-plans/corp",
            json={
                "name": "Corporate",
                "room_types": ["family"],
                "base_adjustment_percent": "-15",
                "cancellation": {
                    "free_until_hours_before": 72,
                    "late_fee": {"kind": "percent", "percent": "50"},
                },
            },
        )
        assert plan.status_code == 200, plan.text
        assert (
            client.put("/rate-plans/bad", json={"name": "x", "room_types": ["nope"]}).status_code
            == 422
        )

        block = {
            "name": "Acme offsite",
            "company": "Acme",
            "kind": "corporate",
            "room_type": "family",
            "start": "2027-06-01",
            "end": "2027-06-03",
            "rooms_per_night": 3,
            "nightly_rate": "520.00",
            "release_date": "2027-05-20",
            "rate_plan": "corp",
        }
        key = {"Idempotency-Key": "acme-offsite-2027"}
        first = client.post("/blocks", json=block, headers=key)
        second = client.post("/blocks", json=block, headers=key)
        assert (first.status_code, second.status_code) == (201, 201), first.text
        assert first.json()["id"] == second.json()["id"]
        assert second.headers["Idempotent-Replayed"] == "true"
        block_id = first.json()["id"]
        left = client.get(
            "/availability", params={"arrival": "2027-06-01", "departure": "2027-06-03"}
        )
        assert left.json()["room_types"]["family"]["rooms_left"] == 2  # 4 rooms + 1 allowance - 3

        pickup = client.post(
            "/reservations",
            json={
                **BOOKING,
                "room_type": "family",
                "block_id": block_id,
                "arrival": "2027-06-01",
                "departure": "2027-06-03",
                "channel": "corporate",
            },
        )
        assert pickup.status_code == 201, pickup.text
        assert (pickup.json()["total_amount"], pickup.json()["rate_plan"]) == ("1040.00", "corp")
        released = client.post(f"/blocks/{block_id}/release").json()
        assert released["status"] == "released"
        assert released["nights"]["2027-06-01"] == {"allotted": 3, "picked_up": 1, "held": 0}
        left = client.get(
            "/availability", params={"arrival": "2027-06-01", "departure": "2027-06-03"}
        )
        assert left.json()["room_types"]["family"]["rooms_left"] == 4
        assert client.get("/reservations", params={"block_id": block_id}).json()["total"] == 1
        await wait_for(
            lambda: len(events.bodies("availability.changed")) >= 3, message="availability"
        )
    family = [
        e["payload"]
        for e in events.bodies("availability.changed")
        if e["payload"]["room_type"] == "family"
    ]
    assert family[-1]["rooms_left"] == {"2027-06-01": 4, "2027-06-02": 4}
