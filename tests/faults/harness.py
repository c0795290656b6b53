"""The system under faults: the five services as processes, each talking to a broker node
of the harness's own through a TCP proxy of its own (so one service's network can be cut,
stalled or slowed alone), a real SMTP sink, and the clients a load driver needs."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import httpx

from scripts.broker_users import grant_local_users, url_as
from scripts.local_stack import ServiceProcess
from shared.services import SERVICE_NAMES
from tests.faults.broker_node import BrokerNode
from tests.faults.driver import Clients
from tests.faults.tcp_proxy import TcpProxy
from tests.support.stack import SmtpSink, Stack, free_port


class FaultSystem:
    def __init__(self, work_dir: Path) -> None:
        self.broker = BrokerNode(work_dir)
        self.proxies = {name: TcpProxy(self.broker.port) for name in SERVICE_NAMES}
        self.smtp = SmtpSink()
        self.stack = Stack(amqp_url=self.broker.url, work_dir=work_dir, smtp=self.smtp)

    def start(self, broker_first: bool = True) -> FaultSystem:
        self.smtp.start()
        for proxy in self.proxies.values():
            proxy.start()
        if broker_first:
            self.start_broker()
        for name in SERVICE_NAMES:
            self.stack.services[name] = self._process(name).start()
        if not broker_first:  # the services are up first and wait for the broker
            self.start_broker()
        for process in self.stack.services.values():
            process.wait_ready(timeout=180)
        return self

    def _process(self, name: str) -> ServiceProcess:
        port = self.stack.services[name].port if name in self.stack.services else free_port()
        # A booking a killed reservation left pending frees its Idempotency-Key as soon as
        # the restarted process (same INSTANCE_NAME, set by env_for) sees it: no special
        # janitor settings here (shared/process_lease.py).
        env = self.stack.env_for(
            name,
            RETRY_DELAY_MS="500",
            DEVELOPMENT_MODE="true",
            RABBITMQ_URL=url_as(self.proxies[name].url_for(self.broker.url), name),
        )
        return ServiceProcess(name, port, env=env, log_path=self.stack.work_dir / f"{name}.log")

    def start_broker(self) -> None:
        """The node, with a broker user per service and their grants (kept in its data
        folder: a restarted node has them still)."""
        self.broker.start()
        grant_local_users("/", node=self.broker.name)

    def kill_service(self, name: str) -> None:
        self.stack.services[name].kill()

    def start_service(self, name: str, wait: bool = True) -> None:
        process = self._process(name).start()
        self.stack.services[name] = process
        if wait:
            process.wait_ready(timeout=180)

    def stop(self) -> None:
        self.stack.stop()
        for proxy in self.proxies.values():
            proxy.stop()
        self.broker.stop()
        self.smtp.stop()

    def client(self, name: str) -> httpx.AsyncClient:
        return self.stack.async_client(name, timeout=15, limits=httpx.Limits(max_connections=64))

    def driver_clients(self) -> Clients:
        return Clients(*(self.client(n) for n in ("reservation", "frontdesk", "housekeeping")))

    def ready(self, name: str) -> bool:
        try:
            return (
                httpx.get(f"{self.stack.services[name].url}/readyz", timeout=2).status_code == 200
            )
        except httpx.HTTPError:
            return False

    async def wait_ready(
        self, names: tuple[str, ...] = SERVICE_NAMES, timeout: float = 180
    ) -> float:
        """Seconds until every named service says ready again."""
        started = time.monotonic()
        while not all(self.ready(n) for n in names):
            if time.monotonic() - started > timeout:
                raise TimeoutError(
                    f"not ready after {timeout}s: {[n for n in names if not self.ready(n)]}"
                )
            await asyncio.sleep(0.2)
        return time.monotonic() - started


@contextmanager
def fault_system(work_dir: Path, broker_first: bool = True) -> Iterator[FaultSystem]:
    system = FaultSystem(work_dir)
    try:
        yield system.start(broker_first=broker_first)
    finally:
        system.stop()
