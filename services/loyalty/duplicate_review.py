"""The review list of possible duplicates (issue 15): listed, and a manager's decision
to merge the two profiles or keep them apart."""

from __future__ import annotations

from typing import Any

from shared.errors import Conflict, NotFound
from shared.logging import mask_text

from .profile_merges import ProfileMerges


class DuplicateReview(ProfileMerges):
    async def duplicates(self, status: str, limit: int) -> list[dict[str, Any]]:
        return await self.repository.duplicates_with(status, limit)

    async def decide_duplicate(
        self, entry_id: str, *, merge: bool, decided_by: str, reason: str
    ) -> dict[str, Any]:
        """A manager's decision on a possible duplicate: merge the two profiles (the
        older survives) or keep them apart. The merge runs before the entry is closed,
        so a crash in between leaves the entry open and the merge (idempotent) is done
        again by the next decision."""
        entry = await self.repository.duplicate(entry_id)
        if entry is None:
            raise NotFound(f"no possible duplicate {entry_id!r}")
        if entry["status"] != "open":
            raise Conflict(f"possible duplicate {entry_id!r} was decided already")
        survivor = None
        if merge:
            survivor = await self.merge(entry["guest_id"], entry["existing_guest_id"])
        decided = await self.repository.decide_duplicate(
            entry_id,
            {
                "status": "merged" if merge else "distinct",
                "decided_by": decided_by,
                "decided_at": self.clock(),
                "reason": mask_text(reason)[:200],
                "surviving_guest_id": survivor["_id"] if survivor else None,
            },
        )
        if decided is None:
            raise Conflict(f"possible duplicate {entry_id!r} was decided already")
        return decided
