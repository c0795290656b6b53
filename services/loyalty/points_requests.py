"""The ledger on request: the guest, their balance and entries, a redemption (with the
balance check that holds under concurrency) and a reversal, each answered with the entry
as the ledger holds it."""

from __future__ import annotations

from typing import Any

from shared.errors import Conflict, NotFound

from . import ledger
from .domain import RedemptionCreate, ReversalCreate
from .guests import Change
from .loyalty_context import LoyaltyContext
from .repository import guest_from_document


class PointsRequests(LoyaltyContext):
    async def guest(self, guest_id: str) -> dict[str, Any]:
        return await self.store.load(guest_id, create=False)

    async def points_of(self, guest_id: str) -> dict[str, Any]:
        guest = guest_from_document(await self.store.load(guest_id, create=False))
        return {
            "guest_id": guest.id,
            "balance": guest.balance,
            "tier": ledger.tier_of(guest.tier).name,
            "entries": guest.entries,
        }

    async def redeem(self, guest_id: str, request: RedemptionCreate) -> dict[str, Any]:
        """Debits the points; one applied to a booking (issue 18) names a reservation the
        guest holds (loyalty's own record of reservation.created), not a cancelled one, and
        reservation honours it from loyalty.points_redeemed."""
        now = self.clock()
        entry_id = f"redeem|{request.request_id}"

        def decide(guest: dict[str, Any]) -> Change | None:
            if entry_id in ledger.entry_ids(guest):
                return None  # a repeat: redeemed once
            booking = None
            if request.reservation_id:
                booking = next(
                    (
                        r
                        for r in guest.get("reservations", [])
                        if r["reservation_id"] == request.reservation_id
                    ),
                    None,
                )
                if booking is None:
                    raise NotFound(
                        f"guest {guest_id!r} has no reservation {request.reservation_id!r}"
                    )
            movement = ledger.redemption(
                guest_id,
                points=request.points,
                kind=request.kind,
                request_id=request.request_id,
                at=now,
                booking=booking,
                night=request.night,
            )
            return self.store.postings(guest, [movement], None)

        seen = await self.store.change(guest_id, decide)
        return await self._entry(seen, entry_id)

    async def reverse(self, guest_id: str, request: ReversalCreate) -> dict[str, Any]:
        now = self.clock()
        year = (await self.business_dates.today()).year
        entry_ids: list[str] = []

        def decide(guest: dict[str, Any]) -> Change | None:
            movement = ledger.reversal(guest, request.entry_id, request.reason, now, year)
            entry_ids[:] = [movement.entry_id]
            return self.store.postings(guest, [movement], None)

        seen = await self.store.change(guest_id, decide)
        return await self._entry(seen, entry_ids[0])

    async def _entry(self, seen: dict[str, Any], entry_id: str) -> dict[str, Any]:
        """The entry as the ledger holds it. `seen` is the profile the write was decided
        on: the entry is on that document, even when a merge racing the write has since
        closed it (its balance, this entry's points included, moved to the survivor by
        the transfer), or on a profile merged into it earlier (a repeated request)."""
        for document_id in (seen["_id"], *seen.get("also_known_as", [])):
            document = await self.store.repository.get(document_id) or {}
            for entry in document.get("entries", []):
                if entry["entry_id"] == entry_id:
                    return entry
        raise Conflict(f"ledger entry {entry_id!r} was not written; try again")
