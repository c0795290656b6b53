"""An amendment's hold on the booking and the nights it gains: the booking claimed for
the amendment (so a crash is found and undone by the janitor), then the new nights taken,
all or none, before any old one goes back."""

from __future__ import annotations

from typing import Any

from shared.errors import Conflict

from .domain import HoldKey, reservation_holder
from .inventory_holds import InventoryHolds
from .reservation_context import NoAvailability, capacity_of
from .reservation_documents import reservation_from_document
from .reservation_rules import amendment_dropped, amendment_started


class AmendmentHolds(InventoryHolds):
    async def _capacities(self, moves: list[tuple[HoldKey, int, int]]) -> dict[str, int]:
        """The capacity of each room type the amendment's holds move in."""
        return {
            code: capacity_of(await self._room_type(code))
            for code in {key[0] for key, _, _ in moves}
        }

    async def _claim_and_grow(
        self,
        current: dict[str, Any],
        growths: list[tuple[HoldKey, int, int]],
        capacities: dict[str, int],
    ) -> None:
        """Claims the reservation for an amendment (so a crash is found and undone by the
        janitor), then takes the nights it gains, all or none."""
        read = reservation_from_document(current)
        claimed = await self.repository.claim_for_amendment(
            read, amendment_started(read, self.clock(), self.owner)
        )
        if claimed is None:
            raise Conflict("the reservation changed meanwhile; load it and try again")
        holder = reservation_holder(read.id)
        grown: list[tuple[HoldKey, int, int]] = []
        try:
            for key, before, after in growths:
                if not await self.inventory.resize(key, holder, before, after, capacities[key[0]]):
                    raise NoAvailability(
                        f"no {key[0]} left on {key[1]}", night=key[1], room_type=key[0]
                    )
                grown.append((key, before, after))
        except BaseException:
            for key, before, after in grown:
                await self.inventory.resize(key, holder, after, before, capacities[key[0]])
            await self.repository.drop_amendment(claimed, amendment_dropped(claimed))
            raise
