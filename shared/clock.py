"""The property's clock: one idea of "now" and of "today" for every service.

A hotel lives on its own time zone (PROPERTY_TIMEZONE) and on its business date: the
day the night audit has not closed yet. Policies (cancellation deadlines, no-shows, the
late check-out fee), lists and plans follow the property's local time, never the
server's UTC date. The wall clock is injected so that tests move time.
"""

from __future__ import annotations

import os
import time as _time
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Protocol
from zoneinfo import ZoneInfo

DEFAULT_TIMEZONE = "Asia/Shanghai"


class Clock(Protocol):
    """The one clock type of every service: called, it says what time it is now (aware,
    UTC). `utc_now`, a test's clock and a PropertyClock (which also knows the property's
    zone and its today) all are one."""

    def __call__(self) -> datetime: ...


def utc_now() -> datetime:
    return datetime.now(UTC)


def property_timezone() -> str:
    """PROPERTY_TIMEZONE, the same for every service of the property."""
    return os.environ.get("PROPERTY_TIMEZONE") or DEFAULT_TIMEZONE


class PropertyClock:
    """Now, as the property sees it. Calling it gives the aware wall-clock time (UTC)."""

    def __init__(self, now: Clock | None = None, timezone: str | None = None) -> None:
        self._now = now or utc_now
        self.tz = ZoneInfo(timezone or property_timezone())

    def __call__(self) -> datetime:
        return self._now()

    def now_local(self) -> datetime:
        return self._now().astimezone(self.tz)

    def today(self) -> date:
        """The local calendar date. The business date (see `business_date`) can lag
        behind it between midnight and the night audit."""
        return self.now_local().date()

    def local_time(self, day: date, hour: int) -> datetime:
        """`hour` o'clock at the hotel on `day`, as an aware datetime."""
        return datetime.combine(day, time(hour), tzinfo=self.tz)


DEFAULT_AUDIT_HOUR = 3


def business_date(
    open_day: date | None, clock: PropertyClock, audit_hour: int = DEFAULT_AUDIT_HOUR
) -> date:
    """The business date: the day the night audit has not closed yet (`open_day`, what
    the last audit rolled to). Between midnight and the audit hour the hotel still works
    on yesterday: a guest arriving at 00:30 arrives on yesterday's booking. If no audit
    ran for a while the date follows the clock once past the audit hour, so nothing is
    stuck on a day long gone."""
    now = clock.now_local()
    by_the_clock = now.date() - timedelta(days=1 if now.hour < audit_hour else 0)
    return max(open_day, by_the_clock) if open_day is not None else by_the_clock


def next_day(day: date) -> date:
    return day + timedelta(days=1)


# A file written this long before it was read cannot be rewritten with the same
# modification time: the kernel stamps a file with a clock coarser than a nanosecond
# (a few milliseconds), never with one this coarse.
_SETTLED_SECONDS = 1.0


def file_clock(path: str) -> Clock:
    """TESTS ONLY: "now" is the ISO datetime written in `path`, re-read whenever the file
    may have changed (the wall clock while the file is missing or empty), so a test moves
    a running service's time by rewriting the file.

    What was read is kept while the file's identity, size and modification time stay
    the same and that time was settled when it was read: opening and reading the file at
    every call was 5% of a check-in's CPU under make bench (py-spy), where a service
    asks the time several times per request and production reads no file at all."""
    kept: tuple[tuple[int, int, int], str] | None = None

    def now() -> datetime:
        nonlocal kept
        try:
            stat = os.stat(path)
        except FileNotFoundError:
            kept = None
            return utc_now()
        seen = (stat.st_ino, stat.st_size, stat.st_mtime_ns)
        if kept is not None and kept[0] == seen:
            text = kept[1]
        else:
            read_at = _time.time_ns()
            try:
                text = Path(path).read_text(encoding="utf-8").strip()
            except FileNotFoundError:
                text = ""
            settled = read_at - stat.st_mtime_ns > _SETTLED_SECONDS * 1e9
            kept = (seen, text) if settled else None
        return datetime.fromisoformat(text).astimezone(UTC) if text else utc_now()

    return now


def wall_clock_from(test_clock_file: str | None) -> Clock:
    return file_clock(test_clock_file) if test_clock_file else utc_now
