"""The service's idea of "now", injected wherever a rule depends on it (shared/clock.py:
the wall clock, or in tests a file the test rewrites)."""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime

from shared.clock import file_clock, utc_now, wall_clock_from

Clock = Callable[[], datetime]
system_clock = utc_now


def clock_from(test_clock_file: str | None) -> Clock:
    return wall_clock_from(test_clock_file)


__all__ = ["Clock", "clock_from", "file_clock", "system_clock"]
