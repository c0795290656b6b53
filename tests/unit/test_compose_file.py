"""docker-compose.yml read against the code, since no Docker engine runs here: every
service, port, env var and health check it names must exist."""

from __future__ import annotations

import importlib
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
APP_SERVICES = ("reservation", "frontdesk", "housekeeping", "feedback", "loyalty")
INFRASTRUCTURE = ("rabbitmq", "mongodb", "mailpit")


def expand(value: str) -> str:
    """${VAR:-default} as compose would expand it with nothing set."""
    return re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", value)


def test_the_whole_system_is_there() -> None:
    assert set(COMPOSE["services"]) == {*APP_SERVICES, *INFRASTRUCTURE}
    for name, service in COMPOSE["services"].items():
        assert "healthcheck" in service, f"{name} has no health check"


@pytest.mark.parametrize("name", APP_SERVICES)
def test_each_service_runs_its_own_module_with_settings_it_knows(name: str) -> None:
    service = COMPOSE["services"][name]
    assert service["command"] == ["python", "-m", f"services.{name}.main"]
    settings_class = importlib.import_module(f"services.{name}.config").Settings
    known = {field.upper() for field in settings_class.model_fields}
    environment = service["environment"]
    unknown = set(environment) - known
    assert not unknown, f"{name} is given settings it does not have: {unknown}"

    port = int(environment["HTTP_PORT"])
    assert port == settings_class.model_fields["http_port"].default
    assert f"{port}:{port}" in service["ports"]
    probe = " ".join(service["healthcheck"]["test"])
    assert f"http://127.0.0.1:{port}/readyz" in probe

    app = importlib.import_module(f"services.{name}.main").create_app()
    assert {"/readyz", "/livez"} <= set(app.openapi()["paths"])


@pytest.mark.parametrize("name", APP_SERVICES)
def test_dependencies_exist_are_healthy_first_and_are_reached_by_their_names(name: str) -> None:
    service = COMPOSE["services"][name]
    for dependency, condition in service["depends_on"].items():
        assert dependency in COMPOSE["services"]
        assert condition == {"condition": "service_healthy"}
    environment = service["environment"]
    assert urlparse(expand(environment["RABBITMQ_URL"])).hostname == "rabbitmq"
    assert urlparse(environment["MONGODB_URL"]).hostname == "mongodb"
    if "SMTP_HOST" in environment:
        assert environment["SMTP_HOST"] in service["depends_on"]
    dockerfile = ROOT / service["build"]["context"] / service["build"]["dockerfile"]
    assert dockerfile.exists()
    assert "COPY shared" in dockerfile.read_text() and "COPY services" in dockerfile.read_text()


def test_mounted_files_exist() -> None:
    for service in COMPOSE["services"].values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (ROOT / source).exists(), source
