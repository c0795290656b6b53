"""A find cursor on the embedded store that stops where motor's would.

Two differences from a motor cursor on MongoDB, found by profiling the outbox relay
(benchmarks/ceilings.py `relay_alone`):
- mongomock-motor's `to_list(length)` ignores `length` and returns every match: a page
  asked for as `find(...).sort(...).to_list(50)` came back whole. Motor returns at most
  `length` documents and leaves the rest on the cursor for the next call; so does this.
- mongomock evaluates, copies and makes aware every match before it applies a limit,
  and its `__next__` slices the whole result list again for every document it returns.
  A cursor with a limit and no sort or skip (what MongoDB answers by stopping at the
  limit) now evaluates documents only until it has the limit; `to_list` slices the
  results once.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from mongomock import collection as mongomock_collection
from mongomock import helpers
from mongomock_motor import AsyncCursor

_original_compute: Callable[..., list[Any]] = mongomock_collection.Cursor._compute_results
_original_to_list: Callable[..., Any] = AsyncCursor.to_list


def _compute_results(self: Any, with_limit_and_skip: bool = False) -> list[Any]:
    limit = abs(self._limit) if self._limit else None
    if limit is None or self._sort or self._skip:
        return _original_compute(self, with_limit_and_skip)
    # The first `limit` matches in natural order are the whole answer: stop there.
    fresh = self._factory_last_generated_results == (self._factory, limit)
    if self._results is None or not fresh:
        matches = itertools.islice(self._factory(), limit)
        if self.collection.codec_options.tz_aware:
            self._results = [helpers.make_datetime_timezone_aware_in_document(x) for x in matches]
        else:
            self._results = list(matches)
        self._factory_last_generated_results = (self._factory, limit)
    results: list[Any] = self._results
    return results


async def to_list(self: Any, length: int | None = None) -> list[Any]:
    """Motor's `to_list`: at most `length` documents (all when None), from where the
    cursor stands; the cursor moves past them."""
    if length is not None:
        if not isinstance(length, int):
            raise TypeError(f"length must be an int, not {length!r}")
        if length < 0:
            raise ValueError("length must be non-negative")
    cursor = self._AsyncCursor__cursor
    results = cursor._compute_results(with_limit_and_skip=True)
    start = cursor._emitted
    end = len(results) if length is None else min(len(results), start + length)
    cursor._emitted = end
    return list(results[start:end])


def install() -> None:
    """Idempotent; `uninstall` puts mongomock's own back (tests compare the two)."""
    mongomock_collection.Cursor._compute_results = _compute_results  # type: ignore[method-assign]
    AsyncCursor.to_list = to_list  # type: ignore[method-assign,assignment]


def uninstall() -> None:
    mongomock_collection.Cursor._compute_results = _original_compute  # type: ignore[method-assign]
    AsyncCursor.to_list = _original_to_list  # type: ignore[method-assign]
