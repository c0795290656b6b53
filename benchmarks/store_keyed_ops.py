"""The embedded store's share of a booking, a check-in and a task lookup, in process, at
1,000, 4,000 and 16,000 bookings held: with key maps and with mongomock's scans.

Each operation makes the store calls its repository makes (services/*/repository.py,
services/reservation/inventory.py) on documents of the same shape and indexes:
- booking: the night's inventory guarded by `_id`, the reservation inserted under its
  unique confirmation number, channel reference and idempotency key, the guest upserted;
- check-in: the arrival by `_id`, "is there a stay for this reservation" by its unique
  `reservation_id`, the rooms taken on the stay's nights (property, night $in), a room
  night claimed per night under a unique `_id`, the stay inserted;
- task lookup: count and page of the tasks of a stay (property, stay_id).

16 concurrent callers, no HTTP, no broker: only the store. Prints p50 per operation and
size and the ratio to 1,000; asserts nothing.

    python -m benchmarks.store_keyed_ops [--sizes 1000,4000,16000] [--samples 400]
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
import uuid
from datetime import date, timedelta

from shared import embedded_keys
from shared.mongo import connect_database
from shared.settings import ServiceSettings

PROPERTY = "demo-hotel"
YEAR = date(2027, 1, 1)
DAYS = 800
# A 100-room hotel at about 80% occupancy with two-night stays: 40 arrivals a day, so the
# n-th booking arrives on day n // 40 and a night never holds more than ~80 room nights,
# however many bookings the store holds.
ARRIVALS_PER_DAY = 40


def arrival_day(n: int) -> int:
    return (n // ARRIVALS_PER_DAY) % (DAYS - 2)


async def prepare(database) -> None:  # noqa: ANN001 - a motor-like database
    reservations = database["reservations"]
    await reservations.create_index("confirmation_number", unique=True)
    await reservations.create_index([("property_id", 1), ("arrival", 1)])
    await reservations.create_index([("property_id", 1), ("status", 1)])
    await reservations.create_index("guest_id")
    await reservations.create_index("channel_reference", unique=True, sparse=True)
    await reservations.create_index("idempotency_key", unique=True, sparse=True)
    await database["guests"].create_index("guest_id")
    await database["nights"].create_index([("property_id", 1), ("room_type", 1), ("night", 1)])
    await database["stays"].create_index("reservation_id", unique=True, sparse=True)
    await database["stays"].create_index([("property_id", 1), ("status", 1)])
    await database["stays"].create_index("guest_id")
    await database["room_nights"].create_index("stay_id")
    await database["room_nights"].create_index([("property_id", 1), ("night", 1)])
    await database["tasks"].create_index([("property_id", 1), ("stay_id", 1)])
    await database["tasks"].create_index([("property_id", 1), ("status", 1)])
    for day in range(DAYS):
        for room_type in ("king", "twin", "suite"):
            night = (YEAR + timedelta(days=day)).isoformat()
            await database["nights"].insert_one(
                {
                    "_id": f"{PROPERTY}|{room_type}|{night}",
                    "property_id": PROPERTY,
                    "room_type": room_type,
                    "night": night,
                    "sold": 0,
                    "capacity": 10**6,
                }
            )


async def booking(database, n: int) -> str:  # noqa: ANN001
    night = (YEAR + timedelta(days=arrival_day(n))).isoformat()
    await database["nights"].find_one_and_update(
        {"_id": f"{PROPERTY}|king|{night}", "sold": {"$lt": 10**6}}, {"$inc": {"sold": 1}}
    )
    reservation_id = str(uuid.uuid4())
    guest_id = f"guest-{n}"
    await database["reservations"].insert_one(
        {
            "_id": reservation_id,
            "confirmation_number": f"C{n:08d}",
            "property_id": PROPERTY,
            "arrival": night,
            "status": "confirmed",
            "guest_id": guest_id,
            "idempotency_key": f"key-{n}",
            "room_type": "king",
            "total": "560.00",
            "outbox": [{"event_id": str(uuid.uuid4()), "type": "reservation.created"}],
        }
    )
    await database["guests"].update_one(
        {"_id": guest_id}, {"$set": {"guest_id": guest_id, "name": "x" * 40}}, upsert=True
    )
    return reservation_id


async def check_in(database, n: int, reservation_id: str) -> str:  # noqa: ANN001
    await database["reservations"].find_one({"_id": reservation_id})
    assert await database["stays"].find_one({"reservation_id": reservation_id}) is None
    nights = [(YEAR + timedelta(days=arrival_day(n) + k)).isoformat() for k in range(2)]
    await (
        database["room_nights"]
        .find({"property_id": PROPERTY, "night": {"$in": nights}}, {"room_number": 1})
        .to_list(None)
    )
    stay_id = f"stay-{n}"
    for night in nights:
        await database["room_nights"].insert_one(
            {
                "_id": f"{PROPERTY}|{n % 100}|{night}|{n}",
                "stay_id": stay_id,
                "night": night,
                "room_number": str(n % 100),
                "property_id": PROPERTY,
            }
        )
    await database["stays"].insert_one(
        {
            "_id": stay_id,
            "reservation_id": reservation_id,
            "property_id": PROPERTY,
            "status": "in_house",
            "guest_id": f"guest-{n}",
            "folio": [{"a": 1}] * 5,
        }
    )
    await database["tasks"].insert_one(
        {
            "_id": f"task-{n}",
            "property_id": PROPERTY,
            "stay_id": stay_id,
            "status": "open",
            "created_at": n,
        }
    )
    return stay_id


async def task_lookup(database, stay_id: str) -> None:  # noqa: ANN001
    query = {"property_id": PROPERTY, "stay_id": stay_id}
    assert await database["tasks"].count_documents(query) == 1
    await (
        database["tasks"]
        .find(query)
        .sort([("created_at", 1), ("_id", 1)])
        .skip(0)
        .limit(50)
        .to_list(None)
    )


async def timed_round(database, start: int, count: int, clients: int) -> dict[str, list[float]]:
    times: dict[str, list[float]] = {"booking": [], "check-in": [], "task lookup": []}
    numbers = iter(range(start, start + count))

    async def client() -> None:
        for n in numbers:
            began = time.perf_counter()
            reservation_id = await booking(database, n)
            middle = time.perf_counter()
            stay_id = await check_in(database, n, reservation_id)
            after = time.perf_counter()
            await task_lookup(database, stay_id)
            times["booking"].append(middle - began)
            times["check-in"].append(after - middle)
            times["task lookup"].append(time.perf_counter() - after)
            await asyncio.sleep(0)  # another client's turn, as between HTTP requests

    await asyncio.gather(*(client() for _ in range(clients)))
    return times


async def measure(sizes: list[int], samples: int, clients: int, keyed: bool) -> None:
    database = connect_database(
        ServiceSettings(service_name=f"bench-{uuid.uuid4().hex[:6]}", http_port=1)
    )
    await prepare(database)
    held = 0
    first: dict[str, float] = {}
    print(
        f"\n{'key maps' if keyed else 'scans (mongomock as it was)'}: p50 in ms "
        f"(ratio to {sizes[0]:,} held), {clients} concurrent callers"
    )
    for size in sizes:
        fill = size - held - samples
        if fill > 0:
            embedded_keys.KEYED_LOOKUPS = True  # filling (not measured) goes fast either way
            await timed_round(database, held, fill, clients)
            held += fill
        embedded_keys.KEYED_LOOKUPS = keyed
        times = await timed_round(database, held, samples, clients)
        held += samples
        cells = []
        for name, values in times.items():
            median = statistics.median(values) * 1000
            first.setdefault(name, median)
            cells.append(f"{name} {median:7.3f} (x{median / first[name]:.2f})")
        print(f"  {held:>7,} bookings held: " + "   ".join(cells), flush=True)


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", default="1000,4000,16000")
    parser.add_argument("--samples", type=int, default=400)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument(
        "--scan-sizes", default="1000,4000,16000", help="sizes for the scanning run"
    )
    args = parser.parse_args()
    asyncio.run(
        measure([int(s) for s in args.sizes.split(",")], args.samples, args.clients, keyed=True)
    )
    if args.scan_sizes:
        asyncio.run(
            measure(
                [int(s) for s in args.scan_sizes.split(",")],
                min(args.samples, 48),
                args.clients,
                keyed=False,
            )
        )


if __name__ == "__main__":
    main()
