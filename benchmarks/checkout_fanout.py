"""Checkout fan-out throughput: how fast N checkouts become N tasks, N ledger entries and
N survey e-mails, against a baseline measured in the same run on the same broker: the
same N messages published and consumed by a bare aio-pika consumer that does nothing.

    make bench            # N=500
    python -m benchmarks.checkout_fanout --checkouts 2000

Prints figures; asserts nothing about time.
"""

from __future__ import annotations

import argparse
import asyncio
import tempfile
import time
from pathlib import Path

import aio_pika

from tests.support.amqp import publish_events
from tests.support.infrastructure import local_vhost
from tests.support.journeys import checkout
from tests.support.stack import SmtpSink, Stack


async def baseline(url: str, count: int) -> float:
    """Publish with confirms and consume with acks, no work: the broker's share."""
    async with await aio_pika.connect_robust(url) as connection:
        channel = await connection.channel(publisher_confirms=True)
        await channel.set_qos(prefetch_count=20)
        queue = await channel.declare_queue("bench.baseline", durable=True,
                                            arguments={"x-queue-type": "quorum"})
        done = asyncio.Event()
        seen = 0

        async def on_message(message: aio_pika.abc.AbstractIncomingMessage) -> None:
            nonlocal seen
            await message.ack()
            seen += 1
            if seen == count:
                done.set()

        await queue.consume(on_message)
        started = time.perf_counter()
        for n in range(count):
            await channel.default_exchange.publish(
                aio_pika.Message(b"{}", delivery_mode=aio_pika.DeliveryMode.PERSISTENT),
                routing_key="bench.baseline")
        await done.wait()
        return time.perf_counter() - started


async def fan_out(stack: Stack, count: int) -> float:
    checkouts = [checkout(n) for n in range(count)]
    housekeeping = stack.async_client("housekeeping")
    feedback = stack.async_client("feedback")
    started = time.perf_counter()
    await publish_events(stack.amqp_url, [event for pair in checkouts for event in pair])
    while True:
        tasks = (await housekeeping.get("/tasks", params={"limit": 1})).json()["total"]
        sent = (await feedback.get("/surveys", params={"status": "sent", "limit": 1})).json()["total"]
        if tasks >= count and sent >= count and len(stack.smtp.messages) >= count:
            return time.perf_counter() - started
        await asyncio.sleep(0.05)


async def ledger_entries(stack: Stack, count: int) -> int:
    """Counted after the clock stopped: loyalty has no count route, only per-guest ones."""
    async with stack.async_client("loyalty", scope="ops") as loyalty:
        for _ in range(600):
            response = await loyalty.get("/metrics")
            for line in response.text.splitlines():
                if line.startswith('messages_consumed_total{outcome="ok",queue="loyalty.stay-events"}'):
                    if float(line.split()[-1]) >= count:
                        return int(float(line.split()[-1]))
            await asyncio.sleep(0.1)
    return -1


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--checkouts", type=int, default=500)
    count = parser.parse_args().checkouts
    with local_vhost("hotel-bench") as url, tempfile.TemporaryDirectory() as work:
        base_seconds = asyncio.run(baseline(url, count * 2))
        smtp = SmtpSink().start()
        stack = Stack(amqp_url=url, smtp=smtp, work_dir=Path(work))
        try:
            stack.start("housekeeping", "loyalty", "feedback", LOG_LEVEL="WARNING")
            seconds = asyncio.run(fan_out(stack, count))
            entries = asyncio.run(ledger_entries(stack, count))
        finally:
            stack.stop()
            smtp.stop()
    print(f"baseline: {count * 2} bare messages through the broker in {base_seconds:.2f}s "
          f"({count * 2 / base_seconds:.0f} msg/s)")
    print(f"fan-out:  {count} checkouts (+{count} profile events) -> {count} tasks and "
          f"{count} e-mails in {seconds:.2f}s ({count / seconds:.0f} checkouts/s); "
          f"loyalty consumed {entries} checkouts")
    print(f"ratio:    fan-out takes {seconds / base_seconds:.1f}x the bare broker time")


if __name__ == "__main__":
    main()
