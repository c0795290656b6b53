"""Runs the whole system on this machine: five services on the embedded store against
the local RabbitMQ, plus a local SMTP sink that prints every mail. Ctrl-C stops it all.

`make run` calls this. A service that is loading its store at start (it logs "loading N
documents" about once a second) is waited for as long as it makes progress; one that
dies is restarted with a growing delay while the others keep running. The end-to-end
tests use the same `ServiceProcess` to start the services as real processes.
"""

from __future__ import annotations

import json
import os
import signal
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from scripts.broker_users import grant_local_users, url_as
from shared.auth import api_keys_setting, development_credentials
from shared.services import SERVICE_PORTS

ROOT = Path(__file__).resolve().parent.parent
SERVICES = SERVICE_PORTS  # shared/services.py: the one list
SMTP_PORT = 1025
LOCAL_BROKER = "amqp://127.0.0.1:5672/"


@dataclass
class ServiceProcess:
    name: str
    port: int
    env: dict[str, str] = field(default_factory=dict)
    log_path: Path | None = None
    process: subprocess.Popen | None = None

    @property
    def url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    def start(self) -> ServiceProcess:
        env = {**os.environ, "HTTP_PORT": str(self.port), **self.env}
        self.start_log_offset()
        if self.log_path:
            self._output = open(self.log_path, "ab")  # noqa: SIM115 - the child holds it
        output = self._output if self.log_path else subprocess.DEVNULL
        self.process = subprocess.Popen(
            [sys.executable, "-m", f"services.{self.name}.main"],
            cwd=ROOT,
            env=env,
            stdout=output,
            stderr=subprocess.STDOUT,
        )
        return self

    def start_log_offset(self) -> None:
        self._log_offset = (
            self.log_path.stat().st_size if self.log_path and self.log_path.exists() else 0
        )

    def startup_progress(self) -> str | None:
        """The last "loading N documents" line this start logged, as text, if any."""
        if not self.log_path or not self.log_path.exists():
            return None
        with open(self.log_path, "rb") as log:
            log.seek(getattr(self, "_log_offset", 0))
            lines = log.read().decode(errors="replace").splitlines()
        for line in reversed(lines):
            try:
                entry = json.loads(line)
            except ValueError:
                continue
            event = str(entry.get("event", ""))
            if event.startswith("loading ") or event == "loaded documents":
                details = {
                    k: v
                    for k, v in entry.items()
                    if k
                    in (
                        "database",
                        "applied",
                        "records",
                        "documents",
                        "seconds",
                        "snapshot_bytes",
                        "journal_bytes",
                        "journals",
                    )
                }
                return f"{event} {details}"
        return None

    def ready(self) -> bool:
        try:
            with urllib.request.urlopen(f"{self.url}/readyz", timeout=2) as response:
                return response.status == 200
        except OSError:
            return False

    def wait_ready(self, timeout: float = 60, report: Callable[[str], None] | None = None) -> None:
        """Waits until /readyz answers. Fails after `timeout` seconds without progress:
        each new "loading" line from the store extends the wait; `report` hears why."""
        started = time.monotonic()
        deadline = started + timeout
        seen = None
        next_report = started + 5
        while time.monotonic() < deadline:
            if self.process and self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited with {self.process.returncode} (log: {self.log_path})"
                )
            if self.ready():
                return
            progress = self.startup_progress()
            if progress != seen:
                seen = progress
                deadline = time.monotonic() + timeout  # making progress: keep waiting
            if report and time.monotonic() >= next_report:
                next_report = time.monotonic() + 5
                why = f"its store is {progress}" if progress else "no store progress logged"
                report(f"{self.name} is not ready after {time.monotonic() - started:.0f} s: {why}")
            time.sleep(0.2)
        raise TimeoutError(
            f"{self.name} not ready: no progress for {timeout:.0f} s"
            f" (last: {seen or 'nothing logged about its store'};"
            f" log: {self.log_path})"
        )

    def stop(self, timeout: float = 20) -> None:
        self.terminate()
        self.wait_stopped(timeout)

    def terminate(self) -> None:
        """SIGTERM: the service finishes what is in flight, writes its snapshot, exits."""
        if self.process and self.process.poll() is None:
            self.process.terminate()

    def wait_stopped(self, timeout: float = 20) -> None:
        if self.process and self.process.poll() is None:
            try:
                self.process.wait(timeout)
            except subprocess.TimeoutExpired:
                self.process.kill()
                self.process.wait()

    def kill(self) -> None:
        """SIGKILL: no shutdown hooks, no goodbyes, like a crashed host."""
        if self.process and self.process.poll() is None:
            self.process.send_signal(signal.SIGKILL)
            self.process.wait()


