"""CPU per check-in in the front desk's service layer, in process (no HTTP, no broker):
a steadier A/B than wall time on a shared machine.

    python -m benchmarks.checkin_cpu              # allocation as it is
    python -m benchmarks.checkin_cpu --all-rooms  # as before issue 14: every room read
"""

from __future__ import annotations

import argparse
import asyncio
import os
import tempfile
import time
from datetime import date
from pathlib import Path

from shared.logging import configure_logging
from shared.mongo import connect_database
from shared.property_setup import load_property
from shared.settings import ServiceSettings
from tests.integration.frontdesk_harness import booking, build, property_file

TYPES = ("king", "twin", "deluxe", "business", "suite")


async def measure(rooms: int, all_rooms: bool) -> float:
    with tempfile.TemporaryDirectory() as folder:
        per_type = rooms // len(TYPES)
        setup = load_property(str(property_file(Path(folder), {t: per_type for t in TYPES})))
    # The store the service runs on (shared.mongo, keyed lookups), not plain mongomock.
    database = connect_database(ServiceSettings(service_name="frontdesk", http_port=1))
    service, _, projections, _ = await build(setup, database=database)
    if all_rooms:  # the old read: every room of the property, every field
        repository = service.repository
        repository.rooms_of_type = lambda room_type: repository.all_rooms()  # type: ignore[method-assign]
    arrival, departure = date(2027, 3, 10), date(2027, 3, 11)  # the harness clock's day
    for n in range(per_type * len(TYPES)):
        await projections.reservation_created(booking(n, TYPES[n % len(TYPES)], arrival, departure))
    started = time.process_time()
    for n in range(per_type * len(TYPES)):
        await service.check_in(f"res-{n}")
    return (time.process_time() - started) / (per_type * len(TYPES))


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rooms", type=int, default=600)
    parser.add_argument("--all-rooms", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("DEVELOPMENT_MODE", "true")  # the development secrets, as tests use
    configure_logging("checkin-cpu", "WARNING")  # a line per check-in would be measured too
    cpu = asyncio.run(measure(args.rooms, args.all_rooms))
    rooms_read = "every room read" if args.all_rooms else "rooms of the booked type"
    print(f"check-in, {args.rooms} rooms, {rooms_read}: CPU {cpu * 1000:.2f} ms per check-in")


if __name__ == "__main__":
    main()
