"""CPU per stay.checked_out in each of its three consumers (housekeeping, loyalty,
feedback), in process: a steadier A/B than the burst's wall time on a shared machine.

Each consumer is built as its main.py builds it, on the embedded store with a journal in
a temporary folder and no interleaving (as make run), logging at INFO (to /dev/null), and
is fed what the burst of `benchmarks.run` brings it per stay, through the use cases its
subscribers call: the guest's contact (loyalty, feedback), the check-out (all three),
then the guest.created and guest.updated that loyalty publishes for them (housekeeping,
feedback; loyalty runs first, its relay's messages are what they get). After every
`--chunk` events the workers a write wakes make their passes, as in the service: the
outbox relay (on a channel that confirms at once: no broker) and, in feedback, the survey
mailer (over SMTP to a sink in another process, one kept connection, as make run).
Not measured: aio-pika, FastStream and the broker, a per-message cost the same for every
message; `benchmarks.run --only burst` measures the whole.

    python -m benchmarks.checkout_consumers_cpu                 # 1000 stays
    python -m benchmarks.checkout_consumers_cpu --profile DIR   # and a cProfile per consumer
    python -m benchmarks.checkout_consumers_cpu --ab 2          # 2 x (before, after), see AB
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import logging
import os
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import timedelta
from pathlib import Path
from typing import Any

from shared import embedded_keys
from shared.business_date import BusinessDates
from shared.clock import PropertyClock, wall_clock_from
from shared.events import GuestContactCaptured, GuestCreated, GuestUpdated, StayCheckedOut
from shared.logging import configure_logging
from shared.mongo import close_database, connect_database
from shared.outbox import OutboxRelay
from shared.property_setup import load_property
from tests.support.journeys import checkout

Handler = Callable[[Any], Awaitable[None]]


class _Channel:
    """What the relay publishes on: every message confirmed at once, and kept (loyalty's
    guest events go on to the other two)."""

    is_closed = False

    def __init__(self) -> None:
        self.published: list[tuple[str, bytes]] = []

    async def get_underlay_channel(self) -> _Channel:
        return self

    async def basic_publish(self, body: bytes, *, routing_key: str, **publish: Any) -> None:
        self.published.append((routing_key, body))


def relay_of(database: Any, collections: tuple[str, ...]) -> tuple[OutboxRelay, _Channel]:
    relay = OutboxRelay(database, collections, poll_seconds=1, lease_seconds=30, linger_seconds=0)
    channel = _Channel()
    relay._channel = channel  # type: ignore[assignment]  # as start() would, minus the broker
    return relay, channel


@dataclass
class Consumer:
    """One service's subscribers to the burst's events, and the workers they wake."""

    name: str
    handlers: dict[str, Handler]  # by event type
    passes: list[Callable[[], Awaitable[int]]]
    database: Any
    channel: _Channel
    cpu: dict[str, float] = field(default_factory=dict)


async def housekeeping(folder: Path) -> Consumer:
    from services.housekeeping.amenities import default_stock
    from services.housekeeping.config import Settings
    from services.housekeeping.maintenance import MaintenanceService
    from services.housekeeping.repository import OUTBOX_COLLECTIONS, HousekeepingRepository
    from services.housekeeping.rooms import RoomKeeper
    from services.housekeeping.service import HousekeepingService

    settings = Settings(embedded_store_dir=str(folder / "housekeeping"))
    database = connect_database(settings)
    relay, channel = relay_of(database, OUTBOX_COLLECTIONS)
    clock = wall_clock_from(None)
    repository = HousekeepingRepository(database, settings.property_id)
    dates = BusinessDates(
        database, settings.property_id, PropertyClock(clock, settings.property_timezone)
    )
    rooms = RoomKeeper(repository, events_written=relay.wake)
    maintenance = MaintenanceService(repository, rooms, clock=clock, events_written=relay.wake)
    service = HousekeepingService(
        repository,
        rooms,
        maintenance,
        clock=clock,
        events_written=relay.wake,
        business_dates=dates,
    )
    stock = default_stock(settings.amenity_initial_stock, settings.amenity_reorder_point)
    await repository.prepare(load_property(settings.property_file), stock)
    return Consumer(
        "housekeeping",
        {
            StayCheckedOut.event_type: service.on_check_out,
            GuestCreated.event_type: service.on_guest_profile,
            GuestUpdated.event_type: service.on_guest_profile,
        },
        [relay.publish_pending],
        database,
        channel,
    )


async def loyalty(folder: Path) -> Consumer:
    from services.loyalty.config import Settings
    from services.loyalty.guests import GuestStore
    from services.loyalty.main import earning_rules
    from services.loyalty.profiles import ProfileService
    from services.loyalty.repository import OUTBOX_COLLECTIONS, LoyaltyRepository
    from services.loyalty.service import LoyaltyService

    settings = Settings(embedded_store_dir=str(folder / "loyalty"))
    database = connect_database(settings)
    relay, channel = relay_of(database, OUTBOX_COLLECTIONS)
    clock = wall_clock_from(None)
    repository = LoyaltyRepository(database)
    store = GuestStore(
        repository,
        property_id=settings.property_id,
        clock=clock,
        events_written=relay.wake,
        messages_queued=lambda: None,  # no campaign mail for these guests
        business_dates=BusinessDates(
            database, settings.property_id, PropertyClock(clock, settings.property_timezone)
        ),
    )
    service = LoyaltyService(
        store,
        rules=earning_rules(settings),
        inactivity=timedelta(days=settings.points_inactivity_days),
    )
    profiles = ProfileService(store, match_secret=settings.match_key_secret)
    await repository.prepare()
    return Consumer(
        "loyalty",
        {
            GuestContactCaptured.event_type: profiles.record_contact,
            StayCheckedOut.event_type: service.earn_for_stay,
        },
        [relay.publish_pending],
        database,
        channel,
    )


async def feedback(folder: Path, smtp_port: int) -> Consumer:
    from services.feedback.channels import ChannelSender, SmtpSender
    from services.feedback.config import Settings
    from services.feedback.mailer import SurveyMailer
    from services.feedback.repository import OUTBOX_COLLECTIONS, FeedbackRepository
    from services.feedback.service import FeedbackService, utc_now
    from shared.sms import FileSmsGateway

    settings = Settings(
        embedded_store_dir=str(folder / "feedback"),
        sms_log_path=str(folder / "sms.log"),
        smtp_port=smtp_port,
    )
    database = connect_database(settings)
    relay, channel = relay_of(database, OUTBOX_COLLECTIONS)
    repository = FeedbackRepository(database)
    sender = ChannelSender(email=SmtpSender(settings), sms=FileSmsGateway(settings.sms_log_path))
    mailer = SurveyMailer(repository, sender, settings, events_written=relay.wake, clock=utc_now)
    service = FeedbackService(
        repository,
        settings,
        surveys_due=mailer.wake,
        notices_due=lambda: None,
        events_written=relay.wake,
        clock=utc_now,
        business_dates=BusinessDates(
            database,
            settings.property_id,
            PropertyClock(wall_clock_from(None), settings.property_timezone),
        ),
    )
    await service.prepare()

    async def mail_all() -> int:
        sent = 0
        while handled := await mailer.work_once():
            sent += handled
        return sent

    return Consumer(
        "feedback",
        {
            GuestContactCaptured.event_type: service.record_contact,
            StayCheckedOut.event_type: service.survey_after_stay,
            GuestCreated.event_type: service.record_profile,
            GuestUpdated.event_type: service.record_profile,
        },
        [mail_all, relay.publish_pending],
        database,
        channel,
    )


async def feed(consumer: Consumer, phase: str, events: list[Any], chunk: int) -> None:
    """The events its subscribers take, each through its use case, with the workers'
    passes after every `chunk`."""
    taken = [event for event in events if event.type in consumer.handlers]
    if not taken:
        return
    started = time.process_time()
    for first in range(0, len(taken), chunk):
        for event in taken[first : first + chunk]:
            await consumer.handlers[event.type](event)
        for work in consumer.passes:
            await work()
    consumer.cpu[phase] = time.process_time() - started


def smtp_sink(port: int) -> subprocess.Popen[bytes]:
    """An SMTP server that takes every mail and drops it, in its own (niced) process: its
    CPU is not the consumer's."""
    sink = subprocess.Popen(
        [
            "nice",
            "-n",
            "19",
            sys.executable,
            "-m",
            "aiosmtpd",
            "-n",
            "-l",
            f"127.0.0.1:{port}",
            "-c",
            "aiosmtpd.handlers.Sink",
        ],
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
    )
    deadline = time.monotonic() + 30
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            return sink
        except OSError:
            time.sleep(0.1)
    sink.kill()
    raise RuntimeError("the SMTP sink did not start")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


