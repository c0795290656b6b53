"""A broker user per service (and per test integrator) on the local RabbitMQ, with the
permissions and topic permissions the deployment gives them (shared/topology.py), so
`make run` and the tests run under the same broker rules as production.

Users are global on a broker, permissions are per vhost: each vhost (a test's own, or
`/` for make run) gets its grants; the users are created once and never deleted, because
concurrent test runs share them. Local passwords are fixed and for this machine only
(the local broker listens on 127.0.0.1).
"""

from __future__ import annotations

import json
import os
import subprocess
import tempfile
import time
from urllib.parse import quote, unquote, urlparse

from shared.topology import broker_grants, rabbitmq_password_hash

# The integrators the tests and make run use (tests/support/stack.py names the same).
LOCAL_INTEGRATOR_CHANNELS = ["ota-test", "ota-other", "booking-com"]


def local_password(login: str) -> str:
    return f"{login}-local-only"


def local_definitions(
    vhost: str, channels: list[str] = LOCAL_INTEGRATOR_CHANNELS, extra_permissions: list[dict] = ()
) -> dict:
    """The users (local passwords), their permissions and topic permissions on `vhost`."""
    grants = broker_grants(vhost, channels)
    return {
        "users": [
            {
                "name": g["user"],
                "tags": [],
                "hashing_algorithm": "rabbit_password_hashing_sha256",
                "password_hash": rabbitmq_password_hash(local_password(g["user"])),
            }
            for g in grants
        ],
        "vhosts": [{"name": vhost}],
        "permissions": [
            *extra_permissions,
            *({"user": g["user"], "vhost": vhost, **g["permissions"]} for g in grants),
        ],
        "topic_permissions": [
            {"user": g["user"], "vhost": vhost, **topic}
            for g in grants
            for topic in g["topic_permissions"]
        ],
    }


def grant_local_users(
    vhost: str,
    channels: list[str] = LOCAL_INTEGRATOR_CHANNELS,
    extra_permissions: list[dict] = (),
    node: str | None = None,
) -> None:
    """Creates `vhost` if needed, the users (re-imported with the same hash when they
    exist) and their grants there (on `node`, else the local broker): one
    `rabbitmqctl import_definitions`, which is much
    faster than one rabbitmqctl call per user and grant."""
    definitions = local_definitions(vhost, channels, extra_permissions)
    # The broker process reads the file itself: world-readable.
    with tempfile.NamedTemporaryFile("w", suffix=".json", dir="/tmp") as file:
        json.dump(definitions, file)
        file.flush()
        os.chmod(file.name, 0o644)
        # The CLI fails now and then when many run at once (its node name collides,
        # the broker is busy): a few tries.
        for attempt in range(8):
            try:
                subprocess.run(
                    [
                        "rabbitmqctl",
                        *(["-n", node] if node else []),
                        "-q",
                        "import_definitions",
                        file.name,
                    ],
                    check=True,
                    capture_output=True,
                    timeout=90,
                )
                return
            except (subprocess.CalledProcessError, subprocess.TimeoutExpired):
                if attempt == 7:
                    raise
                time.sleep(min(1 + attempt, 5))


def url_as(url: str, login: str) -> str:
    """`url` (same host and vhost) logged in as `login` with its local password."""
    parsed = urlparse(url)
    vhost = unquote(parsed.path[1:]) if parsed.path not in ("", "/") else "/"
    return (
        f"{parsed.scheme}://{quote(login, safe='')}:{quote(local_password(login), safe='')}"
        f"@{parsed.hostname}:{parsed.port or 5672}/{quote(vhost, safe='')}"
    )
