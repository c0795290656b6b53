"""One list of services (shared/services.py): what make run, the tests, the CLI and the
compose smoke run read; and the files that cannot import it (docker-compose.yml,
Prometheus' targets), the topology and each service's own settings agree with it."""

from __future__ import annotations

import importlib
from pathlib import Path

import pytest
import yaml

from hotel_cli.settings import SERVICE_PORTS as CLI_PORTS
from scripts.local_stack import SERVICES as LOCAL_STACK
from shared.services import SERVICE_NAMES, SERVICE_PORTS, SERVICES
from shared.topology import CONSUMER_QUEUES, PUBLISHES_TO
from tests.support.stack import SERVICE_NAMES as TEST_STACK

ROOT = Path(__file__).resolve().parents[2]


def test_the_packages_the_topology_and_the_tools_name_the_same_services() -> None:
    packages = {p.parent.name for p in (ROOT / "services").glob("*/main.py")}
    assert set(SERVICE_NAMES) == packages
    assert set(SERVICE_NAMES) == set(CONSUMER_QUEUES) == set(PUBLISHES_TO)
    assert LOCAL_STACK == CLI_PORTS == SERVICE_PORTS
    assert TEST_STACK == SERVICE_NAMES
    assert len(set(SERVICE_PORTS.values())) == len(SERVICES)  # no two on one port


@pytest.mark.parametrize("service", SERVICES, ids=lambda s: s.name)
def test_each_service_knows_its_own_name_port_and_queues(service) -> None:
    settings = importlib.import_module(f"services.{service.name}.config").Settings
    assert settings.model_fields["service_name"].default == service.name
    assert settings.model_fields["http_port"].default == service.port
    assert importlib.util.find_spec(service.module) is not None
    assert [q.service for q in service.queues] == [service.name] * len(service.queues)


def test_compose_and_prometheus_run_and_scrape_the_same_services_on_the_same_ports() -> None:
    compose = yaml.safe_load((ROOT / "docker-compose.yml").read_text())["services"]
    prometheus = yaml.safe_load((ROOT / "deploy/prometheus/prometheus.yml").read_text())
    (services_job,) = [j for j in prometheus["scrape_configs"] if j["job_name"] == "hotel-services"]
    targets = {t for config in services_job["static_configs"] for t in config["targets"]}
    assert targets == {f"{s.name}:{s.port}" for s in SERVICES}
    for service in SERVICES:
        assert compose[service.name]["command"] == ["python", "-m", service.module]
        assert compose[service.name]["environment"]["HTTP_PORT"] == str(service.port)
