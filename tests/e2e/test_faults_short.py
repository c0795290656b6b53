"""The fault suite's short version (about two minutes): guest journeys over HTTP while
every service is SIGKILLed, the broker is SIGKILLed and restarted, the connections are cut,
confirms are lost, every event is delivered again up to five times out of order and a
poison message arrives; every journey completes and every effect happens exactly once.
The full run: `.venv/bin/python -m tests.faults.run --journeys 10000`."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.faults.broker_node import RABBITMQ_SERVER
from tests.faults.run import Plan, run

pytestmark = [
    pytest.mark.e2e,
    pytest.mark.skipif(
        RABBITMQ_SERVER is None, reason="needs rabbitmq-server to start a node of its own"
    ),
]


async def test_journeys_through_crashes_broker_kills_and_cuts_lose_and_double_nothing(
    tmp_path: Path,
) -> None:
    lines, clean = await run(Plan.short(), tmp_path, concurrency=12)
    result = lines[-1]
    assert clean, "\n".join(lines)
    assert "lost 0, doubled 0, unexpected 0; incomplete journeys 0" in result
