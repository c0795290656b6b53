"""AsyncAPI 3 documents generated from the code's event registry.

Sources, so a document cannot drift from what the services do: the event contracts
(shared/events.py), who may publish which (shared/producers.py), who consumes what
(shared/topology.py) and the integrator commands and reports (shared/commands.py).
One document per service (what it sends and receives) and one for the whole hotel.

    python -m shared.asyncapi docs/asyncapi     # `make asyncapi` writes them all

A channel is one routing key on one exchange (`hotel.events`, `hotel.commands`,
`hotel.reports`); its message is the contract's JSON schema, envelope included.
"""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

from pydantic import BaseModel

from shared.commands import ALL_COMMANDS, ReservationReport
from shared.events import ALL_EVENTS
from shared.producers import allowed_producers
from shared.topology import COMMANDS_EXCHANGE, CONSUMER_QUEUES, EVENTS_EXCHANGE, REPORTS_EXCHANGE

SERVICES = tuple(CONSUMER_QUEUES)
VERSION = "1.0.0"
REPORT_TYPE = "reservation.report"


def _schema(model: type[BaseModel], schemas: dict[str, Any]) -> dict[str, Any]:
    """The model's JSON schema; nested models go to components/schemas, shared by name."""
    schema = model.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(schema.pop("$defs", {}))
    return schema


def _channel_id(kind: str, key: str) -> str:
    return f"{kind}.{key}"


def _amqp_channel(exchange: str) -> dict[str, Any]:
    return {
        "amqp": {
            "is": "routingKey",
            "exchange": {
                "name": exchange,
                "type": "topic",
                "durable": True,
                "autoDelete": False,
                "vhost": "/",
            },
            "bindingVersion": "0.3.0",
        }
    }


class _Builder:
    def __init__(self, title: str, description: str) -> None:
        self.document: dict[str, Any] = {
            "asyncapi": "3.0.0",
            "info": {"title": title, "version": VERSION, "description": description},
            "defaultContentType": "application/json",
            "servers": {
                "broker": {
                    "host": "localhost:5672",
                    "protocol": "amqp",
                    "protocolVersion": "0-9-1",
                    "description": "RabbitMQ; one broker user per service, `integrator-<name>` "
                    "users for integrators (see docs/integrators.md)",
                }
            },
            "channels": {},
            "operations": {},
            "components": {"messages": {}, "schemas": {}},
        }

    @property
    def schemas(self) -> dict[str, Any]:
        schemas: dict[str, Any] = self.document["components"]["schemas"]
        return schemas

    def channel(
        self,
        kind: str,
        key: str,
        exchange: str,
        model: type[BaseModel],
        message_name: str,
        summary: str,
        parameters: dict[str, Any] | None = None,
    ) -> str:
        channel_id = _channel_id(kind, key.replace(".{channel}", ""))
        if channel_id in self.document["channels"]:
            return channel_id
        self.document["components"]["messages"][message_name] = {
            "name": message_name,
            "title": message_name,
            "summary": summary,
            "contentType": "application/json",
            "payload": _schema(model, self.schemas),
            "bindings": {"amqp": {"messageType": message_name, "bindingVersion": "0.3.0"}},
        }
        channel: dict[str, Any] = {
            "address": key,
            "title": f"{exchange} {key}",
            "messages": {message_name: {"$ref": f"#/components/messages/{message_name}"}},
            "bindings": _amqp_channel(exchange),
        }
        if parameters:
            channel["parameters"] = parameters
        self.document["channels"][channel_id] = channel
        return channel_id

    def operation(
        self, service: str, action: str, channel_id: str, summary: str, queue: str | None = None
    ) -> None:
        channel = self.document["channels"][channel_id]
        operation: dict[str, Any] = {
            "action": action,
            "summary": summary,
            "channel": {"$ref": f"#/channels/{channel_id}"},
            "messages": [
                {"$ref": f"#/channels/{channel_id}/messages/{name}"} for name in channel["messages"]
            ],
        }
        if queue:
            operation["bindings"] = {"amqp": {"ack": True, "bindingVersion": "0.3.0"}}
            operation["description"] = f"consumed from the quorum queue `{queue}`"
        else:  # persistent, confirmed, and never dropped silently (mandatory)
            operation["bindings"] = {
                "amqp": {"deliveryMode": 2, "mandatory": True, "bindingVersion": "0.3.0"}
            }
        self.document["operations"][f"{service}.{action}.{channel_id}"] = operation


def _add_service(builder: _Builder, service: str) -> None:
    for event in ALL_EVENTS:
        if service in allowed_producers(event.event_type):
            channel = builder.channel(
                "event",
                event.event_type,
                EVENTS_EXCHANGE,
                event,
                event.event_type,
                (event.__doc__ or event.event_type).strip(),
            )
            builder.operation(service, "send", channel, f"{service} publishes {event.event_type}")
    events = {event.event_type: event for event in ALL_EVENTS}
    commands = {command.command_type: command for command in ALL_COMMANDS}
    for queue in CONSUMER_QUEUES[service]:
        for key in queue.routing_keys:
            if queue.exchange == COMMANDS_EXCHANGE:
                channel = builder.channel(
                    "command",
                    key,
                    COMMANDS_EXCHANGE,
                    commands[key],
                    key,
                    f"an integrator's {key} command",
                )
            else:
                event = events[key]
                channel = builder.channel(
                    "event", key, EVENTS_EXCHANGE, event, key, (event.__doc__ or key).strip()
                )
            builder.operation(
                service, "receive", channel, f"{service} consumes {key}", queue=queue.name
            )
    if service == "reservation":  # the answers to the integrators' commands
        channel = builder.channel(
            "report",
            "reservation.report.{channel}",
            REPORTS_EXCHANGE,
            ReservationReport,
            REPORT_TYPE,
            "the answer to one integrator command: accepted or rejected",
            parameters={
                "channel": {"description": "the integrator's channel name, as in its commands"}
            },
        )
        builder.operation(service, "send", channel, "reservation answers each command")


def service_document(service: str) -> dict[str, Any]:
    builder = _Builder(
        f"Hotel {service} messages",
        f"What the {service} service publishes and consumes over RabbitMQ.",
    )
    _add_service(builder, service)
    return builder.document


def hotel_document() -> dict[str, Any]:
    builder = _Builder(
        "Hotel guest journey messages", "Every event, command and report of the five services."
    )
    for service in SERVICES:
        _add_service(builder, service)
    for command in ALL_COMMANDS:  # an integrator may send every command type
        builder.channel(
            "command",
            command.command_type,
            COMMANDS_EXCHANGE,
            command,
            command.command_type,
            f"an integrator's {command.command_type} command",
        )
    return builder.document


def documents() -> dict[str, dict[str, Any]]:
    return {
        **{service: service_document(service) for service in SERVICES},
        "hotel": hotel_document(),
    }


def render(document: dict[str, Any]) -> str:
    return json.dumps(document, indent=2, sort_keys=True) + "\n"


def main(argv: list[str]) -> None:
    target = Path(argv[0] if argv else "docs/asyncapi")
    target.mkdir(parents=True, exist_ok=True)
    for name, document in documents().items():
        (target / f"{name}.json").write_text(render(document))
        print(f"{target / name}.json: {len(document['components']['messages'])} message types")


if __name__ == "__main__":
    main(sys.argv[1:])
