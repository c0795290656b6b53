"""A RabbitMQ node of the fault harness's own: its own ports, node name and data folder,
so that killing it hard (SIGKILL, like a machine losing the broker) touches nothing else
on this machine. Durable quorum queues and their messages live in the data folder and
come back when the node is started again on it."""

from __future__ import annotations

import contextlib
import os
import shutil
import signal
import socket
import subprocess
import time
from pathlib import Path

from tests.support.stack import free_port

RABBITMQ_SERVER = shutil.which("rabbitmq-server", path="/usr/lib/rabbitmq/bin:/usr/sbin:/usr/bin")


def port_open(port: int) -> bool:
    with socket.socket() as sock:
        sock.settimeout(0.5)
        return sock.connect_ex(("127.0.0.1", port)) == 0


class BrokerNode:
    def __init__(self, work_dir: Path) -> None:
        if RABBITMQ_SERVER is None:
            raise RuntimeError("rabbitmq-server is not installed")
        self.folder = work_dir / "broker"
        self.folder.mkdir(parents=True, exist_ok=True)
        self.port = free_port()
        self.dist_port = free_port()
        self.name = f"hotelfaults{self.port}@localhost"
        self._process: subprocess.Popen[bytes] | None = None
        (self.folder / "rabbitmq.conf").write_text(
            f"listeners.tcp.local = 127.0.0.1:{self.port}\n"
            "loopback_users = none\n"  # guest only ever connects over loopback here
            "log.console = false\n"
        )
        (self.folder / "enabled_plugins").write_text("[].\n")

    @property
    def url(self) -> str:
        return f"amqp://guest:guest@127.0.0.1:{self.port}/"

    def _env(self) -> dict[str, str]:
        return {
            **os.environ,
            # the cookie rabbitmqctl uses here, so ops commands reach this node too
            "HOME": "/var/lib/rabbitmq",
            "RABBITMQ_NODENAME": self.name,
            "RABBITMQ_NODE_PORT": str(self.port),
            "RABBITMQ_DIST_PORT": str(self.dist_port),
            "RABBITMQ_CONFIG_FILE": str(self.folder / "rabbitmq.conf"),
            "RABBITMQ_ENABLED_PLUGINS_FILE": str(self.folder / "enabled_plugins"),
            "RABBITMQ_MNESIA_BASE": str(self.folder / "mnesia"),
            "RABBITMQ_LOG_BASE": str(self.folder / "log"),
            "RABBITMQ_PID_FILE": str(self.folder / "pid"),
        }

    def start(self, timeout: float = 120) -> BrokerNode:
        # the node keeps its own copy of the log's descriptor: ours closes at once
        with open(self.folder / "server.out", "ab") as log:
            self._process = subprocess.Popen(
                [RABBITMQ_SERVER],
                env=self._env(),
                stdout=log,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        deadline = time.monotonic() + timeout
        while not port_open(self.port):
            if self._process.poll() is not None:
                raise RuntimeError(f"the broker node exited: see {self.folder / 'server.out'}")
            if time.monotonic() > deadline:
                raise TimeoutError(f"the broker node did not listen within {timeout}s")
            time.sleep(0.2)
        return self

    def kill(self) -> None:
        """SIGKILL to every process of the node: no clean shutdown, no flush."""
        if self._process is None:
            return
        with contextlib.suppress(ProcessLookupError):
            os.killpg(self._process.pid, signal.SIGKILL)
        self._process.wait()
        self._process = None
        deadline = time.monotonic() + 30
        while port_open(self.port) and time.monotonic() < deadline:
            time.sleep(0.1)

    def stop(self) -> None:
        if self._process is None:
            return
        try:
            os.killpg(self._process.pid, signal.SIGTERM)
            self._process.wait(timeout=30)
        except (ProcessLookupError, subprocess.TimeoutExpired):
            self.kill()
        self._process = None