def broker_reachable(host: str = "127.0.0.1", port: int = 5672) -> bool:
    try:
        with socket.create_connection((host, port), timeout=2):
            return True
    except OSError:
        return False


def ensure_local_broker() -> None:
    if broker_reachable():
        return
    print("RabbitMQ is not answering on 127.0.0.1:5672; starting it (rabbitmq-server -detached)")
    subprocess.run(["rabbitmq-server", "-detached"], check=False)
    for _ in range(60):
        if broker_reachable():
            return
        time.sleep(1)
    raise SystemExit("RabbitMQ did not come up on 127.0.0.1:5672")


def _stop_on_sigterm(*_: object) -> None:
    # `kill`, `timeout` or a supervisor sends SIGTERM: stop the services as Ctrl-C does,
    # rather than leaving them running without their parent.
    raise KeyboardInterrupt


def main() -> None:
    from scripts.supervisor import Supervisor  # it builds on ServiceProcess, above

    signal.signal(signal.SIGTERM, _stop_on_sigterm)
    ensure_local_broker()
    logs = ROOT / ".run"
    logs.mkdir(exist_ok=True)
    store = ROOT / ".data"
    # the child keeps its own copy of the log's descriptor: ours closes at once
    with open(logs / "smtp.log", "ab") as smtp_log:
        smtp = subprocess.Popen(
            [
                sys.executable,
                "-m",
                "aiosmtpd",
                "-n",
                "-l",
                f"127.0.0.1:{SMTP_PORT}",
                "-c",
                "aiosmtpd.handlers.Debugging",
            ],
            stdout=smtp_log,
            stderr=subprocess.STDOUT,
        )
    credentials, created = development_credentials(logs / "api-keys.env")
    common = {
        "EMBEDDED_STORE_DIR": str(store),
        "SMTP_PORT": str(SMTP_PORT),
        "DEVELOPMENT_MODE": "true",  # the development keys: a local run only
        "API_KEYS": api_keys_setting(credentials),
    }
    grant_local_users("/")  # each service logs in as itself, under the deployment's rules
    services = [
        ServiceProcess(
            name,
            port,
            # One process per service: INSTANCE_NAME lets a restarted one take over what
            # its crashed predecessor left half-done at once (shared/process_lease.py).
            env={**common, "RABBITMQ_URL": url_as(LOCAL_BROKER, name), "INSTANCE_NAME": name},
            log_path=logs / f"{name}.log",
        )
        for name, port in SERVICES.items()
    ]
    try:
        for service in services:
            service.start()
        for service in services:
            try:
                service.wait_ready(report=print)
            except (RuntimeError, TimeoutError) as problem:
                print(f"{problem}; it is watched and restarted like any service that dies")
        print("The five services (embedded store in .data/, logs in .run/):")
        for service in services:
            print(f"  {service.name:<13} {service.url}/docs")
        print(f"  SMTP sink     127.0.0.1:{SMTP_PORT} (mails in .run/smtp.log)")
        if created:
            print("API keys, one per department (kept in .run/api-keys.env; shown only now):")
            for scope, credential in credentials.items():
                print(f"  {scope:<13} {credential}")
        print(
            'Send one as: curl -H "Authorization: Bearer $HOTEL_KEY_MANAGER" ...'
            " (after: set -a; . .run/api-keys.env; set +a)"
        )
        print("Ctrl-C stops everything.")
        supervisor = Supervisor(services, say=_logged)
        while True:
            supervisor.watch_once()
            time.sleep(0.5)
    except KeyboardInterrupt:
        print("\nstopping...")
    finally:
        stop_all(services)
        smtp.terminate()
        smtp.wait()


def _logged(message: str) -> None:
    print(f"{time.strftime('%H:%M:%S')} {message}", flush=True)


def stop_all(services: list[ServiceProcess], timeout: float = 20) -> None:
    """SIGTERM to all at once, then wait: the stop takes as long as the slowest one."""
    started = time.monotonic()
    for service in services:
        service.terminate()
    for service in services:
        service.wait_stopped(timeout)
    print(f"stopped in {time.monotonic() - started:.1f} s")


if __name__ == "__main__":
    main()
