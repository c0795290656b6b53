"""Points posted onto a change: each movement through the ledger in order (one already
posted is skipped), with the events it carries (points accrued, redeemed, reversed,
expired, and the tier it changes)."""

from __future__ import annotations

import copy
from typing import Any

from shared.events import Event, PointsAccrued, PointsAccruedPayload, PointsMovementPayload

from . import ledger
from .guest_store_context import POINT_EVENTS, Change, GuestStoreContext


class GuestPostings(GuestStoreContext):
    def postings(
        self,
        guest: dict[str, Any],
        movements: list[ledger.Movement],
        cause: Event[Any] | None,
        change: Change | None = None,
    ) -> Change | None:
        """Posts movements in order onto one change; None when all were posted before."""
        change = change or Change()
        account = copy.deepcopy(guest)
        posted = False
        for movement in movements:
            posting = ledger.post(account, movement)
            if posting is None:
                continue
            posted = True
            account.update(posting.sets)
            account["entries"] = [*account.get("entries", []), posting.entry]
            change.sets.update(posting.sets)
            change.pushes.setdefault("entries", []).append(posting.entry)
            change.events.extend(self._movement_events(guest, posting, cause))
        return change if posted else None

    def _movement_events(
        self, guest: dict[str, Any], posting: ledger.Posting, cause: Event[Any] | None
    ) -> list[Event[Any]]:
        entry, events = posting.entry, []
        kind = POINT_EVENTS.get(entry["kind"])
        if kind is PointsAccrued:
            events.append(
                self.event(
                    PointsAccrued,
                    PointsAccruedPayload(
                        entry_id=entry["entry_id"],
                        guest_id=guest["_id"],
                        points=entry["points"],
                        reason=entry["reason"],
                        stay_id=entry.get("stay_id"),
                    ),
                    guest,
                    cause,
                )
            )
        elif kind is not None:
            events.append(
                self.event(
                    kind,
                    PointsMovementPayload(
                        entry_id=entry["entry_id"],
                        guest_id=guest["_id"],
                        points=entry["points"],
                        reason=entry["reason"],
                        balance_after=entry["balance_after"],
                        # issue 18: what reservation needs to honour a redemption
                        reservation_id=entry.get("reservation_id"),
                        redeemed_for=entry.get("redeemed_for"),
                        night=entry.get("night"),
                        voucher_value=entry.get("voucher_value"),
                        reverses=entry.get("reverses"),
                    ),
                    guest,
                    cause,
                )
            )
        if posting.tier_change:
            events.append(self.tier_event(guest, posting.tier_change, cause))
        return events
