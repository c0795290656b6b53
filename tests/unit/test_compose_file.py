"""docker-compose.yml read against the code, since no Docker engine runs here: every
service, port, env var and health check it names must exist."""

from __future__ import annotations

import importlib
import json
import re
from pathlib import Path
from urllib.parse import urlparse

import pytest
import yaml

from shared.topology import rabbitmq_password_hash

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
DEFINITIONS = json.loads((ROOT / "deploy/rabbitmq/definitions.json").read_text())
APP_SERVICES = ("reservation", "frontdesk", "housekeeping", "feedback", "loyalty")
INFRASTRUCTURE = ("rabbitmq", "mongodb", "mailpit", "prometheus", "grafana")


def expand(value: str) -> str:
    """${VAR:-default} as compose would expand it with nothing set; ${VAR:?message}, which
    compose refuses to start without, as a placeholder."""
    value = re.sub(r"\$\{[A-Z_]+:-([^}]*)\}", r"\1", value)
    return re.sub(r"\$\{([A-Z_]+):\?[^}]*\}", r"<\1>", value)


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
    broker = urlparse(expand(environment["RABBITMQ_URL"]))
    assert broker.hostname == "rabbitmq"
    # Each service logs in as its own broker user, with the password the definitions hold.
    users = {user["name"]: user["password_hash"] for user in DEFINITIONS["users"]}
    assert broker.username == name and users[name] == rabbitmq_password_hash(broker.password)
    assert urlparse(environment["MONGODB_URL"]).hostname == "mongodb"
    if "SMTP_HOST" in environment:
        assert environment["SMTP_HOST"] in service["depends_on"]
    dockerfile = ROOT / service["build"]["context"] / service["build"]["dockerfile"]
    assert dockerfile.exists()
    assert "COPY shared" in dockerfile.read_text() and "COPY services" in dockerfile.read_text()


def test_the_broker_boots_with_the_definitions_it_is_given() -> None:
    rabbitmq = COMPOSE["services"]["rabbitmq"]
    mounts = dict(volume.split(":")[:2] for volume in rabbitmq["volumes"] if volume.startswith("."))
    config = (ROOT / "deploy/rabbitmq/rabbitmq.conf").read_text()
    (loaded,) = re.findall(r"^load_definitions\s*=\s*(\S+)$", config, re.MULTILINE)
    assert mounts["./deploy/rabbitmq/definitions.json"] == loaded
    assert mounts["./deploy/rabbitmq/rabbitmq.conf"].startswith("/etc/rabbitmq/conf.d/")
    assert "ops" in {user["name"] for user in DEFINITIONS["users"]}


def test_every_secret_a_service_needs_is_in_the_env_example() -> None:
    example = (ROOT / ".env.example").read_text()
    required = set(re.findall(r"\$\{([A-Z_]+)[:?-]", (ROOT / "docker-compose.yml").read_text()))
    missing = {name for name in required if not re.search(rf"^{name}=", example, re.MULTILINE)}
    assert not missing, f".env.example does not mention {missing}"


def test_mounted_files_exist() -> None:
    for service in COMPOSE["services"].values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("."):
                assert (ROOT / source).exists(), source
