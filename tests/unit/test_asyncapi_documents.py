"""The AsyncAPI documents: generated from the registry, fresh in docs/, valid for the
official parser, and naming every event type, command and report on both sides."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

import pytest

from shared.asyncapi import REPORT_TYPE, SERVICES, documents, render
from shared.commands import ALL_COMMANDS
from shared.events import ALL_EVENTS
from shared.producers import allowed_producers
from shared.topology import CONSUMER_QUEUES
from tests.support.node_tools import node_tools

DOCS = Path(__file__).resolve().parents[2] / "docs" / "asyncapi"
EVENT_TYPES = {event.event_type for event in ALL_EVENTS}
COMMAND_TYPES = {command.command_type for command in ALL_COMMANDS}


def message_types(document: dict) -> set[str]:
    return set(document["components"]["messages"])


def operation_keys(document: dict, service: str, action: str) -> set[str]:
    keys = set()
    for operation_id, operation in document["operations"].items():
        if operation_id.startswith(f"{service}.") and operation["action"] == action:
            channel = operation["channel"]["$ref"].rsplit("/", 1)[-1]
            keys.add(document["channels"][channel]["address"])
    return keys


def test_the_documents_in_docs_are_fresh() -> None:
    for name, document in documents().items():
        path = DOCS / f"{name}.json"
        assert path.exists() and path.read_text() == render(document), (
            f"{path} is stale: run `make asyncapi`"
        )


def test_the_hotel_document_names_every_registered_type_and_nothing_else() -> None:
    hotel = documents()["hotel"]
    assert message_types(hotel) == EVENT_TYPES | COMMAND_TYPES | {REPORT_TYPE}
    for event in ALL_EVENTS:  # the payload is the contract, envelope included
        payload = hotel["components"]["messages"][event.event_type]["payload"]
        assert payload["properties"]["type"]["const"] == event.event_type
        assert set(payload["required"]) >= {"correlation_id", "producer", "property_id", "payload"}


@pytest.mark.parametrize("service", SERVICES)
def test_each_service_document_sends_what_it_may_publish_and_receives_what_it_binds(
    service: str,
) -> None:
    document = documents()[service]
    publishes = {t for t in EVENT_TYPES if service in allowed_producers(t)}
    consumes = {key for queue in CONSUMER_QUEUES[service] for key in queue.routing_keys}
    reports = {"reservation.report.{channel}"} if service == "reservation" else set()
    assert operation_keys(document, service, "send") == publishes | reports
    assert operation_keys(document, service, "receive") == consumes
    assert message_types(document) == publishes | consumes | ({REPORT_TYPE} if reports else set())


def test_every_event_type_has_a_publisher_in_some_document() -> None:
    sent = set().union(*(operation_keys(documents()[s], s, "send") for s in SERVICES))
    assert sent >= EVENT_TYPES


def test_the_official_asyncapi_parser_accepts_every_document() -> None:
    tools = node_tools()
    files = sorted(str(path) for path in DOCS.glob("*.json"))
    assert len(files) == len(SERVICES) + 1
    result = subprocess.run(
        ["node", str(tools / "validate_asyncapi.mjs"), *files],
        capture_output=True,
        text=True,
        timeout=120,
    )
    reports = [json.loads(line) for line in result.stdout.splitlines()]
    for report in reports:
        print(
            f"{Path(report['file']).name}: valid={report['valid']} "
            f"messages={report['messages']} operations={report['operations']}"
        )
    assert result.returncode == 0 and all(r["valid"] for r in reports), reports
    by_name = {Path(r["file"]).stem: r for r in reports}
    assert by_name["hotel"]["messages"] == len(EVENT_TYPES | COMMAND_TYPES) + 1