GUEST_EVENTS: dict[str, type[GuestCreated] | type[GuestUpdated]] = {
    GuestCreated.event_type: GuestCreated,
    GuestUpdated.event_type: GuestUpdated,
}


async def measure(stays: int, chunk: int, profile_folder: Path | None) -> list[Consumer]:
    pairs = [checkout(n) for n in range(stays)]
    phases: dict[str, list[Any]] = {
        "contacts": [p for p, _ in pairs],
        "checkouts": [c for _, c in pairs],
    }
    port = free_port()
    sink = smtp_sink(port)
    try:
        with tempfile.TemporaryDirectory() as folder:
            consumers = [
                await loyalty(Path(folder)),
                await housekeeping(Path(folder)),
                await feedback(Path(folder), port),
            ]
            for consumer in consumers:
                profile = cProfile.Profile(time.process_time) if profile_folder else None
                if profile:
                    profile.enable()
                for phase, events in phases.items():
                    await feed(consumer, phase, events, chunk)
                if profile and profile_folder:
                    profile.disable()
                    profile_folder.mkdir(parents=True, exist_ok=True)
                    profile.dump_stats(str(profile_folder / f"{consumer.name}.prof"))
                if consumer.name == "loyalty":  # what it told the others of its guests
                    phases["guest events"] = [
                        GUEST_EVENTS[key].model_validate_json(body)
                        for key, body in consumer.channel.published
                        if key in GUEST_EVENTS
                    ]
                close_database(consumer.database)
            return consumers
    finally:
        sink.terminate()
        sink.wait()


