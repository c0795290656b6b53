"""CPU per reservation create in the reservation service's layer, in process (no HTTP,
no broker): a steadier A/B than wall time on a shared machine.

    python -m benchmarks.create_cpu                  # the embedded store as it is
    python -m benchmarks.create_cpu --mongomock-own  # mongomock's own sort, projection
                                                     # and datetime copies (before issue 14's
                                                     # shared/embedded_results.py)
"""

from __future__ import annotations

import argparse
import asyncio
import os
import time

from shared import embedded_results
from shared.logging import configure_logging
from tests.integration.reservation_harness import booking, office


async def measure(creates: int) -> float:
    desk = await office()  # a new store: its collections bind the store's find path
    await desk.room_type("king", creates + 100)
    started = time.process_time()
    for n in range(creates):
        await desk.reservations.create_reservation(booking(number=n))
    return (time.process_time() - started) / creates


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--creates", type=int, default=600)
    parser.add_argument("--mongomock-own", action="store_true")
    args = parser.parse_args()
    os.environ.setdefault("DEVELOPMENT_MODE", "true")  # the development secrets, as tests use
    configure_logging("create-cpu", "WARNING")  # a line per create would be measured too
    if args.mongomock_own:
        embedded_results.uninstall()
    cpu = asyncio.run(measure(args.creates))
    how = "mongomock's own results" if args.mongomock_own else "embedded_results"
    print(f"reservation creates, {args.creates}, {how}: CPU {cpu * 1000:.2f} ms per create")


if __name__ == "__main__":
    main()
