"""The `hotel` command (installed by `make setup`; see the README's walkthrough)."""

from __future__ import annotations

import asyncio
import contextlib
import json
import time
from collections.abc import Coroutine
from datetime import date
from typing import Annotated, Any, TypeVar

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TextColumn, TimeElapsedColumn
from rich.table import Table

from shared.auth import SCOPES, ApiKey, new_credential
from shared.topology import CONSUMER_QUEUES

from . import broker
from .demo import Demo, DemoResult
from .http import ServiceDown, ServiceRefused, Services
from .mails import mails_to
from .settings import CliSettings, MissingKey

app = typer.Typer(
    help="The hotel guest-journey system from the command line.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
)
parking_app = typer.Typer(help="Poison messages: list, show, replay, purge.", no_args_is_help=True)
events_app = typer.Typer(help="Events on hotel.events.", no_args_is_help=True)
keys_app = typer.Typer(help="API keys.", no_args_is_help=True)
app.add_typer(parking_app, name="parking")
app.add_typer(events_app, name="events")
app.add_typer(keys_app, name="keys")

console = Console()
T = TypeVar("T")
QUEUE_OWNER = {
    queue.name: service for service, queues in CONSUMER_QUEUES.items() for queue in queues
}


def settings() -> CliSettings:
    return CliSettings.from_environment()


def run(coroutine: Coroutine[Any, Any, T]) -> T:
    """Runs a command's coroutine; the failures a user can fix end as one red line."""
    try:
        return asyncio.run(coroutine)
    except (ServiceDown, ServiceRefused, MissingKey, broker.BrokerDown) as error:
        console.print(f"[red]error:[/red] {error}")
        raise typer.Exit(2) from None


# --- demo --------------------------------------------------------------------------


@app.command()
def demo(
    guests: Annotated[
        int, typer.Option("--guests", "-n", min=1, max=1000, help="how many guest journeys")
    ] = 10,
    concurrency: Annotated[int, typer.Option(min=1, max=32)] = 6,
    timeout: Annotated[float, typer.Option(help="seconds to wait for each effect")] = 60,
) -> None:
    """Runs N guest journeys (book, check in, check out, clean the room) and shows what
    every service did."""
    config = settings()

    async def go() -> DemoResult:
        async with Services(config) as services:
            await services.get("reservation", "/room-types")  # fails early if it is down
            with Progress(
                TextColumn("journeys"),
                BarColumn(),
                MofNCompleteColumn(),
                TimeElapsedColumn(),
                console=console,
            ) as progress:
                bar = progress.add_task("journeys", total=guests)
                result = await Demo(
                    services, guests=guests, concurrency=concurrency, timeout=timeout
                ).run(lambda _: progress.advance(bar))
        addresses = {journey.email for journey in result.journeys}
        deadline = time.monotonic() + timeout
        while (
            True
        ):  # the survey is stored as sent once the mail is handed over; allow the sink its write
            result.mails = await mails_to(addresses, config.smtp_log, config.mailpit_url)
            if result.mails >= result.total("surveys") or time.monotonic() > deadline:
                break
            await asyncio.sleep(0.25)
        result.parked = sum(
            max(d.parked, 0) for d in await broker.queue_depths(config.rabbitmq_url)
        )
        return result

    result = run(go())
    table = Table(title=f"{guests} guest journeys in {result.seconds:.1f}s")
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_column("by")
    for what, count, by in (
        ("journeys completed", result.completed, "all five"),
        ("housekeeping tasks", result.total("tasks"), "housekeeping"),
        ("ledger entries", result.total("ledger_entries"), "loyalty"),
        ("surveys sent", result.total("surveys"), "feedback"),
        ("mails delivered", result.mails, "feedback -> SMTP"),
        ("parked messages", result.parked, "all queues"),
    ):
        table.add_row(what, str(count), by)
    console.print(table)
    for journey in result.journeys:
        if journey.error:
            console.print(f"[red]guest {journey.number}:[/red] {journey.error}")
    if result.completed != guests:
        raise typer.Exit(1)


# --- status ------------------------------------------------------------------------


