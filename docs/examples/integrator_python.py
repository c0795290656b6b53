"""An integrator in Python (aio-pika): book a room by command, read the report, and
follow availability. See docs/integrators.md.

    HOTEL_AMQP_URL=amqp://integrator-ota-demo:<password>@localhost:5672/ \
    HOTEL_CHANNEL=ota-demo python docs/examples/integrator_python.py
"""

import asyncio
import json
import os
import sys
import uuid
from datetime import UTC, date, datetime, timedelta

import aio_pika

URL = os.environ.get(
    "HOTEL_AMQP_URL", "amqp://integrator-ota-demo:integrator-ota-demo-dev-only@localhost:5672/"
)
CHANNEL = os.environ.get("HOTEL_CHANNEL", "ota-demo")
PROPERTY = os.environ.get("HOTEL_PROPERTY_ID", "demo-hotel")
TIMEOUT = float(os.environ.get("HOTEL_TIMEOUT", "30"))


async def main() -> int:
    connection = await aio_pika.connect_robust(URL)
    async with connection:
        channel = await connection.channel(publisher_confirms=True)
        # Our own queues: named integrator-<channel>.*, bound to our reports and to
        # availability changes (the only events a channel may read).
        reports_exchange = await channel.get_exchange("hotel.reports", ensure=False)
        events_exchange = await channel.get_exchange("hotel.events", ensure=False)
        reports = await channel.declare_queue(f"integrator-{CHANNEL}.reports", durable=True)
        await reports.bind(reports_exchange, routing_key=f"reservation.report.{CHANNEL}")
        availability = await channel.declare_queue(
            f"integrator-{CHANNEL}.availability", durable=True
        )
        await availability.bind(events_exchange, routing_key="availability.changed")

        command_id = str(uuid.uuid4())
        arrival = date.today() + timedelta(days=60)
        command = {
            "command_id": command_id,
            "type": "reservation.create",
            "channel": CHANNEL,
            "source_reference": f"PY-{command_id[:8]}",
            "property_id": PROPERTY,
            "sent_at": datetime.now(UTC).isoformat(),
            "payload": {
                "guest": {"first_name": "Ada", "last_name": "Lovelace", "email": "ada@example.com"},
                "room_type": "king",
                "arrival": arrival.isoformat(),
                "departure": (arrival + timedelta(days=2)).isoformat(),
                "adults": 1,
            },
        }
        commands_exchange = await channel.get_exchange("hotel.commands", ensure=False)
        await commands_exchange.publish(
            aio_pika.Message(
                json.dumps(command).encode(),
                message_id=command_id,
                type=command["type"],
                content_type="application/json",
                delivery_mode=aio_pika.DeliveryMode.PERSISTENT,
                # Who sends it, as the broker vouches (it refuses any other login): the hotel
                # takes the channel from this, and refuses a command without it.
                user_id=connection.url.user,
            ),
            routing_key="reservation.create",
            mandatory=True,
        )
        print(f"sent reservation.create {command_id}")

        report = await next_matching(reports, lambda body: body["command_id"] == command_id)
        print(
            f"report: {report['status']} confirmation={report.get('confirmation_number')} "
            f"reason={report.get('reason')}"
        )
        event = await next_matching(availability, lambda body: True)
        print(f"event: availability.changed {json.dumps(event['payload'])[:120]}")
        return 0 if report["status"] == "accepted" else 1


async def next_matching(queue: aio_pika.abc.AbstractQueue, wanted) -> dict:
    """The next message on `queue` that `wanted` accepts; reports come at least once, so
    a real integrator also remembers the report_ids it has handled."""
    async with asyncio.timeout(TIMEOUT):
        async with queue.iterator() as messages:
            async for message in messages:
                async with message.process():
                    body = json.loads(message.body)
                    if wanted(body):
                        return body
    raise RuntimeError("the queue closed")


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
