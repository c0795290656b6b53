"""Merging two profiles of one person: the older survives, the duplicate closed and its
balance moved out first, then the survivor absorbs it (guests.py), safe to interrupt
between the two writes."""

from __future__ import annotations

from typing import Any

from shared.crashpoints import crash_point

from . import ledger
from .guests import WRITE_ATTEMPTS, Change
from .profile_context import ProfileContext
from .repository import VersionConflict


class ProfileMerges(ProfileContext):
    async def merge(self, guest_id: str, other_id: str) -> dict[str, Any]:
        """Merges two profiles of one person. The older profile survives (then the
        smaller id): a fixed order, so two merges of the same pair racing each other
        agree on the direction and never make a cycle. Two documents, so two writes, made
        safe to interrupt: (1) the duplicate is closed, `merged_into` set and its balance
        moved out by a `transfer|to|<survivor>` entry; (2) the survivor takes the history
        and the points by a `transfer|from|<duplicate>` entry. Every later look-up of the
        duplicate passes through step 2 again, which is idempotent, so a crash between
        the two writes is finished by the next reader. Entries are never rewritten."""
        first = await self.store.load(guest_id, create=False)
        second = await self.store.load(other_id, create=False)
        if first["_id"] == second["_id"]:
            return first
        survivor, duplicate = sorted((first, second), key=lambda g: (g["created_at"], g["_id"]))
        target = survivor["_id"]
        now = self.clock()

        def close(guest: dict[str, Any]) -> Change:
            change = Change(sets={"merged_into": target, "merged_at": now}, publish_profile=False)
            if guest.get("balance", 0) > 0:
                return (
                    self.store.postings(
                        guest,
                        [
                            ledger.Movement(
                                entry_id=f"transfer|to|{target}",
                                kind=ledger.TRANSFER_OUT,
                                points=-guest["balance"],
                                reason=f"merged into {target}",
                                at=now,
                            )
                        ],
                        None,
                        change,
                    )
                    or change
                )  # nothing to post: closed all the same
            return change

        for _ in range(WRITE_ATTEMPTS):
            current = await self.repository.get(duplicate["_id"])
            if current is None or current.get("merged_into"):
                break
            change = close(current)
            try:
                await self.repository.save(current, sets=change.sets, pushes=change.pushes)
                break
            except VersionConflict:
                continue
        crash_point("loyalty.merge.after_duplicate_closed")
        await self.store.load(duplicate["_id"], create=False)  # completes step 2
        return await self.guest(target)
