"""A year of a 100-room hotel through the APIs, on the embedded store, as make run runs it.

Each booking is a whole journey, driven by `--clients` concurrent clients: book (a new
guest, or a returning one's e-mail), check in, check out (housekeeping gets its departure
cleaning, loyalty the ledger entry, feedback sends the survey), look the cleaning task
up and do it so the room is ready for the next guest. Arrivals are spread over a year.

It prints, from the same run:
- the p50 (and p90) of a booking, a check-in and a housekeeping task lookup over HTTP
  with that many bookings held, at each of `--checkpoints` (the window of journeys just
  before the count), and their ratio to the first;
- per service, after the run: snapshot and journal sizes, documents held, clean-stop
  time, start time after that clean stop, start time after a SIGKILL, and the counts
  (reservations, stays, tasks, ledger entries, surveys) before and after each restart.

    python -m benchmarks.hotel_year --bookings 2000            # a few minutes
    python -m benchmarks.hotel_year --bookings 12000 --checkpoints 1000,4000,12000

Asserts nothing about time; it prints figures.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import statistics
import tempfile
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

from scripts.local_stack import ServiceProcess
from shared.property_setup import load_property
from tests.support.infrastructure import local_vhost
from tests.support.stack import SERVICE_NAMES, SmtpSink, Stack, free_port
from tests.support.termination import stop_cleanly_on_sigterm

YEAR_START = date(2027, 1, 1)
# 100 rooms: the demo hotel's room types, more of each.
ROOMS_PER_TYPE = {"standard_twin": 30, "king": 30, "business": 20, "deluxe": 12, "suite": 8}


def hundred_room_property(folder: Path) -> Path:
    demo = load_property().model_dump(mode="json")
    for room_type in demo["room_types"]:
        count = ROOMS_PER_TYPE[room_type["code"]]
        floor = room_type["rooms"][0]["floor"]
        room_type["rooms"] = [
            {
                "number": f"{floor}{n:02d}{room_type['code'][0].upper()}",
                "floor": floor,
                "features": ["non_smoking"],
            }
            for n in range(1, count + 1)
        ]
    path = folder / "hundred_rooms.json"
    path.write_text(json.dumps(demo))
    return path


@dataclass
class Timings:
    """Seconds per call, in the order the journeys finished, with the bookings then held."""

    booking: list[tuple[int, float]] = field(default_factory=list)
    check_in: list[tuple[int, float]] = field(default_factory=list)
    task_lookup: list[tuple[int, float]] = field(default_factory=list)
    refused: int = 0
    failed: list[str] = field(default_factory=list)


async def book(
    reservation: httpx.AsyncClient, booking: dict[str, Any], key: str
) -> tuple[httpx.Response, float]:
    """A booking under an Idempotency-Key, asked again on a dropped connection: the
    key returns the first answer, so it books once."""
    return await until(
        lambda: reservation.post("/reservations", json=booking, headers={"Idempotency-Key": key}),
        lambda response: True,
    )


async def timed(call: Any) -> tuple[httpx.Response, float]:
    started = time.perf_counter()
    response = await call
    return response, time.perf_counter() - started


async def until(call: Any, accept: Any, timeout: float = 60) -> tuple[httpx.Response, float]:
    """Repeats a call until its answer is accepted (an event has arrived); the time of the
    call that was accepted. The calls repeated this way are safe to repeat, so a dropped
    connection is asked again, as a client would."""
    deadline = time.monotonic() + timeout
    while True:
        try:
            response, seconds = await timed(call())
        except httpx.TransportError:
            # A keep-alive connection the server closed as it was reused (ReadError): 1 of
            # 12,000 journeys in a year's run.
            if time.monotonic() > deadline:
                raise
            continue
        if accept(response):
            return response, seconds
        if time.monotonic() > deadline:
            raise TimeoutError(
                f"{response.request.url}: {response.status_code} {response.text[:200]}"
            )
        await asyncio.sleep(0.05)


def departure_cleaning_listed(response: httpx.Response) -> bool:
    """The stay's departure cleaning has arrived. A stay of several nights lists its
    stay-over service first (cancelled by the check-out): taking that answer left the
    room dirty, and after a few days every vacant room was dirty and no guest could
    check in."""
    return response.status_code == 200 and any(
        task["kind"] == "departure_cleaning" for task in response.json()["items"]
    )


def departure_task(response: httpx.Response) -> dict[str, Any]:
    return next(t for t in response.json()["items"] if t["kind"] == "departure_cleaning")


class Hotel:
    def __init__(self, stack: Stack, total: int, max_nights: int = 4) -> None:
        self.stack = stack
        self.max_nights = max_nights
        self.total = total
        self.timings = Timings()
        self.held = 0
        self.done: list[dict[str, str]] = []  # ids of each finished journey
        self.by_share = [code for code, rooms in ROOMS_PER_TYPE.items() for _ in range(rooms)]
        # Where arrivals of bookings alone fall (whole journeys are placed by HotelDays).
        self.first_arrival = YEAR_START
        self.span_days = 365

    def clients(self) -> dict[str, httpx.AsyncClient]:
        return {name: self.stack.async_client(name, timeout=60) for name in SERVICE_NAMES}

    def booking(self, n: int, attempt: int) -> dict[str, Any]:
        # Returning guests: every fourth booking reuses an earlier guest's e-mail.
        guest_no = n if n % 4 else max(0, n - 97)
        spread = (n * self.span_days) // self.total
        nights = 1 + (n * 7 + attempt) % self.max_nights
        # Room types in proportion to their rooms (30 twins ... 8 suites).
        room_type = self.by_share[(n * 37 + attempt * 11) % len(self.by_share)]
        arrival = self.first_arrival + timedelta(days=(spread + attempt * 3) % self.span_days)
        return {
            "guest": {
                "first_name": f"Guest{guest_no}",
                "last_name": "Year",
                "email": f"guest{guest_no}@example.com",
            },
            "room_type": room_type,
            "arrival": arrival.isoformat(),
            "departure": (arrival + timedelta(days=nights)).isoformat(),
            "adults": 1,
            "channel": "web",
        }

    async def book_a_room(
        self,
        http: dict[str, httpx.AsyncClient],
        booking_for: Callable[[int], dict[str, Any]],
        key: str,
    ) -> tuple[dict[str, Any], httpx.Response, float]:
        """The booking that was accepted, its answer and time: after each refusal (sold
        out that night) the next attempt's booking, another date or room type."""
        for attempt in range(12):
            booking = booking_for(attempt)
            booked, seconds = await book(http["reservation"], booking, f"{key}-{attempt}")
            if booked.status_code == 201:
                return booking, booked, seconds
            if booked.status_code != 409:
                raise RuntimeError(f"booking: {booked.status_code} {booked.text[:300]}")
            self.timings.refused += 1
        raise RuntimeError("no room found in 12 tries")

    async def journey(self, n: int, http: dict[str, httpx.AsyncClient], full: bool = True) -> None:
        _, booked, seconds = await self.book_a_room(
            http, lambda attempt: self.booking(n, attempt), f"year-booking-{n}"
        )
        held = self.held
        self.timings.booking.append((held, seconds))
        reservation = booked.json()
        if not full:  # a booking only: the guest is yet to come
            self.held += 1
            return
        stay, seconds = await until(
            lambda: http["frontdesk"].post("/stays", json={"reservation_id": reservation["id"]}),
            lambda r: r.status_code == 201,
        )
        self.timings.check_in.append((held, seconds))
        stay_id = stay.json()["stay_id"]
        # A repeated check-out answers its settlement: safe to ask again.
        checked_out, _ = await until(
            lambda: http["frontdesk"].post(f"/stays/{stay_id}/checkout"), lambda r: True
        )
        if checked_out.status_code != 200:
            raise RuntimeError(f"checkout: {checked_out.status_code} {checked_out.text[:300]}")
        found, seconds = await until(
            lambda: http["housekeeping"].get("/tasks", params={"stay_id": stay_id}),
            departure_cleaning_listed,
        )
        self.timings.task_lookup.append((held, seconds))
        for task in found.json()["items"]:
            await self.clean(http["housekeeping"], task)
        self.held += 1
        self.done.append(
            {
                "reservation_id": reservation["id"],
                "guest_id": reservation["guest_id"],
                "stay_id": stay_id,
                "task_id": departure_task(found)["task_id"],
            }
        )

    async def clean(self, housekeeping: httpx.AsyncClient, task: dict[str, Any]) -> None:
        # The departure cleaning frees the room; a stay-over listed with it may be cancelled
        # by the check-out meanwhile (starting it then is a 409, rightly).
        if task["kind"] != "departure_cleaning":
            return
        if task["status"] in ("done", "inspected", "cancelled"):
            return
        started = await housekeeping.post(
            f"/tasks/{task['task_id']}/start", json={"attendant": "Attendant One"}
        )
        if started.status_code != 200:
            raise RuntimeError(f"task start: {started.status_code} {started.text[:300]}")
        items = [
            item["name"] if isinstance(item, dict) else item
            for item in started.json().get("checklist", [])
        ]
        finished = await housekeeping.post(
            f"/tasks/{task['task_id']}/finish", json={"completed_items": items}
        )
        if finished.status_code != 200:
            raise RuntimeError(f"task finish: {finished.status_code} {finished.text[:300]}")

    async def run(self, start: int, stop: int, clients: int, full: Any = lambda n: True) -> None:
        numbers = iter(range(start, stop))
        started = time.monotonic()
        last_report = [started]

        async def worker() -> None:
            http = self.clients()
            try:
                for n in numbers:
                    try:
                        await self.journey(n, http, full(n))
                    except Exception as error:  # noqa: BLE001 - counted and shown
                        self.timings.failed.append(f"{n}: {error!r}")
                    if time.monotonic() - last_report[0] > 30:
                        last_report[0] = time.monotonic()
                        rate = (self.held - start) / (time.monotonic() - started)
                        print(
                            f"  {self.held} bookings held, {rate:.1f} journeys/s, "
                            f"{len(self.timings.failed)} failed",
                            flush=True,
                        )
            finally:
                for client in http.values():
                    await client.aclose()

        await asyncio.gather(*(worker() for _ in range(clients)))


