"""The service's idea of "now", injected wherever a rule depends on it."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime
from pathlib import Path

from shared.logging import get_logger

log = get_logger(__name__)

Clock = Callable[[], datetime]


def system_clock() -> datetime:
    return datetime.now(UTC)


def file_clock(path: str) -> Clock:
    """TESTS ONLY: "now" is the ISO datetime written in `path`, re-read at every call, so a
    test moves time by rewriting the file (no test waits for 10:00 to come)."""
    log.warning("housekeeping runs on a test clock read from a file", path=path)
    file = Path(path)

    def now() -> datetime:
        return datetime.fromisoformat(file.read_text().strip()).astimezone(UTC)

    return now


def clock_from(test_clock_file: str | None) -> Clock:
    return file_clock(test_clock_file) if test_clock_file else system_clock
