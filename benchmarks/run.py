"""make bench: the real path and its ceilings, in one run, in one table.

    make bench                                   # 600 rooms, 16 clients, ~3-4 minutes
    python -m benchmarks.run --rooms 600 --burst 1000 --profile .run/profiles

Ceilings: the raw broker (aio-pika, confirms per window of 200, quorum queue,
persistent), a bare FastAPI endpoint doing one embedded-store insert, the outbox relay
alone. Real path: all five services as processes on the embedded store (journaled, as
`make run`), over HTTP with the department keys: bookings filling a hotel (a few more
than it has rooms: they must be refused), availability reads, check-ins, check-outs
paced at 5, 20 and 50 a second with the fan-out latency from each check-out's answer to
its three effects (hk.task.created, loyalty.points_accrued, survey.sent), the rest of
the stays checked out at once, then a burst of `--burst` checkouts injected on the
broker (a hotel of N rooms has no more than N guests to check out). Every figure comes
from this run; ratios are within it. Results are appended to benchmarks/results.md.
Asserts nothing about time.
"""

from __future__ import annotations

import argparse
import asyncio
import os
import platform
import signal
import subprocess
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import aio_pika
import httpx

from benchmarks.ceilings import WINDOW, raw_broker, relay_alone
from benchmarks.hotel import ARRIVAL, DEPARTURE, FanOutTracker, booking, write_property
from benchmarks.load import Run, client, closed_loop, paced, percentile
from scripts.broker_users import url_as
from scripts.local_stack import ServiceProcess
from shared.outbox import outbox_entry, to_amqp_message
from shared.topology import CONSUMER_QUEUES, EVENTS_EXCHANGE
from tests.support.amqp import is_local_broker, queue_depths
from tests.support.infrastructure import local_vhost
from tests.support.journeys import checkout as injected_checkout
from tests.support.quiet import service_marks
from tests.support.stack import SERVICE_NAMES, SmtpSink, Stack, free_port

RESULTS = Path(__file__).with_name("results.md")
PACES = (5, 20, 50)
CPU_PROFILING = Path(__file__).with_name("cpu_profiling")
PACED_SECONDS = 4


@dataclass
class Row:  # one line of the table
    what: str
    figure: str
    ceiling: str = ""
    ratio: str = ""
    target: str = ""


def progress(what: str) -> None:
    print(f"{datetime.now(UTC):%H:%M:%S} {what}", file=sys.stderr, flush=True)


def ms(seconds: float) -> str:
    return f"{seconds * 1000:.0f} ms"


def http_row(
    what: str, run: Run, ceiling: float | None = None, target: str = "", cpu: str = ""
) -> Row:
    ratio = f"{run.rate / ceiling:.2f}x" if ceiling else ""
    return Row(
        what,
        f"{run.rate:.0f}/s p50 {ms(run.percentile(50))} p99 {ms(run.percentile(99))}"
        f" ({len(run.latencies)}; {dict(sorted(run.statuses.items()))}) {cpu}".rstrip(),
        f"{ceiling:.0f}/s" if ceiling else "",
        ratio,
        target,
    )


class Profiler:
    """py-spy on a service while a phase runs (--profile): collapsed stacks per phase."""

    def __init__(self, folder: Path | None, cpu_folder: Path | None = None) -> None:
        self.folder = folder
        self.cpu_folder = cpu_folder
        self._running: list[subprocess.Popen] = []
        self._signalled: list[ServiceProcess] = []

    def service_env(self) -> dict[str, str]:
        """What a service needs for --cpu-profile (benchmarks/cpu_profiling)."""
        if self.cpu_folder is None:
            return {}
        self.cpu_folder.mkdir(parents=True, exist_ok=True)
        path = [str(CPU_PROFILING), os.environ.get("PYTHONPATH", "")]
        return {
            "BENCH_CPU_PROFILE_DIR": str(self.cpu_folder.resolve()),
            "PYTHONPATH": os.pathsep.join(p for p in path if p),
        }

    def start(self, phase: str, services: dict[str, ServiceProcess], *names: str) -> None:
        if self.cpu_folder is not None:
            (self.cpu_folder / "phase").write_text(phase)
            for name in names:
                services[name].process.send_signal(signal.SIGUSR1)
                self._signalled.append(services[name])
        if self.folder is None:
            return
        self.folder.mkdir(parents=True, exist_ok=True)
        for name in names:
            self._running.append(
                subprocess.Popen(
                    [
                        str(Path(sys.executable).with_name("py-spy")),
                        "record",
                        "--format",
                        "raw",
                        "--rate",
                        "200",
                        "--nonblocking",
                        "-o",
                        str(self.folder / f"{phase}-{name}.txt"),
                        "--pid",
                        str(services[name].process.pid),
                    ],
                    stdout=subprocess.DEVNULL,
                    stderr=subprocess.DEVNULL,
                )
            )

    def stop(self) -> None:
        for service in self._signalled:
            service.process.send_signal(signal.SIGUSR2)  # writes its .prof
        self._signalled.clear()
        for process in self._running:
            process.send_signal(2)  # py-spy writes its output on SIGINT
            process.wait(30)
        self._running.clear()


