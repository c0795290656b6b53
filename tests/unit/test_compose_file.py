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

from shared.services import SERVICE_NAMES
from shared.topology import MissingSecret, definitions, rabbitmq_password_hash

ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
DEFINITIONS = json.loads((ROOT / "deploy/rabbitmq/definitions.json").read_text())
APP_SERVICES = SERVICE_NAMES
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
    # Each service logs in as its own broker user, with the password the definitions
    # rendered at deploy time from the same variable hold.
    rendered = definitions(environ=placeholder_secrets())
    users = {user["name"]: user["password_hash"] for user in rendered["users"]}
    assert broker.username == name and users[name] == rabbitmq_password_hash(broker.password)
    mongo = urlparse(expand(environment["MONGODB_URL"]))
    assert (mongo.hostname, mongo.username, mongo.path) == ("mongodb", name, f"/{name}")
    assert mongo.password == f"<MONGODB_PASSWORD_{name.upper()}>"
    if "SMTP_HOST" in environment:
        assert environment["SMTP_HOST"] in service["depends_on"]
    dockerfile = ROOT / service["build"]["context"] / service["build"]["dockerfile"]
    assert dockerfile.exists()
    assert "COPY shared" in dockerfile.read_text() and "COPY services" in dockerfile.read_text()


def test_the_broker_boots_with_the_definitions_it_is_given() -> None:
    rabbitmq = COMPOSE["services"]["rabbitmq"]
    mounts = dict(mount_pairs(rabbitmq))
    config = (ROOT / "deploy/rabbitmq/rabbitmq.conf").read_text()
    (loaded,) = re.findall(r"^load_definitions\s*=\s*(\S+)$", config, re.MULTILINE)
    assert mounts[RENDERED] == loaded
    assert mounts["./deploy/rabbitmq/rabbitmq.conf"].startswith("/etc/rabbitmq/conf.d/")
    assert "ops" in {user["name"] for user in definitions(environ=placeholder_secrets())["users"]}


def test_every_secret_a_service_needs_is_in_the_env_example() -> None:
    example = (ROOT / ".env.example").read_text()
    required = set(re.findall(r"\$\{([A-Z_]+)[:?-]", (ROOT / "docker-compose.yml").read_text()))
    missing = {name for name in required if not re.search(rf"^{name}=", example, re.MULTILINE)}
    assert not missing, f".env.example does not mention {missing}"


def test_mounted_files_exist() -> None:
    for service in COMPOSE["services"].values():
        for source, _ in mount_pairs(service):
            if source != RENDERED:  # rendered at deploy time, never committed
                assert (ROOT / source).exists(), source
    assert RENDERED.removeprefix("./") in (ROOT / ".gitignore").read_text()


RENDERED = "./deploy/rabbitmq/definitions.rendered.json"


def mount_pairs(service: dict) -> list[tuple[str, str]]:
    pairs = []
    for volume in service.get("volumes", []):
        if isinstance(volume, dict):
            pairs.append((volume["source"], volume["target"]))
        elif volume.startswith("."):
            pairs.append(tuple(volume.split(":")[:2]))
    return pairs


def placeholder_secrets() -> dict[str, str]:
    """Every variable the compose file refuses to start without, set to `<NAME>`."""
    names = re.findall(r"\$\{([A-Z_]+):\?", (ROOT / "docker-compose.yml").read_text())
    return {name: f"<{name}>" for name in (*names, "RABBITMQ_PASSWORD_OPS")}


def test_only_the_five_apis_are_published_on_every_interface() -> None:
    for name, service in COMPOSE["services"].items():
        for port in service.get("ports", []):
            if name in APP_SERVICES:
                continue
            assert port.startswith("127.0.0.1:"), (name, port)
    assert "ports" not in COMPOSE["services"]["mongodb"]
    assert not any(p.endswith(":5672") for p in COMPOSE["services"]["rabbitmq"]["ports"])


def test_no_secret_has_a_default() -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    assert not re.findall(r"\$\{[A-Z_]+:-", text), "every secret is required (:?)"
    assert "dev-only" not in text and "change-me" not in text


def test_the_committed_definitions_hold_no_users_or_hashes() -> None:
    assert "users" not in DEFINITIONS and "password_hash" not in json.dumps(DEFINITIONS)


def test_rendering_the_users_stops_on_a_missing_secret() -> None:
    secrets = placeholder_secrets()
    assert definitions(environ=secrets)["users"]
    for missing in ("RABBITMQ_PASSWORD_OPS", "RABBITMQ_PASSWORD_LOYALTY"):
        with pytest.raises(MissingSecret):
            definitions(environ={k: v for k, v in secrets.items() if k != missing})


def test_mongodb_has_authentication_and_a_user_per_service_database() -> None:
    mongodb = COMPOSE["services"]["mongodb"]
    assert mongodb["environment"]["MONGO_INITDB_ROOT_PASSWORD"].startswith("${")
    script = (ROOT / "deploy/mongodb/init-users.js").read_text()
    for name in APP_SERVICES:
        assert f"MONGODB_PASSWORD_{name.upper()}" in mongodb["environment"]
    assert 'role: "readWrite", db: service' in script


@pytest.mark.parametrize("name", ["reservation", "frontdesk", "feedback", "loyalty"])
def test_a_service_refuses_to_start_without_its_keys_unless_in_development(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    settings_class = importlib.import_module(f"services.{name}.config").Settings
    monkeypatch.setenv("DEVELOPMENT_MODE", "false")
    with pytest.raises(ValueError, match="must be set"):
        settings_class()
    monkeypatch.setenv("DEVELOPMENT_MODE", "true")
    assert settings_class().development_mode
