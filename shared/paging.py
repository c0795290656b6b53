"""The shapes a listing answers with, typed by its items: a Page of a long listing, a
Listing of a short bounded one, a DayList of one hotel day."""

from __future__ import annotations

import datetime as dt
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from pydantic import BaseModel

Item = TypeVar("Item")
Shown = TypeVar("Shown")


class Page(BaseModel, Generic[Item]):
    """`total` matches the query, `items` are the `limit` from `offset` on."""

    total: int
    limit: int
    offset: int
    items: list[Item]

    @classmethod
    def of(cls, total: int, limit: int, offset: int, items: Sequence[Item]) -> Page[Item]:
        return cls(total=total, limit=limit, offset=offset, items=list(items))

    def map(self, show: Callable[[Item], Shown]) -> Page[Shown]:
        """The same page with each item turned into what the route shows of it."""
        return Page[Shown](
            total=self.total,
            limit=self.limit,
            offset=self.offset,
            items=[show(item) for item in self.items],
        )


class Listing(BaseModel, Generic[Item]):
    """A whole, bounded list (not paged): `total` is how many `items` there are."""

    total: int
    items: list[Item]

    @classmethod
    def of(cls, items: Sequence[Item]) -> Listing[Item]:
        return cls(total=len(items), items=list(items))


class DayList(BaseModel, Generic[Item]):
    """Everything of one hotel day (arrivals, in-house, departures of `date`)."""

    date: dt.date
    total: int
    items: list[Item]

    @classmethod
    def of(cls, day: dt.date, items: Sequence[Item]) -> DayList[Item]:
        return cls(date=day, total=len(items), items=list(items))
