"""What every profile use case stands on: the one write path (guests.py's GuestStore)
with its repository and clock, the secret the match keys are made with, and a guest
loaded by id (following merges). The use cases (profile_merges.py, profile_matching.py,
contact_capture.py, profile_edits.py, duplicate_review.py, data_protection.py) build on
it; profiles.py puts them together."""

from __future__ import annotations

from typing import Any

from .guests import GuestStore


class ProfileContext:
    def __init__(self, store: GuestStore, *, match_secret: str) -> None:
        self.store = store
        self.repository = store.repository
        self.clock = store.clock
        self.match_secret = match_secret

    async def guest(self, guest_id: str) -> dict[str, Any]:
        return await self.store.load(guest_id, create=False)
