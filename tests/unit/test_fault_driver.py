"""The fault harness's client retries as a real client would: a lost answer or a 5xx is
retried with the same Idempotency-Key (it can never book twice), a refusal is an answer
and the next try is a new request with a new key."""

from __future__ import annotations

import httpx

from tests.faults.driver import Clients, JourneyDriver


def reservation_keeping_answers_by_key() -> tuple[httpx.AsyncClient, list[str]]:
    """Answers as the Idempotency-Key middleware does: the first answer for a key is kept
    and replayed. No room for the first two requests, then one is free; one 503 on the
    way (not kept, so its key is retried)."""
    kept: dict[str, int] = {}
    keys_seen: list[str] = []

    def answer(request: httpx.Request) -> httpx.Response:
        key = request.headers["idempotency-key"]
        keys_seen.append(key)
        if key in kept:
            return httpx.Response(kept[key], json={"id": "r1", "guest_id": "g1"})
        if len(keys_seen) == 2:
            return httpx.Response(503)
        status = 409 if len(kept) < 2 else 201
        kept[key] = status
        return httpx.Response(status, json={"id": "r1", "guest_id": "g1"})

    client = httpx.AsyncClient(transport=httpx.MockTransport(answer), base_url="http://reservation")
    return client, keys_seen


async def test_a_refused_booking_is_asked_again_with_a_new_key_a_failed_one_with_the_same() -> None:
    reservation, keys_seen = reservation_keeping_answers_by_key()
    unused = httpx.AsyncClient(base_url="http://unused")
    driver = JourneyDriver(Clients(reservation, unused, unused), "run", step_deadline=5)
    driver._random.random = lambda: 0.0  # no waiting between tries in the test

    booked = await driver._call(
        "book",
        reservation,
        "POST",
        "/reservations",
        done={201},
        wait_on={409},
        idempotency_key="journey-1",
        new_key_after={409},
    )

    assert booked["id"] == "r1"
    # 409 -> new key; 503 -> same key again; 409 -> new key; 201
    assert keys_seen == ["journey-1", "journey-1-1", "journey-1-1", "journey-1-2"]
