"""The system under test as real processes: services, their store, a real SMTP server."""

from __future__ import annotations

import email
import json
import socket
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from email.message import Message
from pathlib import Path
from typing import Any

import httpx
from aiosmtpd.controller import Controller

from scripts.broker_users import url_as
from scripts.local_stack import ServiceProcess
from shared.auth import SCOPES, new_credential
from shared.clock import PropertyClock
from shared.services import SERVICE_NAMES as SERVICE_NAMES  # re-exported: the one list

RUN_ID = str(int(time.time()))
# The channel of the test integrator key ("integrator"); "integrator-other" books for
# another channel, for object-level tests.
INTEGRATOR_CHANNEL = "ota-test"
OTHER_CHANNEL = "ota-other"


@dataclass(frozen=True)
class StackCredentials:
    """A credential per scope (and a second integrator), and the API_KEYS accepting them."""

    by_name: dict[str, str]
    api_keys: str

    @classmethod
    def generate(cls) -> StackCredentials:
        by_name, keys = {}, {}
        for name, scope, channel in (
            *((s, s, INTEGRATOR_CHANNEL if s == "integrator" else None) for s in SCOPES),
            ("integrator-other", "integrator", OTHER_CHANNEL),
        ):
            credential, digest = new_credential(f"test-{name}")
            by_name[name] = credential
            keys[f"test-{name}"] = {
                "secret_sha256": digest,
                "scopes": [scope],
                **({"channel": channel} if channel else {}),
            }
        return cls(by_name, json.dumps(keys))

    def headers(self, name: str | None) -> dict[str, str]:
        return {"authorization": f"Bearer {self.by_name[name]}"} if name else {}


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


class _Recorder:
    def __init__(self) -> None:
        self.messages: list[Message] = []
        self.lock = threading.Lock()

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        with self.lock:
            self.messages.append(email.message_from_bytes(envelope.content))
        return "250 Message accepted for delivery"


class SmtpSink:
    """A real SMTP server (aiosmtpd) on a free port that keeps every mail it receives."""

    def __init__(self) -> None:
        self._recorder = _Recorder()
        self.port = free_port()
        self._controller = Controller(self._recorder, hostname="127.0.0.1", port=self.port)

    def start(self) -> SmtpSink:
        self._controller.start()
        return self

    def stop(self) -> None:
        self._controller.stop()

    @property
    def messages(self) -> list[Message]:
        with self._recorder.lock:
            return list(self._recorder.messages)


def at_hotel(day: str, hour: int, minute: int = 0) -> datetime:
    """A moment at the hotel, for Stack.set_clock."""
    from datetime import date, timedelta

    return PropertyClock().local_time(date.fromisoformat(day), hour) + timedelta(minutes=minute)