class HotelDays(Hotel):
    """The year day by day on the services' clock (TEST_CLOCK_FILE), since the desk checks
    a guest in on the arrival business date only: each morning the day's departures check
    out (and their cleaning is done), each afternoon the day's arrivals book and check in.
    Journey n arrives on day n * 365 / total; a sold-out room type is retried with another
    type on the same day. `held` counts accepted bookings."""

    def __init__(self, stack: Stack, total: int, max_nights: int = 4) -> None:
        super().__init__(stack, total, max_nights)
        self.departing: dict[date, list[dict[str, str]]] = {}

    def day_booking(self, n: int, day: date, attempt: int) -> dict[str, Any]:
        booking = self.booking(n, attempt)
        nights = 1 + (n * 7) % self.max_nights
        booking["arrival"] = day.isoformat()
        booking["departure"] = (day + timedelta(days=nights)).isoformat()
        return booking

    async def arrive(self, n: int, day: date, http: dict[str, httpx.AsyncClient]) -> None:
        booking, booked, seconds = await self.book_a_room(
            http, lambda attempt: self.day_booking(n, day, attempt), f"day-booking-{n}"
        )
        held = self.held
        self.held += 1
        self.timings.booking.append((held, seconds))
        reservation = booked.json()
        stay, seconds = await until(
            lambda: http["frontdesk"].post("/stays", json={"reservation_id": reservation["id"]}),
            lambda r: r.status_code == 201,
        )
        self.timings.check_in.append((held, seconds))
        departure = date.fromisoformat(booking["departure"])
        self.departing.setdefault(departure, []).append(
            {
                "reservation_id": reservation["id"],
                "guest_id": reservation["guest_id"],
                "stay_id": stay.json()["stay_id"],
                "held": str(held),
            }
        )

    async def depart(self, journey: dict[str, str], http: dict[str, httpx.AsyncClient]) -> None:
        stay_id = journey["stay_id"]
        # A repeated check-out answers its settlement: safe to ask again.
        checked_out, _ = await until(
            lambda: http["frontdesk"].post(f"/stays/{stay_id}/checkout"), lambda r: True
        )
        if checked_out.status_code != 200:
            raise RuntimeError(f"checkout: {checked_out.status_code} {checked_out.text[:300]}")
        found, seconds = await until(
            lambda: http["housekeeping"].get("/tasks", params={"stay_id": stay_id}),
            departure_cleaning_listed,
        )
        self.timings.task_lookup.append((int(journey["held"]), seconds))
        for task in found.json()["items"]:
            await self.clean(http["housekeeping"], task)
        self.done.append(
            {
                "reservation_id": journey["reservation_id"],
                "guest_id": journey["guest_id"],
                "stay_id": stay_id,
                "task_id": departure_task(found)["task_id"],
            }
        )

    async def run_days(self, clients: int, minutes: float | None = None) -> None:
        """`minutes`: no new day starts after that long (the guests in house stay there)."""
        by_day: dict[date, list[int]] = {}
        for n in range(self.total):
            by_day.setdefault(YEAR_START + timedelta(days=(n * 365) // self.total), []).append(n)
        await self.days(by_day, clients, minutes)

    async def run_segment(
        self, numbers: range, first_day: date, per_day: int, clients: int
    ) -> date:
        """Whole journeys `numbers`, `per_day` of them arriving each day from `first_day`,
        until the last has left; the day after."""
        by_day: dict[date, list[int]] = {}
        for i, n in enumerate(numbers):
            by_day.setdefault(first_day + timedelta(days=i // per_day), []).append(n)
        return await self.days(by_day, clients)

    async def days(
        self, by_day: dict[date, list[int]], clients: int, minutes: float | None = None
    ) -> date:
        """Day by day from the first arrival until the last departure; the day after."""
        started = time.monotonic()
        last_report = started
        last_arrival = max(by_day)
        pool = [self.clients() for _ in range(clients)]

        async def phase(calls: list[Any]) -> None:
            async def worker(http: dict[str, httpx.AsyncClient]) -> None:
                while calls:
                    call = calls.pop()
                    try:
                        await call(http)
                    except Exception as error:  # noqa: BLE001 - counted and shown
                        self.timings.failed.append(repr(error)[:300])

            await asyncio.gather(*(worker(http) for http in pool))

        try:
            day = min(by_day)
            while day <= last_arrival or any(d >= day for d in self.departing):
                if minutes is not None and time.monotonic() - started > minutes * 60:
                    in_house = sum(len(stays) for stays in self.departing.values())
                    print(f"  time is up on {day}: {in_house} guests left in house", flush=True)
                    break
                self.stack.set_hotel_time(day.isoformat(), 10)
                leaving = self.departing.pop(day, [])
                await phase([lambda h, j=j: self.depart(j, h) for j in leaving])
                self.stack.set_hotel_time(day.isoformat(), 15)
                arriving = by_day.get(day, [])
                await phase([lambda h, n=n, d=day: self.arrive(n, d, h) for n in arriving])
                day += timedelta(days=1)
                if time.monotonic() - last_report > 30:
                    last_report = time.monotonic()
                    print(
                        f"  {day}: {self.held} bookings held, {len(self.done)} journeys done, "
                        f"{len(self.done) / (last_report - started):.1f} journeys/s, "
                        f"{len(self.timings.failed)} failed",
                        flush=True,
                    )
        finally:
            for http in pool:
                for client in http.values():
                    await client.aclose()
        return day


# Whole journeys of a checkpoint's window: this many guests arrive a day (100 rooms).
WINDOW_ARRIVALS_PER_DAY = 40


async def bookings_with_windows(
    stack: Stack, total: int, max_nights: int, checkpoints: list[int], window: int, clients: int
) -> HotelDays:
    """Bookings alone (guests yet to come) up to each checkpoint's window, and whole
    journeys in the window: large counts held sooner than a year of journeys. The desk
    checks a guest in on the arrival business date only, so the windows' journeys are
    lived day by day on the services' clock from YEAR_START, and the bookings alone
    arrive after the last of those days, over two years (the year's 100 rooms could not
    hold 16,000 stays)."""
    hotel = HotelDays(stack, total, max_nights)
    window_days = len(checkpoints) * (-(-window // WINDOW_ARRIVALS_PER_DAY) + max_nights + 1)
    hotel.first_arrival = YEAR_START + timedelta(days=window_days + 1)
    hotel.span_days = 730
    day, held = YEAR_START, 0
    stack.set_hotel_time(day.isoformat(), 9)
    for checkpoint in checkpoints:
        first_whole = max(held, checkpoint - window)
        await hotel.run(held, first_whole, clients, full=lambda n: False)
        # The window measures a hotel at rest with that much held, not one still digesting
        # the bookings just made (the desk learns of 12,000 of them in a few minutes; a
        # guest booked in the backlog waited over a minute to check in).
        await settle(stack)
        day = await hotel.run_segment(
            range(first_whole, checkpoint), day, WINDOW_ARRIVALS_PER_DAY, clients
        )
        held = checkpoint
    return hotel


async def settle(stack: Stack) -> None:
    try:
        await stack.wait_quiet(timeout=600)
    except AssertionError as error:  # measured anyway; the figures say what was busy
        print(f"(not quiet after 600 s: {error}; going on)", flush=True)


def p50(values: list[float]) -> float:
    return statistics.median(values) if values else float("nan")


def p90(values: list[float]) -> float:
    return statistics.quantiles(values, n=10)[-1] if len(values) >= 10 else float("nan")


def window(samples: list[tuple[int, float]], held: int, size: int) -> list[float]:
    return [seconds for count, seconds in samples if held - size <= count < held]


def report_latencies(timings: Timings, checkpoints: list[int], size: int) -> None:
    print(
        f"\nLatency over HTTP with {size} journeys before each count "
        "(p50 / p90 in ms; ratio of p50 to the first checkpoint):"
    )
    print(f"{'held':>7} | {'booking':>18} | {'check-in':>18} | {'task lookup':>18}")
    firsts: dict[str, float] = {}
    for held in checkpoints:
        cells = []
        for name in ("booking", "check_in", "task_lookup"):
            values = window(getattr(timings, name), held, size)
            median = p50(values)
            firsts.setdefault(name, median)
            cells.append(
                f"{median * 1000:6.1f} /{p90(values) * 1000:6.1f} x{median / firsts[name]:.2f}"
            )
        print(f"{held:>7} | " + " | ".join(f"{c:>18}" for c in cells))


# This machine is shared: a start may wait on a busy CPU; make run's rule (wait while
# the store makes progress) with a longer patience than the tests'.
START_PATIENCE_SECONDS = 300


def start(stack: Stack, *names: str, port: int | None = None) -> None:
    processes = []
    for name in names:
        old = stack.services.get(name)
        process = ServiceProcess(
            name,
            old.port if old else free_port(),
            env=stack.env_for(name),
            log_path=stack.work_dir / f"{name}.log",
        )
        stack.services[name] = process.start()
        processes.append(process)
    for process in processes:
        process.wait_ready(START_PATIENCE_SECONDS)


def store_files(folder: Path) -> dict[str, int]:
    snapshot = sum(p.stat().st_size for p in folder.glob("*.snapshot"))
    journals = sum(p.stat().st_size for p in folder.glob("*.journal.*"))
    return {"snapshot": snapshot, "journal": journals}


def loaded_documents(stack: Stack, name: str) -> int | None:
    """The documents the service's store held after its last start, from its log."""
    progress = stack.services[name].startup_progress() or ""
    marker = "'documents': "
    return int(progress.split(marker)[1].split(",")[0].rstrip("}")) if marker in progress else None


class Witness:
    """What the services answer about the journeys: totals and a sample of records."""

    def __init__(self, stack: Stack, hotel: Hotel) -> None:
        self.stack = stack
        recent = hotel.done[-50:]
        self.sample = hotel.done[:: max(1, len(hotel.done) // 200)] + recent

    def totals(self) -> dict[str, int]:
        def total(service: str, path: str) -> int:
            with self.stack.client(service) as client:
                response = client.get(path, params={"limit": 1})
                response.raise_for_status()
                return response.json()["total"]

        return {
            "reservations": total("reservation", "/reservations"),
            "tasks": total("housekeeping", "/tasks"),
            "surveys": total("feedback", "/surveys"),
        }

    def missing(self, name: str) -> int:
        """Sampled records the service no longer answers for (stays, points, surveys...)."""
        paths = {
            "reservation": lambda j: f"/reservations/{j['reservation_id']}",
            "frontdesk": lambda j: f"/stays/{j['stay_id']}",
            "housekeeping": lambda j: f"/tasks/{j['task_id']}",
            "loyalty": lambda j: f"/guests/{j['guest_id']}/points",
            "feedback": None,
        }
        path = paths[name]
        if path is None:
            with self.stack.client(name) as client:
                return sum(
                    1
                    for j in self.sample
                    if not client.get("/surveys", params={"stay_id": j["stay_id"]}).json()["items"]
                )
        with self.stack.client(name) as client:
            return sum(1 for j in self.sample if client.get(path(j)).status_code != 200)


async def measure_restarts(stack: Stack, hotel: Hotel) -> None:
    """Per service: SIGKILL with the journal as the run left it, start (snapshot + journal
    replay); then a clean stop and a start from the snapshot it wrote."""
    await settle(stack)
    witness = Witness(stack, hotel)
    totals_before = witness.totals()
    print(
        "\nPer service (sizes in MB at the end of the run, times in s; docs: documents "
        "the store held after the restart; missing: of the sampled records):"
    )
    print(
        f"{'service':<13}{'journal':>9}{'snapshot':>10}{'start after SIGKILL':>21}"
        f"{'docs':>9}{'missing':>9}{'clean stop':>12}{'start after stop':>18}{'docs':>9}"
    )
    for name in SERVICE_NAMES:
        folder = stack.work_dir / "store" / name
        sizes = store_files(folder)
        stack.services[name].kill()
        started = time.monotonic()
        start(stack, name)
        killed_start = time.monotonic() - started
        after_kill = loaded_documents(stack, name)
        missing = witness.missing(name)
        started = time.monotonic()
        stack.services[name].stop()
        stopped = time.monotonic() - started
        started = time.monotonic()
        start(stack, name)
        clean_start = time.monotonic() - started
        print(
            f"{name:<13}{sizes['journal'] / 1e6:>9.1f}{sizes['snapshot'] / 1e6:>10.1f}"
            f"{killed_start:>21.2f}{after_kill!s:>9}{missing:>9}{stopped:>12.2f}"
            f"{clean_start:>18.2f}{loaded_documents(stack, name)!s:>9}",
            flush=True,
        )
    print(f"\ntotals before the restarts: {totals_before}")
    print(f"totals after the restarts:  {witness.totals()}", flush=True)


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--bookings", type=int, default=12000)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument(
        "--checkpoints",
        default="",
        help="bookings held at which to report latency (default: 1,000, "
        "4,000, 16,000 up to --bookings, and --bookings)",
    )
    parser.add_argument("--window", type=int, default=200, help="journeys per checkpoint")
    parser.add_argument("--work-dir", default=None, help="keep the stores here")
    parser.add_argument(
        "--max-nights",
        type=int,
        default=4,
        help="stays of 1..N nights (more bookings than a year's rooms hold need shorter stays)",
    )
    parser.add_argument(
        "--bookings-only-between",
        action="store_true",
        help="whole journeys only in the windows before each checkpoint, "
        "bookings alone in between (to reach large counts sooner)",
    )
    parser.add_argument(
        "--minutes",
        type=float,
        default=None,
        help="stop starting new days after this long (the year at its density, cut short)",
    )
    args = parser.parse_args()
    checkpoints = [int(c) for c in args.checkpoints.split(",") if c] or sorted(
        {c for c in (1000, 4000, 16000) if c <= args.bookings} | {args.bookings}
    )
    checkpoints = [max(c, args.window) for c in checkpoints]
    work = Path(args.work_dir or tempfile.mkdtemp(prefix="hotel-year-"))
    work.mkdir(parents=True, exist_ok=True)
    os.environ["EMBEDDED_STORE_INTERLEAVE"] = "false"  # as make run runs
    os.environ["DEVELOPMENT_MODE"] = "true"  # the development secrets, as make run uses
    # In the environment, so that restarts keep the 100 rooms too.
    os.environ["PROPERTY_FILE"] = str(hundred_room_property(work))
    print(
        f"A year of a 100-room hotel: {args.bookings} journeys, {args.clients} clients, "
        f"stores in {work}",
        flush=True,
    )
    with local_vhost("hotel-year") as url:
        smtp = SmtpSink().start()
        stack = Stack(amqp_url=url, smtp=smtp, work_dir=work)
        try:
            start(stack, *SERVICE_NAMES)
            started = time.monotonic()
            hotel: Hotel
            if args.bookings_only_between:
                hotel = await bookings_with_windows(
                    stack, args.bookings, args.max_nights, checkpoints, args.window, args.clients
                )
            else:
                hotel = HotelDays(stack, args.bookings, args.max_nights)
                await hotel.run_days(args.clients, args.minutes)
            elapsed = time.monotonic() - started
            print(
                f"\n{hotel.held} bookings ({len(hotel.done)} whole journeys) in {elapsed:.0f} s "
                f"({hotel.held / elapsed:.1f}/s); "
                f"{hotel.timings.refused} bookings refused as sold out and retried; "
                f"{len(hotel.timings.failed)} failed"
            )
            for failure in hotel.timings.failed[:5]:
                print("  failed:", failure)
            # A checkpoint the run fell short of (failed journeys) is reported at the count
            # it reached.
            report_latencies(
                hotel.timings, sorted({min(c, hotel.held) for c in checkpoints}), args.window
            )
            print(f"\nsurvey e-mails received: {len(smtp.messages)}")
            await measure_restarts(stack, hotel)
        finally:
            stack.stop()
            smtp.stop()


if __name__ == "__main__":
    stop_cleanly_on_sigterm()
    asyncio.run(main())
