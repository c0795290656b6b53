"""The one list of the hotel's services: their names (each a package services/<name>
with its own `main`), their default HTTP ports and the queues they consume.

`make run` (scripts/local_stack.py), the tests (tests/support/stack.py), the CLI's
defaults, the services' own settings and the compose smoke run read it from here;
tests/unit/test_service_list.py checks that docker-compose.yml, the Prometheus targets
and the broker topology name the same services on the same ports.
"""

from __future__ import annotations

from dataclasses import dataclass

from shared.topology import CONSUMER_QUEUES, ConsumerQueue


@dataclass(frozen=True)
class Service:
    name: str
    port: int

    @property
    def module(self) -> str:
        return f"services.{self.name}.main"

    @property
    def queues(self) -> tuple[ConsumerQueue, ...]:
        return CONSUMER_QUEUES[self.name]


SERVICES: tuple[Service, ...] = (
    Service("reservation", 8001),
    Service("frontdesk", 8002),
    Service("housekeeping", 8003),
    Service("feedback", 8004),
    Service("loyalty", 8005),
)
SERVICE_NAMES: tuple[str, ...] = tuple(service.name for service in SERVICES)
SERVICE_PORTS: dict[str, int] = {service.name: service.port for service in SERVICES}
