"""Observability in compose: Prometheus scrapes what compose runs, and every metric the
Grafana dashboard queries is exported (the services' own by their /metrics, read from
the five services as processes; RabbitMQ's by its exporter)."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest
import yaml
from prometheus_client.parser import text_string_to_metric_families

from tests.support.stack import SERVICE_NAMES, Stack, wait_until

pytestmark = pytest.mark.e2e
ROOT = Path(__file__).resolve().parents[2]
COMPOSE = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
PROMETHEUS = yaml.safe_load((ROOT / "deploy/prometheus/prometheus.yml").read_text())
DASHBOARD = json.loads((ROOT / "deploy/grafana/dashboards/hotel.json").read_text())
# rabbitmq_prometheus (on in the official image), /metrics/per-object: the series the
# dashboard reads from the broker. No broker with that plugin runs here, so pinned.
RABBITMQ_EXPORTER = {
    "rabbitmq_queue_messages_ready",
    "rabbitmq_queue_messages_unacked",
    "rabbitmq_queue_consumers",
}
SUFFIXES = ("", "_total", "_bucket", "_sum", "_count", "_created")


def dashboard_metrics() -> set[str]:
    names = set()
    for panel in DASHBOARD["panels"]:
        for target in panel["targets"]:
            expr = re.sub(r"\{[^}]*\}", "", target["expr"])  # label matchers
            expr = re.sub(r"\b(by|without)\s*\([^)]*\)", "", expr)  # grouping labels
            expr = re.sub(r"\[[^\]]*\]", "", expr)  # ranges
            for name in re.findall(r"\b([a-z_][a-z0-9_]*)\b(?!\s*\()", expr):
                names.add(name)
    return names


def exported(text: str) -> set[str]:
    names = set()
    for family in text_string_to_metric_families(text):
        names |= {family.name + suffix for suffix in SUFFIXES}
        names |= {sample.name for sample in family.samples}
    return names


def service_port(name: str) -> int:
    return int(COMPOSE["services"][name]["environment"]["HTTP_PORT"])


def test_prometheus_scrapes_the_five_services_and_rabbitmq_as_compose_runs_them() -> None:
    jobs = {job["job_name"]: job for job in PROMETHEUS["scrape_configs"]}
    targets = {
        target
        for config in jobs["hotel-services"]["static_configs"]
        for target in config["targets"]
    }
    assert targets == {f"{name}:{service_port(name)}" for name in SERVICE_NAMES}
    for config in jobs["hotel-services"]["static_configs"]:
        service = config["labels"]["service"]
        assert config["targets"] == [f"{service}:{service_port(service)}"]
    # /metrics needs the ops scope: the key file is mounted where the config reads it
    key_file = jobs["hotel-services"]["authorization"]["credentials_file"]
    assert any(
        volume.endswith(f":{key_file}:ro")
        for volume in COMPOSE["services"]["prometheus"]["volumes"]
    )
    assert [t for c in jobs["rabbitmq"]["static_configs"] for t in c["targets"]] == [
        "rabbitmq:15692"
    ]
    assert "rabbitmq" in COMPOSE["services"] and "grafana" in COMPOSE["services"]
    datasource = yaml.safe_load(
        (ROOT / "deploy/grafana/provisioning/datasources/prometheus.yml").read_text()
    )["datasources"][0]
    assert datasource["url"] == "http://prometheus:9090"
    assert "127.0.0.1:9090:9090" in COMPOSE["services"]["prometheus"]["ports"]  # not public


def test_every_metric_the_dashboard_queries_is_exported(stack: Stack) -> None:
    stack.set_hotel_time("2027-04-01", 15)  # the guest checks in on the arrival day
    stack.start(*SERVICE_NAMES)
    # One check-out, so the fan-out latency shows its three effects.
    reservation, frontdesk = stack.client("reservation"), stack.client("frontdesk")
    booking = reservation.post(
        "/reservations",
        json={
            "guest": {"first_name": "Ola", "last_name": "Nordmann", "email": "ola@example.com"},
            "room_type": "king",
            "arrival": "2027-04-01",
            "departure": "2027-04-02",
            "adults": 1,
            "channel": "web",
        },
    ).json()
    stay = wait_until(
        lambda: (
            (r := frontdesk.post("/stays", json={"reservation_id": booking["id"]})).status_code
            == 201
            and r.json()
        ),
        message="check-in",
    )
    assert frontdesk.post(f"/stays/{stay['stay_id']}/checkout").status_code == 200

    metrics: dict[str, str] = {}
    effects = ("housekeeping.stay-events", "loyalty.stay-events", "feedback.stay-events")

    def scraped() -> bool:
        for name in SERVICE_NAMES:
            response = stack.client(name, scope="ops").get("/metrics")
            assert response.status_code == 200, response.text
            metrics[name] = response.text
        text = "".join(metrics.values())
        return all(
            f'event_effect_latency_seconds_count{{queue="{queue}",type="stay.checked_out"}} 1.0'
            in text
            for queue in effects
        )

    wait_until(scraped, timeout=30, message="the three check-out effects in the latency histogram")
    exported_by_services = set().union(*(exported(text) for text in metrics.values()))
    wanted = dashboard_metrics()
    assert len(wanted) >= 10
    missing = wanted - exported_by_services - RABBITMQ_EXPORTER
    assert not missing, f"the dashboard queries metrics nobody exports: {sorted(missing)}"
    print(
        f"dashboard queries {len(wanted)} metrics: "
        f"{len(wanted - RABBITMQ_EXPORTER)} from the services, "
        f"{len(wanted & RABBITMQ_EXPORTER)} from RabbitMQ's exporter"
    )