# What --ab switches off for "before" and on for "after", alternating in one process.
AB = (
    "the embedded store narrows an equality and a range of datetimes by a compound index "
    "(RANGES), evaluates an $or's candidate against its own branches (EITHER_BY_BRANCH) "
    "and rules out candidates by their own values (PRUNE_BY_VALUE)"
)


def set_variant(after: bool) -> None:
    embedded_keys.RANGES = embedded_keys.EITHER_BY_BRANCH = embedded_keys.PRUNE_BY_VALUE = after


def report(consumers: list[Consumer], stays: int, label: str) -> None:
    total = 0.0
    for consumer in consumers:
        per = {phase: cpu * 1000 / stays for phase, cpu in consumer.cpu.items()}
        total += sum(per.values())
        parts = ", ".join(f"{phase} {ms:.2f}" for phase, ms in per.items())
        print(
            f"{label}{consumer.name:<13} CPU ms per stay: {parts}; together {sum(per.values()):.2f}"
        )
    print(f"{label}{'all three':<13} CPU {total:.2f} ms per stay ({stays} stays)")


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--stays", type=int, default=1000)
    parser.add_argument("--chunk", type=int, default=50, help="events between worker passes")
    parser.add_argument("--profile", type=Path, help="a cProfile (CPU time) per consumer here")
    parser.add_argument("--log-level", default="INFO")
    parser.add_argument("--ab", type=int, default=0, help="rounds of before/after: " + AB)
    args = parser.parse_args()
    os.environ.setdefault("DEVELOPMENT_MODE", "true")  # the development secrets, as tests use
    # As the services log (their lines are part of their CPU), but not on this screen.
    configure_logging("checkout-consumers-cpu", args.log_level)
    logging.getLogger().handlers[0].setStream(open(os.devnull, "w"))  # noqa: SIM115
    if not args.ab:
        report(asyncio.run(measure(args.stays, args.chunk, args.profile)), args.stays, "")
        return
    print(f"before/after: {AB}")
    for _ in range(args.ab):
        for after in (False, True):
            set_variant(after)
            consumers = asyncio.run(measure(args.stays, args.chunk, None))
            report(consumers, args.stays, "after  " if after else "before ")


if __name__ == "__main__":
    main()
