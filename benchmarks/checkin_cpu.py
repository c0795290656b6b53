"""CPU per check-in in the front desk's service layer, in process (no HTTP, no broker):
a steadier A/B than wall time on a shared machine.

    python -m benchmarks.checkin_cpu              # allocation as it is
    python -m benchmarks.checkin_cpu --all-rooms  # as before issue 14: every room read
    python -m benchmarks.checkin_cpu --no-cache   # the type's rooms read at each check-in
    python -m benchmarks.checkin_cpu --http       # POST /stays through the desk's routes
                                                  # and the services' middleware (in process,
                                                  # httpx's ASGI transport: its CPU counts too)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from datetime import date
from pathlib import Path

import httpx
from fastapi import FastAPI

from services.frontdesk.allocation import Room
from services.frontdesk.api import frontdesk_router
from services.frontdesk.records import room_of
from services.frontdesk.room_cache import RoomsOfType
from services.frontdesk.room_store import RoomStore
from shared.audit import AuditLog
from shared.auth import AccessPolicy, KeyRing, api_keys_setting, new_credential
from shared.guard import ApiGuard, GuardSettings, TokenBuckets
from shared.http_observe import CorrelateAndMeasure
from shared.idempotent_requests import IdempotentRequests
from shared.logging import configure_logging
from shared.mongo import connect_database
from shared.problems import install_problem_handlers
from shared.property_setup import load_property
from shared.settings import ServiceSettings
from tests.integration.frontdesk_harness import PROPERTY, Desk, booking, build, property_file

TYPES = ("king", "twin", "deluxe", "business", "suite")


def desk_client(desk: Desk) -> httpx.AsyncClient:
    """The desk's routes behind the middleware create_service_app puts in front of them
    (idempotent requests, the gate with a front-desk key, correlation and metrics)."""
    credential, _ = new_credential("bench-frontdesk")
    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(
        frontdesk_router(
            desk.service, desk.folio, AuditLog(desk.database, PROPERTY), desk.business_day
        )
    )
    app.add_middleware(IdempotentRequests, database=desk.database)
    unlimited = TokenBuckets(10**9, 10**9)
    app.add_middleware(
        ApiGuard,
        router=app.router,
        policy=AccessPolicy.for_service("frontdesk"),
        keys=KeyRing.from_json(api_keys_setting({"frontdesk": credential})),
        limiter=unlimited,
        settings=GuardSettings(max_body_bytes=1_000_000, request_timeout_seconds=30),
        failures=unlimited,
    )
    app.add_middleware(CorrelateAndMeasure)
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app),
        base_url="http://frontdesk",
        headers={"Authorization": f"Bearer {credential}"},
    )


async def measure(rooms: int, all_rooms: bool, http: bool = False, cached: bool = True) -> float:
    with tempfile.TemporaryDirectory() as folder:
        per_type = rooms // len(TYPES)
        setup = load_property(str(property_file(Path(folder), {t: per_type for t in TYPES})))
    # The store the service runs on (shared.mongo, keyed lookups), not plain mongomock.
    database = connect_database(ServiceSettings(service_name="frontdesk", http_port=1))
    desk = await build(setup, database=database)
    service, projections = desk.service, desk.projections
    repository = service.repository
    if all_rooms:  # the old read: every room of the property, every field

        async def every_room(room_type: str) -> list[Room]:
            return [room_of(document) for document in await repository.all_rooms()]

        repository.rooms_of_type = every_room  # type: ignore[method-assign]
    elif not cached:  # the type's rooms read at every check-in, as before room_cache.py

        async def read_rooms(room_type: str) -> list[Room]:
            repository.room_cache = RoomsOfType()
            return await RoomStore.rooms_of_type(repository, room_type)

        repository.rooms_of_type = read_rooms  # type: ignore[method-assign]
    arrival, departure = date(2027, 3, 10), date(2027, 3, 11)  # the harness clock's day
    for n in range(per_type * len(TYPES)):
        await projections.reservation_created(booking(n, TYPES[n % len(TYPES)], arrival, departure))
    client = desk_client(desk) if http else None
    started = time.process_time()
    for n in range(per_type * len(TYPES)):
        if client is None:
            await service.check_in(f"res-{n}")
            continue
        answer = await client.post("/stays", json={"reservation_id": f"res-{n}"})
        assert answer.status_code == 201, answer.text
    return (time.process_time() - started) / (per_type * len(TYPES))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rooms", type=int, default=600)
    parser.add_argument("--all-rooms", action="store_true")
    parser.add_argument("--http", action="store_true")
    parser.add_argument("--no-cache", action="store_true", help="rooms read at every check-in")
    args = parser.parse_args()
    os.environ.setdefault("DEVELOPMENT_MODE", "true")  # the development secrets, as tests use
    configure_logging("checkin-cpu", "WARNING")  # a line per check-in would be measured too
    cpu = asyncio.run(measure(args.rooms, args.all_rooms, args.http, not args.no_cache))
    rooms_read = (
        "every room read"
        if args.all_rooms
        else "rooms of the booked type read"
        if args.no_cache
        else "rooms of the booked type, cached"
    )
    how = ", POST /stays in process" if args.http else ""
    print(f"check-in, {args.rooms} rooms, {rooms_read}{how}: CPU {cpu * 1000:.2f} ms per check-in")


if __name__ == "__main__":
    main()
