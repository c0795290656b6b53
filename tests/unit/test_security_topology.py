"""The broker users in the definitions: one per service, its own queues only."""

from __future__ import annotations

import base64
import hashlib
import json
import re
from pathlib import Path

from shared.topology import (
    CONSUMER_QUEUES,
    OPS_USER,
    definitions,
    rabbitmq_password_hash,
    service_permissions,
)

ROOT = Path(__file__).resolve().parents[2]


def test_the_password_hash_is_rabbitmqs_salted_sha256() -> None:
    encoded = rabbitmq_password_hash("s3cret", salt=b"\x01\x02\x03\x04")
    raw = base64.b64decode(encoded)
    assert raw[:4] == b"\x01\x02\x03\x04"
    assert raw[4:] == hashlib.sha256(b"\x01\x02\x03\x04" + b"s3cret").digest()
    assert rabbitmq_password_hash("a") == rabbitmq_password_hash("a") != rabbitmq_password_hash("b")


def test_every_service_has_a_user_with_a_password_from_the_environment() -> None:
    environ = {
        f"RABBITMQ_PASSWORD_{name.upper()}": f"{name}-secret"
        for name in (*CONSUMER_QUEUES, OPS_USER)
    }
    generated = definitions(
        environ={
            **environ,
            "RABBITMQ_PASSWORD_LOYALTY": "from-env",
            "INTEGRATOR_CHANNELS": "acme-travel",
            "RABBITMQ_PASSWORD_INTEGRATOR_ACME_TRAVEL": "ota-secret",
        }
    )
    users = {user["name"]: user for user in generated["users"]}
    assert set(users) == {*CONSUMER_QUEUES, OPS_USER, "integrator-acme-travel"}
    assert users["loyalty"]["password_hash"] == rabbitmq_password_hash("from-env")
    assert users["frontdesk"]["password_hash"] == rabbitmq_password_hash("frontdesk-secret")
    # no management access for services; the ops administrator is the only one with it
    assert all(users[service]["tags"] == [] for service in CONSUMER_QUEUES)
    assert users[OPS_USER]["tags"] == ["administrator"]
    assert {p["user"] for p in generated["permissions"]} == {*users}
    # every login but ops is narrowed to routing keys on each topic exchange
    assert {(t["user"], t["exchange"]) for t in generated["topic_permissions"]} == {
        (user, exchange)
        for user in users
        if user != OPS_USER
        for exchange in ("hotel.events", "hotel.commands", "hotel.reports")
    }


def test_a_service_reaches_its_own_queues_and_no_one_elses() -> None:
    for service, queues in CONSUMER_QUEUES.items():
        allowed = {kind: re.compile(regex) for kind, regex in service_permissions(service).items()}
        for queue in queues:
            for name in (queue.name, queue.retry_queue, queue.parking_queue):
                assert name.startswith(f"{service}.")  # the permissions rely on it
                assert allowed["read"].match(name) and allowed["configure"].match(name)
        for other, other_queues in CONSUMER_QUEUES.items():
            if other == service:
                continue
            for queue in other_queues:
                for kind in ("configure", "write", "read"):
                    assert not allowed[kind].match(queue.name), (service, kind, queue.name)
        assert allowed["write"].match("hotel.events")
        assert bool(allowed["write"].match("hotel.reports")) == (service == "reservation")
        assert not allowed["write"].match("hotel.commands")


def test_the_committed_definitions_are_the_generated_ones() -> None:
    committed = json.loads((ROOT / "deploy/rabbitmq/definitions.json").read_text())
    assert committed == definitions()  # the topology only: no users, no hashes