@app.command()
def status() -> None:
    """Services (ready or not), queue depths, consumers, retries and parked messages."""
    config = settings()

    async def go() -> tuple[dict[str, str], list[broker.QueueDepth], int]:
        import httpx

        health: dict[str, str] = {}
        async with httpx.AsyncClient(timeout=3) as client:
            for name, url in config.service_urls.items():
                try:
                    ready = await client.get(f"{url}/readyz")
                    health[name] = (
                        "ready" if ready.status_code == 200 else f"not ready ({ready.status_code})"
                    )
                except httpx.TransportError:
                    health[name] = "down"
        return (
            health,
            await broker.queue_depths(config.rabbitmq_url),
            await broker.unrouted(config.rabbitmq_url),
        )

    health, depths, unrouted = run(go())
    services = Table(title="services")
    services.add_column("service")
    services.add_column("url")
    services.add_column("state")
    for name, state in health.items():
        colour = "green" if state == "ready" else "red"
        services.add_row(name, config.service_urls[name], f"[{colour}]{state}[/{colour}]")
    console.print(services)
    queues = Table(title=f"queues (unrouted events: {unrouted})")
    queues.add_column("queue", no_wrap=True)
    for column in ("ready", "consumers", "retrying", "parked"):
        queues.add_column(column, justify="right")
    for depth in depths:
        shown = [
            str(v) if v >= 0 else "-"
            for v in (depth.messages, depth.consumers, depth.retrying, depth.parked)
        ]
        if depth.parked > 0:
            shown[3] = f"[red]{shown[3]}[/red]"
        queues.add_row(depth.queue, *shown)
    console.print(queues)


# --- parking -----------------------------------------------------------------------


def _owner(queue: str) -> str:
    if queue not in QUEUE_OWNER:
        console.print(f"[red]error:[/red] no queue {queue!r}; one of: {', '.join(QUEUE_OWNER)}")
        raise typer.Exit(2)
    return QUEUE_OWNER[queue]


@parking_app.command("list")
def parking_list() -> None:
    """Parked messages per queue (how many, and the latest reasons)."""
    config = settings()
    depths = run(broker.queue_depths(config.rabbitmq_url))
    table = Table(title="parking lots")
    table.add_column("queue")
    table.add_column("parked", justify="right")
    for depth in depths:
        table.add_row(f"{depth.queue}.parking", str(max(depth.parked, 0)))
    console.print(table)
    console.print(
        f"{sum(max(d.parked, 0) for d in depths)} parked in all; "
        "`hotel parking show <queue>` for the reasons"
    )


@parking_app.command("show")
def parking_show(queue: str, limit: Annotated[int, typer.Option(min=1, max=100)] = 20) -> None:
    """The parked messages of one queue with their reasons (they stay parked)."""
    service = _owner(queue)

    async def go() -> list[dict[str, Any]]:
        async with Services(settings(), scope="ops") as services:
            return (await services.get(service, "/admin/parking", params={"limit": limit}))[queue]

    messages = run(go())
    table = Table(title=f"{queue}.parking")
    for column in ("message_id", "type", "attempts", "parked_at", "reason"):
        table.add_column(column)
    for message in messages:
        table.add_row(
            *(
                str(message.get(c) or "")
                for c in ("message_id", "routing_key", "attempts", "parked_at", "reason")
            )
        )
    console.print(table if messages else f"nothing parked in {queue}.parking")


@parking_app.command("replay")
def parking_replay(queue: str, limit: Annotated[int, typer.Option(min=1, max=1000)] = 100) -> None:
    """Sends parked messages back to their queue with a fresh attempt count."""
    service = _owner(queue)

    async def go() -> dict[str, Any]:
        async with Services(settings(), scope="ops") as services:
            return await services.post(
                service, f"/admin/parking/{queue}/replay", params={"limit": limit}
            )

    console.print(f"replayed {run(go())['replayed']} message(s) to {queue}")


