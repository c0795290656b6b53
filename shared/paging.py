"""One page of a listing: the shape every paged route answers with, typed by its items."""

from __future__ import annotations

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
