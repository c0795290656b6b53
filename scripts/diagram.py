"""The README's picture of the services and the events between them, as a mermaid
flowchart generated from the event registry: who may publish a type
(shared/producers.py) and which queues bind it (shared/topology.py).

    python -m scripts.diagram README.md    # `make diagram`: rewrites the block in place
"""

from __future__ import annotations

import sys
from collections import defaultdict
from pathlib import Path

from shared.commands import ALL_COMMANDS
from shared.integrator_access import EVENTS_FOR_INTEGRATORS
from shared.producers import allowed_producers
from shared.topology import COMMANDS_EXCHANGE, CONSUMER_QUEUES, EVENTS_EXCHANGE

START, END = "<!-- diagram:start (make diagram) -->", "<!-- diagram:end -->"


def flows() -> dict[tuple[str, str], list[str]]:
    """(publisher, consumer) -> the event types that travel between them."""
    edges: dict[tuple[str, str], set[str]] = defaultdict(set)
    for consumer, queues in CONSUMER_QUEUES.items():
        for queue in queues:
            if queue.exchange != EVENTS_EXCHANGE:
                continue
            for event_type in queue.routing_keys:
                for producer in allowed_producers(event_type):
                    edges[(producer, consumer)].add(event_type)
    return {edge: sorted(types) for edge, types in sorted(edges.items())}


def mermaid() -> str:
    lines = ["```mermaid", "flowchart LR"]
    lines.append("    integrator([integrators: OTAs, channel managers])")
    for service in CONSUMER_QUEUES:
        lines.append(f"    {service}[{service}]")
    commands = "<br/>".join(c.command_type for c in ALL_COMMANDS)
    lines.append(f'    integrator -- "{COMMANDS_EXCHANGE}:<br/>{commands}" --> reservation')
    lines.append(
        '    reservation -- "hotel.reports:<br/>reservation.report.&lt;channel&gt;" --> integrator'
    )
    for event_type in EVENTS_FOR_INTEGRATORS:
        for producer in sorted(allowed_producers(event_type)):
            lines.append(f'    {producer} -. "{event_type}" .-> integrator')
    for (producer, consumer), types in flows().items():
        lines.append(f'    {producer} -- "{"<br/>".join(types)}" --> {consumer}')
    lines.append("```")
    return "\n".join(lines)


def block() -> str:
    return f"{START}\n{mermaid()}\n{END}"


def rewrite(text: str) -> str:
    head, _, rest = text.partition(START)
    _, _, tail = rest.partition(END)
    return head + block() + tail


def main(argv: list[str]) -> None:
    path = Path(argv[0] if argv else "README.md")
    text = path.read_text()
    if START not in text:
        raise SystemExit(f"{path} has no {START} marker")
    path.write_text(rewrite(text))


if __name__ == "__main__":
    main(sys.argv[1:])