@parking_app.command("purge")
def parking_purge(queue: str, yes: Annotated[bool, typer.Option("--yes", "-y")] = False) -> None:
    """Deletes every parked message of one queue (they are gone for good)."""
    _owner(queue)
    if not yes:
        typer.confirm(f"delete every parked message of {queue}?", abort=True)
    purged = run(broker.purge_parking(settings().rabbitmq_url, queue))
    console.print(f"purged {purged} message(s) from {queue}.parking")


# --- events ------------------------------------------------------------------------


@events_app.command("tail")
def events_tail(
    pattern: Annotated[str, typer.Argument(help="routing key pattern, e.g. 'stay.*' or '#'")] = "#",
    count: Annotated[int, typer.Option(help="stop after this many (0: never)")] = 0,
) -> None:
    """Prints events as they are published (type, producer, correlation, payload keys)."""

    async def go() -> None:
        seen = 0
        async for message in broker.tail(settings().rabbitmq_url, pattern):
            try:
                event = json.loads(message.body)
            except ValueError:
                event = {}
            payload = event.get("payload") or {}
            console.print(
                f"[dim]{event.get('occurred_at', '')}[/dim] "
                f"[bold]{message.routing_key}[/bold] from {event.get('producer')} "
                f"corr={str(event.get('correlation_id'))[:8]} "
                f"ids={ {k: v for k, v in payload.items() if k.endswith('_id')} }"
            )
            seen += 1
            if count and seen >= count:
                return

    with contextlib.suppress(KeyboardInterrupt):
        run(go())


# --- rooms, arrivals ---------------------------------------------------------------


@app.command()
def rooms() -> None:
    """The room board: how many rooms are in each housekeeping status."""

    async def go() -> dict[str, Any]:
        async with Services(settings()) as services:
            return await services.get("housekeeping", "/reports/rooms")

    board = run(go())
    table = Table(title=f"{board['total']} rooms")
    table.add_column("status")
    table.add_column("rooms", justify="right")
    for state, number in board["by_status"].items():
        table.add_row(state, str(number))
    console.print(table)
    if board.get("do_not_disturb"):
        console.print(f"do not disturb: {', '.join(board['do_not_disturb'])}")


@app.command()
def arrivals(
    day: Annotated[str | None, typer.Argument(help="YYYY-MM-DD; today by default")] = None,
) -> None:
    """The desk's arrivals of a day."""
    wanted = day or date.today().isoformat()

    async def go() -> dict[str, Any]:
        async with Services(settings()) as services:
            return await services.get("frontdesk", "/arrivals", params={"date": wanted})

    found = run(go())
    table = Table(title=f"arrivals on {wanted}: {found.get('total', 0)}")
    columns = ("reservation_id", "guest_name", "room_type", "departure", "status", "room_number")
    for column in columns:
        table.add_column(column)
    for item in found.get("items", []):
        table.add_row(*(str(item.get(c) or "") for c in columns))
    console.print(table)


# --- keys --------------------------------------------------------------------------


@keys_app.command("mint")
def keys_mint(
    key_id: str,
    scopes: Annotated[list[str], typer.Argument(help=", ".join(SCOPES))],
    channel: Annotated[str | None, typer.Option(help="an integrator key's channel")] = None,
) -> None:
    """A new API key: the credential (hand it over once) and the API_KEYS entry."""
    unknown = [scope for scope in scopes if scope not in SCOPES]
    if unknown:
        console.print(f"[red]error:[/red] unknown scope(s) {unknown}; one of {list(SCOPES)}")
        raise typer.Exit(2)
    if "integrator" in scopes and not channel:
        console.print("[red]error:[/red] an integrator key needs --channel")
        raise typer.Exit(2)
    try:
        credential, digest = new_credential(key_id)
    except ValueError as error:
        console.print(f"[red]error:[/red] {error}")
        raise typer.Exit(2) from None
    entry = ApiKey(secret_sha256=digest, scopes=tuple(scopes), channel=channel)
    console.print(f"credential (shown once): {credential}")
    console.print(
        f"API_KEYS entry: {json.dumps({key_id: entry.model_dump(exclude_none=True)})}",
        soft_wrap=True,
    )


def main() -> None:
    app()
