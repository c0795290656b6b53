"""Data protection: everything loyalty holds about a guest exported, and a guest erased
on request, in their profile and every profile merged into it."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.events import GuestAnonymized, GuestAnonymizedPayload
from shared.logging import get_logger

from .domain import PERSONAL_FIELDS
from .guests import WRITE_ATTEMPTS, Change
from .profile_context import ProfileContext
from .repository import VersionConflict

log = get_logger(__name__)


class DataProtection(ProfileContext):
    async def export(self, guest_id: str) -> dict[str, Any]:
        """Everything loyalty holds about the guest, merged profiles included."""
        guest = await self.guest(guest_id)
        merged = [await self.repository.get(alias) for alias in guest.get("also_known_as", [])]
        hidden = {"applied_events", "outbox", "outbox_lease_until", "outbox_lease_owner"}

        def strip(doc: dict[str, Any]) -> dict[str, Any]:
            return {k: v for k, v in doc.items() if k not in hidden}

        return {
            "guest": strip(guest),
            "merged_profiles": [strip(m) for m in merged if m],
            "messages": await self.repository.messages_of(guest["_id"]),
            "exported_at": self.clock(),
        }

    async def erase(self, guest_id: str, reason: str) -> dict[str, Any]:
        """Erasure on request: the profile's personal fields go, in this guest's document
        and every document merged into it; the ledger amounts, the stays (dates, rooms,
        amounts) and the feedback counts stay, keyed by the guest id. One event tells
        every other service to do the same."""
        guest = await self.guest(guest_id)
        now = self.clock()
        aliases = list(guest.get("also_known_as", []))
        for alias in aliases:
            for _ in range(WRITE_ATTEMPTS):
                merged = await self.repository.get(alias)
                if merged is None:
                    break  # nothing kept under that id
                try:
                    await self.repository.save(
                        merged, sets=_erased_profile(merged, now), unsets=("member_number",)
                    )
                    break
                except VersionConflict:
                    continue

        def decide(current: dict[str, Any]) -> Change:
            return Change(
                sets=_erased_profile(current, now),
                unsets=("member_number",),
                publish_profile=False,
                events=[
                    self.store.event(
                        GuestAnonymized,
                        GuestAnonymizedPayload(
                            guest_id=current["_id"], also_known_as=aliases, requested_at=now
                        ),
                        current,
                        None,
                    )
                ],
            )

        await self.store.change(guest["_id"], decide)
        await self.repository.drop_match_keys([guest["_id"], *aliases])
        await self.repository.cancel_messages([guest["_id"], *aliases])
        await self.repository.drop_duplicates_of([guest["_id"], *aliases])
        log.info("guest anonymised", guest_id=guest["_id"], reason=reason)
        return {"guest_id": guest["_id"], "also_known_as": aliases, "anonymized_at": now}


def _erased_profile(guest: dict[str, Any], now: datetime) -> dict[str, Any]:
    """The personal fields go; so do the words of the guest's requests in loyalty's copy
    of their reservations (issue 15): "celebration" stays a kind, a detail is erased."""
    profile = guest.get("profile") or {}
    kept = {k: v for k, v in profile.items() if k not in PERSONAL_FIELDS and k != "contact_at"}
    return {
        "profile": {**kept, "consents": {}},
        "anonymized_at": now,
        "reservations": [
            {**r, "special_requests": [_kind_only(x) for x in r.get("special_requests", [])]}
            for r in guest.get("reservations", [])
        ],
    }


def _kind_only(request: str) -> str:
    """'bed: king size, allergic to feathers' -> 'bed' (the kind, as reservation sends it)."""
    return request.partition(":")[0].strip()
