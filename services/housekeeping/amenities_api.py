"""Routes for amenities: a room type's standard list, stock levels and the items below
their reorder point, an item's configuration, and stock received."""

from __future__ import annotations

from fastapi import APIRouter

from .amenities import StockKeeper
from .public import StockItemPublic
from .schemas import StockReceipt, StockUpdate


def amenities_router(stock: StockKeeper) -> APIRouter:
    router = APIRouter()

    @router.get("/amenities/standard/{room_type}")
    async def standard_list(room_type: str) -> dict[str, int]:
        return stock.standard_list(room_type)

    @router.get("/amenities/stock")
    async def stock_levels() -> list[StockItemPublic]:
        return [StockItemPublic.of(item) for item in await stock.items()]

    @router.get("/amenities/alerts")
    async def stock_alerts() -> list[StockItemPublic]:
        """Items below their reorder point."""
        return [StockItemPublic.of(item) for item in await stock.alerts()]

    @router.put("/amenities/stock/{item}")
    async def configure_item(item: str, update: StockUpdate) -> StockItemPublic:
        fields = update.model_dump(exclude_none=True)
        return StockItemPublic.of(await stock.configure(item, fields))

    @router.post("/amenities/stock/{item}/receipts")
    async def receive_item(item: str, receipt: StockReceipt) -> StockItemPublic:
        return StockItemPublic.of(await stock.receive(item, receipt.quantity))

    return router
