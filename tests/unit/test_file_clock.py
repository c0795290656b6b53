"""The tests' file clock (shared/clock.py `file_clock`): a rewrite of the file moves the
service's time at its next call, however soon after the last one, while a file that has
not changed is not read again.

Guard removed (run 2026-12-02, not committed): keeping what was read whatever the
modification time (no "settled" condition): `test_a_rewrite_within_the_same_...` fails
(the old time kept); keeping nothing: `test_a_settled_file_is_not_read_again` fails."""

from __future__ import annotations

import os
from datetime import UTC, datetime
from pathlib import Path

import pytest

from shared import clock as clock_module
from shared.clock import file_clock

NINE = datetime(2027, 3, 10, 9, 0, tzinfo=UTC)
TEN = datetime(2027, 3, 10, 10, 0, tzinfo=UTC)


def test_a_rewrite_within_the_same_clock_tick_is_seen(tmp_path: Path) -> None:
    """Two writes the kernel may stamp with one modification time (same size, same
    inode): the second is still seen, because a fresh file is never kept."""
    path = tmp_path / "now"
    path.write_text(NINE.isoformat())
    stamp = os.stat(path).st_mtime_ns
    now = file_clock(str(path))
    assert now() == NINE
    path.write_text(TEN.isoformat())
    os.utime(path, ns=(stamp, stamp))  # the same stamp, as a coarse kernel clock gives
    assert now() == TEN


def test_a_settled_file_is_not_read_again(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "now"
    path.write_text(NINE.isoformat())
    old = os.stat(path).st_mtime_ns - 5_000_000_000  # written five seconds ago
    os.utime(path, ns=(old, old))
    now = file_clock(str(path))
    assert now() == NINE
    reads: list[Path] = []
    read_text = Path.read_text

    def counted(self: Path, *args: object, **kwargs: object) -> str:
        reads.append(self)
        return read_text(self, *args, **kwargs)  # type: ignore[arg-type]

    monkeypatch.setattr(Path, "read_text", counted)
    assert [now(), now(), now()] == [NINE, NINE, NINE]
    assert reads == []
    path.write_text(TEN.isoformat())  # a rewrite: a new modification time
    assert now() == TEN
    assert reads == [path]


def test_no_file_is_the_wall_clock(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(clock_module, "utc_now", lambda: NINE)
    assert file_clock(str(tmp_path / "missing"))() == NINE