CLOCK_TICKS = os.sysconf("SC_CLK_TCK")


def cpu_seconds(*processes: ServiceProcess) -> float:
    """CPU the processes used so far (user + system). Per operation it is steadier than
    wall time on a shared machine: other work slows a request, it does not make it
    cost more CPU."""
    total = 0
    for process in processes:
        fields = Path(f"/proc/{process.process.pid}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])
    return total / CLOCK_TICKS


class CpuMeter:
    def __init__(self, *processes: ServiceProcess) -> None:
        self.processes = processes
        self.start = cpu_seconds(*processes)

    def used(self) -> float:
        return cpu_seconds(*self.processes) - self.start

    def per(self, count: int) -> str:
        return f"CPU {1000 * self.used() / max(count, 1):.1f} ms/op"


def _each(meters: dict[str, CpuMeter], count: int) -> str:
    """CPU per operation of each process, and their sum."""
    each = {name: meter.used() / max(count, 1) for name, meter in meters.items()}
    parts = ", ".join(f"{name} {1000 * seconds:.1f}" for name, seconds in each.items())
    return f"CPU {1000 * sum(each.values()):.1f} ms/op ({parts})"


def scheduled_seconds(process: ServiceProcess) -> tuple[float, float]:
    """Seconds the process's threads ran on a CPU and waited in the run queue for one
    (/proc/PID/task/*/schedstat). Over a phase, the rest of its wall time it slept:
    waiting on a socket, a timer, a lock. That tells a consumer that waits for work (or
    for a round trip) from one that waits for a CPU on a loaded machine."""
    ran = queued = 0
    for task in Path(f"/proc/{process.process.pid}/task").iterdir():
        try:
            fields = (task / "schedstat").read_text().split()
        except OSError:
            continue  # a thread that ended meanwhile
        ran, queued = ran + int(fields[0]), queued + int(fields[1])
    return ran / 1e9, queued / 1e9


class TimeSplit:
    """Per process over a phase: on CPU / waiting for a CPU / asleep, in seconds."""

    def __init__(self, services: dict[str, ServiceProcess], names: tuple[str, ...]) -> None:
        self.processes = {name: services[name] for name in names}
        self.start = {name: scheduled_seconds(p) for name, p in self.processes.items()}
        self.started = time.perf_counter()

    def __str__(self) -> str:
        wall = time.perf_counter() - self.started
        parts = []
        for name, process in self.processes.items():
            ran, queued = scheduled_seconds(process)
            ran, queued = ran - self.start[name][0], queued - self.start[name][1]
            parts.append(
                f"{name} CPU {ran:.1f} s, run queue {queued:.1f} s, asleep "
                f"{max(wall - ran - queued, 0):.1f} s"
            )
        return "; ".join(parts)


def rss_mb(process: ServiceProcess) -> float:
    for line in Path(f"/proc/{process.process.pid}/status").read_text().splitlines():
        if line.startswith("VmRSS:"):
            return int(line.split()[1]) / 1024
    return float("nan")


async def bare_endpoint(work: Path, count: int, concurrency: int) -> tuple[Run, str]:
    port = free_port()
    process = ServiceProcess("bare", port, log_path=work / "bare.log")
    process.process = subprocess.Popen(
        [sys.executable, "-m", "benchmarks.bare_app"],
        env={**os.environ, "HTTP_PORT": str(port)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.STDOUT,
    )
    try:
        process.wait_ready()
        async with client(process.url, {}) as http:
            await closed_loop(
                http, lambda c, n: c.post("/things", json=booking(n)), 200, concurrency
            )  # warm-up
            cpu = CpuMeter(process)
            run = await closed_loop(
                http, lambda c, n: c.post("/things", json=booking(n)), count, concurrency
            )
            return run, cpu.per(count)
    finally:
        process.stop()


async def wait_complete(tracker: FanOutTracker, stay_ids: list[str], timeout: float) -> None:
    deadline = time.perf_counter() + timeout
    while not all(s in tracker.complete_at for s in stay_ids):
        if time.perf_counter() > deadline:
            missing = sum(s not in tracker.complete_at for s in stay_ids)
            raise TimeoutError(
                f"{missing} of {len(stay_ids)} stays lack an effect after {timeout}s"
            )
        await asyncio.sleep(0.05)


async def settle(url: str, services: tuple[str, ...] = (), timeout: float = 300) -> None:
    """Waits until every consumer queue (of `services`, else of all) is empty twice in a
    row, so a phase does not pay for the backlog of the one before."""
    names = [
        queue.name
        for service, queues in CONSUMER_QUEUES.items()
        if not services or service in services
        for queue in queues
    ]
    deadline, quiet = time.perf_counter() + timeout, 0
    while quiet < 2 and time.perf_counter() < deadline:
        quiet = quiet + 1 if not any((await queue_depths(url, names)).values()) else 0
        await asyncio.sleep(0.5)


async def consumed(stack: Stack) -> dict[str, float]:
    """Messages each service's consumers handled so far (its /metrics)."""
    async with httpx.AsyncClient(headers=stack.credentials.headers("ops")) as http:
        return {
            name: (await service_marks(http, service.url)).consumed
            for name, service in stack.services.items()
        }


def per_operation(before: dict[str, float], after: dict[str, float], operations: int) -> str:
    each = {name: (after[name] - before[name]) / operations for name in after}
    split = ", ".join(f"{name} {count:.1f}" for name, count in each.items())
    return f"{sum(each.values()):.1f} ({split})"


async def inject_checkouts(url: str, count: int) -> list[str]:
    """Profile and checkout events of `count` guests, published as the producers' relays
    do (windowed, confirms, mandatory, persistent, under each producer's broker login with
    its AMQP user_id: consumers park a message nobody vouches for); returns the stay ids.
    The profiles go first, as a guest is known before they leave."""
    pairs = [injected_checkout(n) for n in range(count)]
    for events in ([p for p, _ in pairs], [c for _, c in pairs]):
        login = events[0].producer if is_local_broker(url) else None
        async with await aio_pika.connect_robust(
            url_as(url, login) if login else url
        ) as connection:
            channel = await connection.channel(publisher_confirms=True, on_return_raises=True)
            exchange = await channel.get_exchange(EVENTS_EXCHANGE)
            for first in range(0, len(events), WINDOW):
                await asyncio.gather(
                    *(
                        exchange.publish(
                            to_amqp_message(outbox_entry(e), user_id=login),
                            routing_key=e.type,
                            mandatory=True,
                        )
                        for e in events[first : first + WINDOW]
                    )
                )
    return [checked_out.payload.stay_id for _, checked_out in pairs]


async def real_path(
    stack: Stack,
    rows: list[Row],
    args: argparse.Namespace,
    bare: float,
    capacity: dict[str, int],
    profiler: Profiler,
) -> None:
    c = args.clients
    keys = stack.credentials
    async with (
        client(stack.services["reservation"].url, keys.headers("manager")) as reservation,
        client(stack.services["frontdesk"].url, keys.headers("manager")) as frontdesk,
        FanOutTracker(stack.amqp_url) as tracker,
    ):
        requested = sum(capacity.values()) + args.rooms // 15  # a few more than the rooms
        profiler.start("creates", stack.services, *stack.services)  # the followers too
        cpu = CpuMeter(stack.services["reservation"])
        # What the departments that follow a booking spend on it meanwhile (the bare
        # endpoint has no followers): the rest of the machine's CPU per create.
        followers = {
            name: CpuMeter(service)
            for name, service in stack.services.items()
            if name != "reservation"
        }
        handled = await consumed(stack)
        loader = time.process_time()  # the clients' own CPU: they share the two cores
        creates = await closed_loop(
            reservation, lambda h, n: h.post("/reservations", json=booking(n)), requested, c
        )
        profiler.stop()
        booked = [r.json()["id"] for r in creates.answers if r.status_code == 201]
        accepted: dict[str, int] = {}
        for r, n in zip(creates.answers, range(requested), strict=True):
            if r.status_code == 201:
                accepted[booking(n)["room_type"]] = accepted.get(booking(n)["room_type"], 0) + 1
        oversold = sum(max(0, accepted.get(t, 0) - rooms) for t, rooms in capacity.items())
        rows.append(
            http_row(
                "reservation creates (POST /reservations)",
                creates,
                bare,
                ">= 0.70x bare",
                f"{cpu.per(requested)}; followers {_each(followers, requested)}; "
                f"clients CPU {1000 * (time.process_time() - loader) / requested:.1f} ms/op",
            )
        )
        cpu = CpuMeter(stack.services["reservation"])
        reads = await closed_loop(
            reservation,
            lambda h, n: h.get(
                "/availability", params={"arrival": ARRIVAL, "departure": DEPARTURE}
            ),
            600,
            c,
        )
        rows.append(
            http_row("availability reads (GET /availability)", reads, bare, cpu=cpu.per(600))
        )
        left = reads.answers[-1].json()

        async def arrivals() -> int:
            return (await frontdesk.get("/arrivals", params={"date": ARRIVAL, "limit": 1})).json()[
                "total"
            ]

        deadline = time.perf_counter() + 120
        while await arrivals() < len(booked) and time.perf_counter() < deadline:
            await asyncio.sleep(0.2)

        await settle(stack.amqp_url)
        rows.append(
            Row(
                "messages the departments consumed per booking",
                per_operation(handled, await consumed(stack), len(booked)),
            )
        )
        # A guest checks in on the arrival business date only, and leaves on the departure
        # day: the services' clock (TEST_CLOCK_FILE) is moved as the e2e tests move it.
        stack.set_hotel_time(ARRIVAL, 15)
        # As before the departures below: the arrival day's own morning work (the
        # housekeeping plan at 08:00, the night's follow-ups) is done before the
        # afternoon's arrivals; the clock's jump starts it now, not at 08:00.
        await stack.wait_quiet(timeout=300, workers=("daily-plan", "in-stay-surveys"))
        handled = await consumed(stack)
        profiler.start("checkin", stack.services, *stack.services)  # the followers too
        cpu = CpuMeter(stack.services["frontdesk"])
        followers = {
            name: CpuMeter(service)
            for name, service in stack.services.items()
            if name != "frontdesk"
        }
        loader = time.process_time()
        checkins = await closed_loop(
            frontdesk,
            lambda h, n: h.post("/stays", json={"reservation_id": booked[n]}),
            len(booked),
            c,
        )
        profiler.stop()
        rows.append(
            http_row(
                f"check-ins (POST /stays, {args.rooms} rooms)",
                checkins,
                bare,
                "p50 < 50 ms",
                f"{cpu.per(len(booked))}; the others {_each(followers, len(booked))}; "
                f"clients CPU {1000 * (time.process_time() - loader) / len(booked):.1f} ms/op",
            )
        )
        stays = [r.json()["stay_id"] for r in checkins.answers if r.status_code == 201]
        await settle(stack.amqp_url)
        rows.append(
            Row(
                "messages the departments consumed per check-in",
                per_operation(handled, await consumed(stack), len(stays)),
            )
        )

        def check_out(ids: list[str]):
            return lambda h, n: h.post(f"/stays/{ids[n]}/checkout")

        stack.set_hotel_time(DEPARTURE, 10)
        # A real morning's own work is done before the first departures: the day's
        # housekeeping plan at 08:00 (every occupied room), the in-stay questionnaires due
        # this morning. Here the clock jumps to 10:00 and that work starts with the
        # check-outs; without this wait the paced phases measured it (cleaning's p99 4 s
        # at 20/s, the plan 20% of housekeeping), not the fan-out.
        await stack.wait_quiet(timeout=300, workers=("daily-plan", "in-stay-surveys"))
        position = 0
        for pace in PACES:
            ids = stays[position : position + pace * PACED_SECONDS]
            position += len(ids)
            await settle(stack.amqp_url)
            if pace == 20:
                profiler.start(
                    "fanout-paced20",
                    stack.services,
                    "housekeeping",
                    "loyalty",
                    "feedback",
                    "frontdesk",
                )
            run, answered = await paced(frontdesk, check_out(ids), len(ids), pace)
            await wait_complete(tracker, ids, 180)
            profiler.stop()
            latencies = [tracker.complete_at[s] - t for s, t in zip(ids, answered, strict=True)]
            by_effect = ", ".join(
                f"{name} {ms(percentile(values, 99))}"
                for name, values in tracker.effect_latencies(ids, answered).items()
            )
            rows.append(
                Row(
                    f"fan-out paced {pace}/s ({len(ids)} check-outs)",
                    f"p50 {ms(percentile(latencies, 50))} p95 "
                    f"{ms(percentile(latencies, 95))} p99 {ms(percentile(latencies, 99))}"
                    f" (p99 {by_effect})",
                    target="p99 < 250 ms" if pace == 20 else "",
                )
            )
            rows.append(http_row(f"  check-out answers at {pace}/s", run))

        ids = stays[position:]
        await settle(stack.amqp_url)
        cpu = CpuMeter(stack.services["frontdesk"])
        started = time.perf_counter()
        burst = await closed_loop(frontdesk, check_out(ids), len(ids), c)
        await wait_complete(tracker, ids, 300)
        drained = max(tracker.complete_at[s] for s in ids) - started
        rows.append(
            http_row(
                f"check-outs, burst of the other {len(ids)}", burst, bare, cpu=cpu.per(len(ids))
            )
        )
        rows.append(Row("  fan-out drain of that burst", f"{len(ids) / drained:.0f} stays/s"))

        await injected_burst(stack, tracker, rows, args.burst, profiler)
        rows.append(
            Row(
                "oversold nights",
                f"{oversold} (accepted {sum(accepted.values())} of "
                f"{requested} for {sum(capacity.values())} rooms; availability left "
                f"{_left(left)})",
                target="0",
            )
        )
        for name in SERVICE_NAMES:
            rows.append(Row(f"memory {name}", f"{rss_mb(stack.services[name]):.0f} MB RSS"))


BURST_CONSUMERS = ("housekeeping", "loyalty", "feedback")


async def injected_burst(
    stack: Stack, tracker: FanOutTracker, rows: list[Row], count: int, profiler: Profiler
) -> None:
    """`count` check-outs injected on the broker at once; the drain rate to all three
    effects and the three consumers' CPU per stay."""
    await settle(stack.amqp_url, tuple(stack.services))
    profiler.start("fanout-burst", stack.services, *BURST_CONSUMERS)
    consumers = CpuMeter(*(stack.services[n] for n in BURST_CONSUMERS))
    split = TimeSplit(stack.services, BURST_CONSUMERS)
    started = time.perf_counter()
    injected = await inject_checkouts(stack.amqp_url, count)
    await wait_complete(tracker, injected, 600)
    drained = max(tracker.complete_at[s] for s in injected) - started
    profiler.stop()
    last = tracker.last_effects(injected, started)
    split_text = str(split)
    rows.append(
        Row(
            f"fan-out drain, burst of {count} injected check-outs",
            f"{count / drained:.0f} stays/s ({drained:.1f} s; last {last}); housekeeping + "
            f"loyalty + feedback {consumers.per(count).replace('op', 'stay')}",
            target=">= 50 stays/s",
        )
    )
    rows.append(Row("  where the consumers' time went", split_text))


async def burst_only(stack: Stack, rows: list[Row], count: int, profiler: Profiler) -> None:
    """--only burst: the injected burst alone, on consumers started for it (fresh stores,
    where the full run's burst follows 600 stays), to measure a change to the fan-out in
    a minute instead of the whole table's several."""
    async with FanOutTracker(stack.amqp_url) as tracker:
        await injected_burst(stack, tracker, rows, count, profiler)


def _left(availability: dict) -> str:
    """Rooms left over all types (the availability answer is keyed by room type)."""
    return str(sum(t.get("rooms_left", 0) for t in availability.values() if isinstance(t, dict)))


class _ProgressRows(list):
    """The table so far, each line also told on stderr as it comes."""

    def append(self, row: Row) -> None:
        progress(f"{row.what}: {row.figure}")
        super().append(row)


def table(rows: list[Row]) -> str:
    head = ("what", "figure", "ceiling", "ratio", "target")
    widths = [
        max(len(head[i]), *(len(getattr(r, f)) for r in rows))
        for i, f in enumerate(("what", "figure", "ceiling", "ratio", "target"))
    ]
    lines = [
        "| " + " | ".join(h.ljust(w) for h, w in zip(head, widths, strict=True)) + " |",
        "|" + "|".join("-" * (w + 2) for w in widths) + "|",
    ]
    for r in rows:
        cells = (r.what, r.figure, r.ceiling, r.ratio, r.target)
        lines.append(
            "| " + " | ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)) + " |"
        )
    return "\n".join(lines)


def machine() -> str:
    cpu = next(
        (
            line.split(":", 1)[1].strip()
            for line in Path("/proc/cpuinfo").read_text().splitlines()
            if line.startswith("model name")
        ),
        platform.processor(),
    )
    return f"{platform.node()}, {os.cpu_count()} CPUs ({cpu}), Python {platform.python_version()}"


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--rooms", type=int, default=600)
    parser.add_argument("--clients", type=int, default=16)
    parser.add_argument("--burst", type=int, default=1000)
    parser.add_argument("--raw", type=int, default=10000, help="messages for the raw broker")
    parser.add_argument("--profile", type=Path, help="py-spy collapsed stacks into this folder")
    parser.add_argument(
        "--cpu-profile",
        type=Path,
        help="cProfile in CPU time of the services per phase into this folder (.prof)",
    )
    parser.add_argument(
        "--only",
        choices=("burst",),
        help="burst: only the injected burst, on the three consumers (no ceilings, no HTTP)",
    )
    args = parser.parse_args()
    load_before = os.getloadavg()
    started = datetime.now(UTC)
    revision = _git_revision()  # the code measured, not the code at the end of the run
    rows: list[Row] = _ProgressRows()
    profiler = Profiler(args.profile, args.cpu_profile)
    with local_vhost("hotel-bench") as url, tempfile.TemporaryDirectory() as folder:
        work = Path(folder)
        bare = None if args.only else ceilings(url, work, args, rows)
        capacity = write_property(work / "property.json", args.rooms)
        smtp = SmtpSink().start()
        stack = Stack(amqp_url=url, smtp=smtp, work_dir=work)
        try:
            stack.start(
                *(BURST_CONSUMERS if args.only == "burst" else SERVICE_NAMES),
                LOG_LEVEL="WARNING",
                PROPERTY_FILE=str(work / "property.json"),
                # The services refuse the development secrets otherwise (as make run does).
                DEVELOPMENT_MODE="true",
                **profiler.service_env(),
            )
            if args.only == "burst":
                asyncio.run(burst_only(stack, rows, args.burst, profiler))
            else:
                assert bare is not None
                asyncio.run(real_path(stack, rows, args, bare.rate, capacity, profiler))
        except BaseException:
            for name, service in stack.services.items():  # the folder goes with the run
                if service.log_path and service.log_path.exists():
                    tail = service.log_path.read_text(errors="replace")[-3000:]
                    print(f"--- {name} log (end) ---\n{tail}", file=sys.stderr)
            raise
        finally:
            profiler.stop()
            stack.stop()
            smtp.stop()
    load_after = os.getloadavg()
    report = (
        f"## {started:%Y-%m-%d %H:%M} UTC, {machine()}\n\n"
        f"git {revision}; load average before {load_before[0]:.2f}, after "
        f"{load_after[0]:.2f} (other work on the machine); {args.rooms} rooms, "
        f"{args.clients} clients{' (--only burst)' if args.only else ''}\n\n{table(rows)}\n"
    )
    print(report)
    with RESULTS.open("a") as out:
        out.write("\n" + report)


def ceilings(url: str, work: Path, args: argparse.Namespace, rows: list[Row]) -> Run:
    """The raw broker, the relay alone and the bare endpoint; returns the bare run."""
    publish_rate, consume_rate = asyncio.run(raw_broker(url, args.raw))
    rows.append(
        Row(
            f"raw broker publish ({args.raw}, window {WINDOW}, quorum, persistent)",
            f"{publish_rate:.0f} msg/s",
        )
    )
    rows.append(Row("raw broker consume (prefetch 200, acks)", f"{consume_rate:.0f} msg/s"))
    relay = asyncio.run(relay_alone(url, 3000))
    rows.append(
        Row(
            "outbox relay alone (3000 documents + 600 idle)",
            f"{relay:.0f} msg/s",
            f"{publish_rate:.0f} msg/s",
            f"{relay / publish_rate:.2f}x",
            ">= 0.50x raw publish",
        )
    )
    bare, bare_cpu = asyncio.run(bare_endpoint(work, 2000, args.clients))
    rows.append(http_row("bare FastAPI endpoint, one store insert", bare, cpu=bare_cpu))
    return bare


def _git_revision() -> str:
    try:
        return subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], capture_output=True, text=True, check=True
        ).stdout.strip()
    except (OSError, subprocess.CalledProcessError):
        return "unknown"


if __name__ == "__main__":
    main()
