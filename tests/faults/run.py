"""The fault suite from the command line: guest journeys through every fault scenario,
then the checker's verdict and the recovery times.

    .venv/bin/python -m tests.faults.run --journeys 10000     # the full run (long)
    .venv/bin/python -m tests.faults.run --short              # what make test runs

The five services run as processes against a RabbitMQ node of the run's own (its own
ports and data folder), each through a TCP proxy of its own; nothing else on the machine
is touched. Exit status 1 when anything was lost, doubled or unexpected."""

from __future__ import annotations

import argparse
import asyncio
import functools
import sys
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from tests.faults import scenarios as s
from tests.faults.harness import FaultSystem
from tests.support.termination import stop_cleanly_on_sigterm


class Lines(list[str]):
    """The run's figures, printed as they come (a long run shows its progress)."""

    def append(self, line: str) -> None:
        print(line, flush=True)
        super().append(line)

    def __iadd__(self, lines: object) -> Lines:
        for line in lines:  # type: ignore[attr-defined]
            self.append(line)
        return self


@dataclass(frozen=True)
class Plan:
    """How many journeys each phase drives, and how hard each fault hits."""

    calm: int
    service_kills: int
    broker_kills: int
    network_cut: int
    dropped_confirms: int
    slow_consumer: int
    kill_rounds: int = 3
    broker_rounds: int = 3
    cut_seconds: float = 10.0
    kill_every: float = 4.0
    burst: int = 3000
    # Events published again (1-5 copies each, shuffled): a random sample of the run's,
    # or all of them (None). A full run publishes ~19 events a journey; sending all
    # 190,000 again takes as long as the run itself and proves nothing a sample doesn't.
    redelivered: int | None = None

    @classmethod
    def for_journeys(cls, total: int) -> Plan:
        share = total // 10
        return cls(
            calm=total - 9 * share,
            service_kills=2 * share,
            broker_kills=2 * share,
            network_cut=2 * share,
            dropped_confirms=share,
            slow_consumer=2 * share,
            redelivered=20_000,
        )

    @classmethod
    def short(cls) -> Plan:
        return cls(
            calm=5,
            service_kills=25,
            broker_kills=20,
            network_cut=15,
            dropped_confirms=10,
            slow_consumer=0,
            kill_rounds=1,
            broker_rounds=1,
            cut_seconds=3.0,
            kill_every=1.5,
            burst=200,
        )


async def run(plan: Plan, work_dir: Path, concurrency: int) -> tuple[list[str], bool]:
    system = FaultSystem(work_dir)
    lines = Lines()
    started = time.monotonic()
    try:
        # A service started before the broker: it waits, then joins by itself.
        system.smtp.start()
        for proxy in system.proxies.values():
            proxy.start()
        for name in s.SERVICE_NAMES:
            system.start_service(name, wait=False)
        await asyncio.sleep(1)
        assert not any(system.ready(n) for n in s.SERVICE_NAMES), "ready without a broker"
        broker_up = time.monotonic()
        system.start_broker()
        joined = await system.wait_ready()
        lines.append(
            f"services started before the broker: all ready {joined:.1f}s after "
            f"the broker answered (broker start {time.monotonic() - broker_up - joined:.1f}s)"
        )
        recorder = s.Recorder(system.broker.url)
        await recorder.declare()

        fault_run = s.FaultRun(system, run=str(int(time.time())), concurrency=concurrency)
        await fault_run.phase("calm", plan.calm)
        await fault_run.phase(
            "every service SIGKILLed",
            plan.service_kills,
            functools.partial(s.kill_each_service, times=plan.kill_rounds, every=plan.kill_every),
        )
        await fault_run.phase(
            "broker SIGKILLed and restarted",
            plan.broker_kills,
            functools.partial(s.kill_the_broker, times=plan.broker_rounds),
        )
        await fault_run.phase(
            f"connections cut for {plan.cut_seconds:.0f}s",
            plan.network_cut,
            functools.partial(s.cut_the_network, seconds=plan.cut_seconds),
        )
        await fault_run.phase(
            "confirms lost (producer links cut mid-publish)", plan.dropped_confirms, s.drop_confirms
        )
        if plan.slow_consumer:
            await fault_run.phase(
                "slow consumer (loyalty's link slowed)", plan.slow_consumer, s.slow_consumer
            )
        # Events of the run once more, 1 to 5 copies each, out of order, and a poison.
        recorded = await recorder.take()
        sample = s.sample_of(recorded, plan.redelivered)
        copies = await s.redeliver(system.broker.url, sample)
        await s.poison(system.broker.url)
        lines.append(
            f"redelivered: {len(sample)} of {len(recorded)} recorded events as {copies} "
            "copies (1-5 each, shuffled); 1 poison message"
        )

        tally = await fault_run.settle()
        lines += [report.line() for report in fault_run.reports]
        parked = await s.parked(system.broker.url)
        lines.append(
            f"parked: {parked} (the poison message, expected 1 per consumer of stay.checked_out)"
        )
        lines.append(f"retries by the clients: {dict(fault_run.driver.stats.retries)}")
        at_rest = await s.booking_lag(system, date(2031, 1, 1), 1)
        burst = await s.burst_of_bookings(system, plan.burst, date(2032, 1, 1))
        after_burst = await s.booking_lag(system, date(2031, 1, 2), 2)
        lines.append(
            f"booking -> desk lag: {at_rest:.2f}s at rest; {after_burst:.2f}s right "
            f"after a burst of {plan.burst} bookings ({plan.burst / burst:.0f}/s)"
        )
        incomplete = len(fault_run.journeys) - tally.expected
        lines.append(
            f"RESULT: {tally.line()}; incomplete journeys {incomplete}; "
            f"run {time.monotonic() - started:.0f}s"
        )
        return lines, tally.clean and incomplete == 0 and parked >= 1
    finally:
        system.stop()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--journeys", type=int, default=10_000)
    parser.add_argument("--short", action="store_true", help="the ~2-minute version")
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--work-dir", type=Path, help="keep the logs and data here")
    args = parser.parse_args()
    plan = Plan.short() if args.short else Plan.for_journeys(args.journeys)
    work_dir = args.work_dir or Path(tempfile.mkdtemp(prefix="hotel-faults-"))
    print(f"logs and data: {work_dir}", flush=True)
    stop_cleanly_on_sigterm()
    _, clean = asyncio.run(run(plan, work_dir, args.concurrency))
    sys.exit(0 if clean else 1)


if __name__ == "__main__":
    main()
