"""Amenity stock: what every cleaning restocks comes out of the store room.

Each item has a quantity on hand and a reorder point; going below it raises an alert
(a warning in the log, the `housekeeping_amenity_below_reorder` gauge, GET /amenities/alerts).
Stock moves once per cause (a finished task, a delivery), guarded on the item.
"""

from __future__ import annotations

import uuid
from typing import Any

from prometheus_client import Gauge

from shared.errors import NotFound, Unprocessable
from shared.logging import get_logger

from .planning import STANDARD_AMENITIES, standard_amenities
from .repository import HousekeepingRepository

log = get_logger(__name__)

BELOW_REORDER = Gauge(
    "housekeeping_amenity_below_reorder",
    "1 while an amenity's stock is below its reorder point",
    ["item"],
)
ON_HAND = Gauge("housekeeping_amenity_on_hand", "Amenity units in the store room", ["item"])


def default_stock(on_hand: int, reorder_point: int) -> dict[str, tuple[int, int]]:
    items = {item for standard in STANDARD_AMENITIES.values() for item in standard}
    return {item: (on_hand, reorder_point) for item in sorted(items)}


def is_below(item: dict[str, Any]) -> bool:
    return item["on_hand"] < item["reorder_point"]


class StockKeeper:
    def __init__(self, repository: HousekeepingRepository) -> None:
        self.repository = repository

    def standard_list(self, room_type: str) -> dict[str, int]:
        return standard_amenities(room_type)

    async def items(self) -> list[dict[str, Any]]:
        return await self.repository.stock_items()

    async def alerts(self) -> list[dict[str, Any]]:
        return [item for item in await self.items() if is_below(item)]

    async def consume(self, quantities: dict[str, int], cause: str) -> None:
        for item, quantity in quantities.items():
            # the store room cannot give what it does not have: stock stops at zero and
            # what was missing is counted as a shortfall
            after = await self.repository.take_stock(item, quantity, f"{cause}|{item}")
            if after is not None:
                self._watch(after)
                if after["on_hand"] == 0 and after.get("shortfall"):
                    log.warning("amenity out of stock", item=item, shortfall=after["shortfall"])

    async def receive(self, item: str, quantity: int) -> dict[str, Any]:
        await self._existing(item)
        after = await self.repository.adjust_stock(item, quantity, f"receipt|{uuid.uuid4()}")
        assert after is not None  # _existing found the item; amenities are never deleted
        self._watch(after)
        return after

    async def configure(self, item: str, fields: dict[str, Any]) -> dict[str, Any]:
        """Sets on-hand and reorder point; a new item starts at zero for what is not given."""
        if await self.repository.stock_item(item) is None:
            fields = {"on_hand": 0, "reorder_point": 0, **fields}
        if not fields:
            raise Unprocessable("give on_hand, reorder_point or both")
        after = await self.repository.set_stock(item, fields)
        self._watch(after)
        return after

    async def _existing(self, item: str) -> dict[str, Any]:
        found = await self.repository.stock_item(item)
        if found is None:
            raise NotFound(f"no amenity {item!r} is stocked; configure it first")
        return found

    @staticmethod
    def _watch(item: dict[str, Any]) -> None:
        ON_HAND.labels(item["item"]).set(item["on_hand"])
        BELOW_REORDER.labels(item["item"]).set(1 if is_below(item) else 0)
        if is_below(item):
            log.warning(
                "amenity below its reorder point",
                item=item["item"],
                on_hand=item["on_hand"],
                reorder_point=item["reorder_point"],
            )
