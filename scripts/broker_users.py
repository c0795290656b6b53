"""A broker user per service (and per test integrator) on the local RabbitMQ, with the
permissions and topic permissions the deployment gives them (shared/topology.py), so
`make run` and the tests run under the same broker rules as production.

Users are global on a broker, permissions are per vhost: each vhost (a test's own, or
`/` for make run) gets its grants; the users are created once and never deleted, because
concurrent test runs share them. Local passwords are fixed and for this machine only
(the local broker listens on 127.0.0.1).
"""

from __future__ import annotations

import subprocess
from urllib.parse import quote, unquote, urlparse

from shared.topology import broker_grants

# The integrators the tests and make run use (tests/support/stack.py names the same).
LOCAL_INTEGRATOR_CHANNELS = ["ota-test", "ota-other", "booking-com"]


def local_password(login: str) -> str:
    return f"{login}-local-only"


def _rabbitmqctl(*args: str, check: bool = True) -> subprocess.CompletedProcess:
    return subprocess.run(["rabbitmqctl", "-q", *args], check=check, capture_output=True,
                          timeout=60, text=True)


def grant_local_users(vhost: str, channels: list[str] = LOCAL_INTEGRATOR_CHANNELS) -> None:
    """Creates the users if missing and grants them on `vhost`."""
    existing = set(_rabbitmqctl("list_users").stdout.split())
    for grant in broker_grants(vhost, channels):
        login = grant["user"]
        if login not in existing:
            # a concurrent run may have created it meanwhile: then add_user fails, fine
            _rabbitmqctl("add_user", login, local_password(login), check=False)
        permissions = grant["permissions"]
        _rabbitmqctl("set_permissions", "-p", vhost, login, permissions["configure"],
                     permissions["write"], permissions["read"])
        for topic in grant["topic_permissions"]:
            _rabbitmqctl("set_topic_permissions", "-p", vhost, login, topic["exchange"],
                         topic["write"], topic["read"])


def url_as(url: str, login: str) -> str:
    """`url` (same host and vhost) logged in as `login` with its local password."""
    parsed = urlparse(url)
    vhost = unquote(parsed.path[1:]) if parsed.path not in ("", "/") else "/"
    return (f"{parsed.scheme}://{quote(login, safe='')}:{quote(local_password(login), safe='')}"
            f"@{parsed.hostname}:{parsed.port or 5672}/{quote(vhost, safe='')}")
