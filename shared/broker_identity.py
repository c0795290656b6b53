"""Who a broker login is: the broker proves it, so consumers trust nothing else.

Every publisher sets AMQP `user_id` to the login it connected with; RabbitMQ refuses a
message whose `user_id` is not the connection's own login, so `user_id` is the one thing
a message says about its sender that nobody can forge. Services log in under their own
name (`reservation`, `frontdesk`, ...); an integrator logs in as `integrator-<channel>`,
and its channel is taken from that login, never from the command body.
"""

from __future__ import annotations

import re
from typing import Any
from urllib.parse import unquote, urlparse

INTEGRATOR_PREFIX = "integrator-"
# The same rule as shared.commands.ChannelName: it ends up in a routing key.
CHANNEL_PATTERN = re.compile(r"^[a-z0-9][a-z0-9-]{1,39}$")
# AMQP short strings (user_id, message_id, correlation_id, type, app_id) hold 255 bytes.
SHORT_STRING_BYTES = 255


def broker_login(url: str) -> str:
    """The login in an AMQP URL (`amqp://<login>:<password>@host/vhost`)."""
    return unquote(urlparse(url).username or "guest")


def connection_login(connection: object) -> str:
    """The login of the AMQP URL an aio-pika connection was opened with (AMQP's default:
    guest). aio-pika's connections keep their `url` (a yarl URL); its ABC does not say so."""
    url = getattr(connection, "url", None)
    return str(getattr(url, "user", None) or "guest")


def integrator_login(channel: str) -> str:
    if not CHANNEL_PATTERN.match(channel):
        raise ValueError(f"not a channel name: {channel!r}")
    return f"{INTEGRATOR_PREFIX}{channel}"


def integrator_channel(user_id: str | None) -> str | None:
    """The channel an integrator login speaks for; None for anyone else."""
    if not user_id or not user_id.startswith(INTEGRATOR_PREFIX):
        return None
    channel = user_id[len(INTEGRATOR_PREFIX) :]
    return channel if CHANNEL_PATTERN.match(channel) else None


def bounded_short_string(value: str | None, limit: int = SHORT_STRING_BYTES) -> str | None:
    """`value` cut to what an AMQP short string holds (whole UTF-8 characters)."""
    if value is None:
        return None
    encoded = value.encode()
    if len(encoded) <= limit:
        return value
    return encoded[:limit].decode(errors="ignore")


# A message a service parked and replays goes out under the service's own login; the
# login that first sent it rides along in this header. Only the service can publish to
# its own dead-letter exchange, so only a message that came from there, under the
# service's own login, has this header believed.
ORIGINAL_SENDER_HEADER = "x-original-user-id"


def sender_of(
    user_id: str | None, headers: dict[str, Any] | None, exchange: str | None, own_login: str | None
) -> str | None:
    """The login answerable for a message: its `user_id`, or for a message this service
    itself re-published through its dead-letter exchange, the sender it recorded."""
    headers = headers or {}
    if (
        own_login
        and user_id == own_login
        and exchange == f"{own_login}.dlx"
        and ORIGINAL_SENDER_HEADER in headers
    ):
        return str(headers[ORIGINAL_SENDER_HEADER]) or None  # "": it had no sender
    return user_id
