"""Broker users for integrators (OTAs, channel managers): one per channel.

`integrator-<channel>` may only
- publish commands to `hotel.commands` (routing keys `reservation.create|amend|cancel`),
- declare, bind and consume its own queues, named `integrator.<channel>.<anything>`,
- bind them to `hotel.reports` for its own channel's reports only
  (`reservation.report.<channel>`), and to `hotel.events` for `availability.changed`
  only: events about guests are the hotel's business, not a channel's.
The routing-key limits are RabbitMQ topic permissions, checked on publish (write) and on
queue.bind (read). Channels come from `INTEGRATOR_CHANNELS` (comma-separated; default
`ota-demo`, the channel of `make run`'s integrator key) and passwords from
`RABBITMQ_PASSWORD_INTEGRATOR_<CHANNEL>` (a development default otherwise).
"""

from __future__ import annotations

import os
import re

from shared.commands import COMMANDS_BY_TYPE
from shared.topology import (COMMANDS_EXCHANGE, EVENTS_EXCHANGE, REPORTS_EXCHANGE,
                             rabbitmq_password_hash)

DEFAULT_CHANNELS = "ota-demo"
EVENTS_FOR_INTEGRATORS = ("availability.changed",)


def integrator_channels(environ: dict[str, str] = os.environ) -> list[str]:
    raw = environ.get("INTEGRATOR_CHANNELS", DEFAULT_CHANNELS)
    return [channel.strip() for channel in raw.split(",") if channel.strip()]


def integrator_user(channel: str) -> str:
    return f"integrator-{channel}"


def integrator_password(channel: str, environ: dict[str, str] = os.environ) -> str:
    variable = "RABBITMQ_PASSWORD_INTEGRATOR_" + channel.upper().replace("-", "_")
    return environ.get(variable, f"{integrator_user(channel)}-dev-only")


def integrator_permissions(channel: str) -> dict[str, str]:
    own = re.escape(f"integrator.{channel}.") + ".*"
    return {"configure": f"^({own})$",
            "write": f"^({re.escape(COMMANDS_EXCHANGE)}|{own})$",
            "read": f"^({re.escape(REPORTS_EXCHANGE)}|{re.escape(EVENTS_EXCHANGE)}|{own})$"}


def integrator_topic_permissions(channel: str) -> list[dict[str, str]]:
    commands = "|".join(re.escape(command) for command in sorted(COMMANDS_BY_TYPE))
    events = "|".join(re.escape(event) for event in EVENTS_FOR_INTEGRATORS)
    return [
        {"exchange": COMMANDS_EXCHANGE, "write": f"^({commands})$", "read": "^$"},
        {"exchange": REPORTS_EXCHANGE, "write": "^$",
         "read": "^" + re.escape(f"reservation.report.{channel}") + "$"},
        {"exchange": EVENTS_EXCHANGE, "write": "^$", "read": f"^({events})$"},
    ]


def integrator_definitions(vhost: str = "/", environ: dict[str, str] = os.environ) -> dict:
    users, permissions, topic_permissions = [], [], []
    for channel in integrator_channels(environ):
        user = integrator_user(channel)
        users.append({"name": user, "tags": [], "hashing_algorithm": "rabbit_password_hashing_sha256",
                      "password_hash": rabbitmq_password_hash(integrator_password(channel, environ))})
        permissions.append({"user": user, "vhost": vhost, **integrator_permissions(channel)})
        topic_permissions += [{"user": user, "vhost": vhost, **rule}
                              for rule in integrator_topic_permissions(channel)]
    return {"users": users, "permissions": permissions, "topic_permissions": topic_permissions}
