"""The rooms from housekeeping's events: which rooms are ready (newest event wins), the
out-of-order periods (newest revision wins), and what a room check found, charged on the
folio through the folio's use cases, once per check."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from shared.events import Event, RoomItemCheckReported, RoomStatusChanged
from shared.logging import get_logger

from .folio import ChargeCategory
from .projection_context import ProjectionContext, event_time

log = get_logger(__name__)


class RoomProjection(ProjectionContext):
    async def room_status_changed(self, event: RoomStatusChanged) -> None:
        if not self._ours(event):
            return
        applied = await self.repository.apply_room_status(
            event.payload.room_number, event.payload.new_status, event_time(event)
        )
        log.info(
            "room status applied" if applied else "room status older or repeated",
            room_number=event.payload.room_number,
            status=event.payload.new_status,
        )

    async def out_of_order(self, event: Event[Any], *, cancelled: bool) -> None:
        """A period housekeeping scheduled, moved or cancelled: the newest revision of
        its nights is kept (copies may come in any order)."""
        if not self._ours(event):
            return
        payload = event.payload
        await self.repository.record_room_period(
            payload.period_id,
            payload.room_number,
            [night.isoformat() for night in payload.nights],
            payload.revision,
            cancelled=cancelled,
        )
        log.info(
            "out-of-order period applied",
            room_number=payload.room_number,
            nights=len(payload.nights),
            cancelled=cancelled,
        )

    async def item_check_reported(self, event: RoomItemCheckReported) -> None:
        if not self._ours(event):
            return
        report = event.payload
        lines: list[tuple[ChargeCategory, Decimal, str]] = []
        for category, items in (
            (ChargeCategory.DAMAGE, report.damages),
            (ChargeCategory.MISSING_ITEM, report.missing_items),
            (ChargeCategory.MINIBAR, report.minibar),
        ):
            # `amount` is the line's total for its quantity
            lines += [
                (category, item.amount, f"{item.description} x{item.quantity}") for item in items
            ]
        await self.folio.post_item_check(report.check_id, report.stay_id, lines, event)