@dataclass
class Stack:
    amqp_url: str
    work_dir: Path
    mongo_url: str | None = None
    smtp: SmtpSink | None = None
    services: dict[str, ServiceProcess] = field(default_factory=dict)
    database_suffix: str = field(default_factory=lambda: f"{RUN_ID}_{time.monotonic_ns()}")
    credentials: StackCredentials = field(default_factory=StackCredentials.generate)
    # The local broker has a user per service (scripts/broker_users.py): each service
    # logs in as itself. A given broker (RABBITMQ_URL, a container): the URL as given.
    service_logins: bool = True

    def env_for(self, name: str, **extra: str) -> dict[str, str]:
        env = {
            "RABBITMQ_URL": url_as(self.amqp_url, name) if self.service_logins else self.amqp_url,
            "RETRY_DELAY_MS": "300",
            "OUTBOX_POLL_SECONDS": "0.5",
            "MAILER_POLL_SECONDS": "0.5",
            "LOG_LEVEL": "INFO",
            "MONGODB_DATABASE": f"{name}_{self.database_suffix}",
            # One process per service here: a restarted one takes over its predecessor's
            # half-done work at once (shared/process_lease.py).
            "INSTANCE_NAME": name,
            "EMBEDDED_STORE_DIR": str(self.work_dir / "store" / name),
            "API_KEYS": self.credentials.api_keys,
            # Tests drive hundreds of requests a second; a test of the limit sets its own.
            "RATE_LIMIT_PER_MINUTE": "1000000",
            "RATE_LIMIT_BURST": "100000",
            "AUTH_FAILURES_PER_MINUTE": "1000000",
            "AUTH_FAILURES_BURST": "100000",
            # The property's clock: the wall clock until a test sets it (set_clock).
            "TEST_CLOCK_FILE": str(self.clock_file),
            # Issue 18: reservation's letters to bookers and guests are off unless a test
            # is about them (GUEST_LETTERS_ENABLED=true), so the sink holds what tests count.
            "GUEST_LETTERS_ENABLED": "false",
        }
        if self.mongo_url:
            env["MONGODB_URL"] = self.mongo_url
        if self.smtp:
            env.update({"SMTP_HOST": "127.0.0.1", "SMTP_PORT": str(self.smtp.port)})
        env.update(extra)
        return env

    @property
    def clock_file(self) -> Path:
        return self.work_dir / "clock.txt"

    def set_hotel_time(self, day: str, hour: int, minute: int = 0) -> None:
        """`hour` o'clock at the hotel (PROPERTY_TIMEZONE) on `day` (ISO date)."""
        self.set_clock(at_hotel(day, hour, minute))

    def set_clock(self, now: datetime) -> None:
        """Moves every service's "now" (an aware datetime); they re-read it at every call."""
        self.clock_file.write_text(now.isoformat())

    def start(self, *names: str, **extra_env: str) -> None:
        started = []
        for name in names:
            process = ServiceProcess(
                name,
                free_port(),
                env=self.env_for(name, **extra_env),
                log_path=self.work_dir / f"{name}.log",
            )
            self.services[name] = process.start()
            started.append(process)
        for process in started:
            process.wait_ready()

    def restart(self, name: str, wait_ready: bool = True, **extra_env: str) -> None:
        """Starts the service again on its port and store; a still-running old process is
        stopped first (a killed one is simply replaced). `wait_ready=False` for a process
        expected to die at a crash point before it is ready."""
        old = self.services[name]
        old.stop()
        process = ServiceProcess(
            name, old.port, env=self.env_for(name, **extra_env), log_path=old.log_path
        )
        self.services[name] = process.start()
        if wait_ready:
            process.wait_ready()

    def client(self, name: str, scope: str | None = "manager") -> httpx.Client:
        """A client of service `name` sending the test credential of `scope` (a scope, or
        "integrator-other"); `scope=None` sends none."""
        return httpx.Client(
            base_url=self.services[name].url, timeout=10, headers=self.credentials.headers(scope)
        )

    def async_client(
        self, name: str, scope: str | None = "manager", **options: Any
    ) -> httpx.AsyncClient:
        """The same for concurrent tests; `options` go to httpx (timeout, limits)."""
        return httpx.AsyncClient(
            base_url=self.services[name].url,
            headers=self.credentials.headers(scope),
            **{"timeout": 30, **options},
        )

    async def wait_quiet(
        self,
        *,
        timeout: float = 120,
        workers: tuple[str, ...] = (),
        ignore: tuple[str, ...] = (),
        node: str | None = None,
    ) -> int:
        """Until nothing more is on its way to or from the running services: queues
        drained, nothing unacknowledged, outboxes empty (tests/support/quiet.py). The
        honest wait before counting effects that a duplicate would double."""
        from tests.support.quiet import wait_quiet

        urls = {name: process.url for name, process in self.services.items()}
        return await wait_quiet(
            self.amqp_url,
            urls,
            timeout=timeout,
            workers=workers,
            ignore=ignore,
            headers=self.credentials.headers("ops"),
            node=node,
        )

    def stop(self) -> None:
        for process in self.services.values():
            process.stop()

    def logs(self) -> str:
        return "\n".join(path.read_text() for path in sorted(self.work_dir.glob("*.log")))


def wait_until(
    condition: Callable[[], Any],
    timeout: float = 30,
    interval: float = 0.2,
    message: str = "condition",
) -> Any:
    deadline = time.monotonic() + timeout
    while True:
        result = condition()
        if result:
            return result
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {timeout}s waiting for {message}")
        time.sleep(interval)
