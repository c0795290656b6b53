from __future__ import annotations

import os

# Every store call in every test (in-process and in the services the tests start) yields
# to the event loop and may wait a little, so a missing concurrency guard shows up as a
# race instead of passing by luck (shared/mongo.py, the interleaving mode). Set, not
# defaulted: a shell that turned it off (as make run does not interleave) must not
# silently take the concurrency tests' power away.
os.environ["EMBEDDED_STORE_INTERLEAVE"] = "true"
# Tests run without deployment secrets (PII_KEYS...): the explicit development setting.
os.environ.setdefault("DEVELOPMENT_MODE", "true")

from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest

from tests.support.infrastructure import local_vhost, mongodb_url, rabbitmq_base
from tests.support.stack import SmtpSink, Stack

# The page tests' `browser_page` fixture (it imports Playwright only when used).
pytest_plugins = ("tests.support.browser",)


@pytest.fixture(scope="session")
def _rabbitmq_base() -> Iterator[str | None]:
    with rabbitmq_base() as url:
        yield url


@pytest.fixture(scope="session")
def mongo_url() -> Iterator[str | None]:
    with mongodb_url() as url:
        yield url


@pytest.fixture
def amqp_url(_rabbitmq_base: str | None) -> Iterator[str]:
    """A broker of the test's own: a fresh vhost locally, else the given broker."""
    if _rabbitmq_base is not None:
        yield _rabbitmq_base
        return
    with local_vhost() as url:
        yield url


@pytest.fixture
def smtp_sink() -> Iterator[SmtpSink]:
    sink = SmtpSink().start()
    yield sink
    sink.stop()


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item: pytest.Item, call: pytest.CallInfo[None]) -> Any:
    report = yield
    if report.when == "call":
        item.stash[_CALL_FAILED] = report.failed
    return report


_CALL_FAILED = pytest.StashKey[bool]()


def _service_errors(system: Stack, limit: int = 40) -> str:
    """The services' error lines: what CI keeps of a failed end-to-end test's processes."""
    lines = [
        line
        for line in system.logs().splitlines()
        if '"level": "error"' in line or '"level": "warning"' in line or "Traceback" in line
    ]
    return "\n".join(lines[-limit:])


@pytest.fixture
def stack(
    request: pytest.FixtureRequest,
    amqp_url: str,
    mongo_url: str | None,
    smtp_sink: SmtpSink,
    tmp_path: Path,
    _rabbitmq_base: str | None,
) -> Iterator[Stack]:
    """Start services with `stack.start(...)`; all are stopped after the test."""
    system = Stack(
        amqp_url=amqp_url,
        mongo_url=mongo_url,
        smtp=smtp_sink,
        work_dir=tmp_path,
        service_logins=_rabbitmq_base is None,
    )
    yield system
    system.stop()
    if request.node.stash.get(_CALL_FAILED, False):
        print(f"\n--- the services' errors and warnings ---\n{_service_errors(system)}")
