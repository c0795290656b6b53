"""Step 2 of a merge (profiles.py's ProfileService.merge): the rule by which the survivor
absorbs the closed duplicate's history and points. guests.py's complete_merge runs it
through the write path, at every look-up of the duplicate until it is done."""

from __future__ import annotations

from typing import Any

from shared.events import GuestMerged, GuestMergedPayload

from . import ledger
from .domain import merged_feedback, merged_profile, union_by
from .guest_postings import GuestPostings
from .guest_store_context import Change


class GuestMerges(GuestPostings):
    def _absorbed(
        self,
        guest: dict[str, Any],
        duplicate: dict[str, Any],
        aliases: list[str],
        moved: int,
        year: int,
    ) -> Change | None:
        """The survivor's change: the duplicate's history, its tier if better, its
        qualifying counts added, the points it moved out (`moved`) moved in. None once
        the survivor knows the duplicate (`also_known_as`): absorbing is idempotent."""
        if duplicate["_id"] in guest.get("also_known_as", []):
            return None
        qualifying, tier, _ = ledger.roll_over(guest, year)
        theirs, their_tier, _ = ledger.roll_over(duplicate, year)
        best = max(tier, their_tier, key=lambda t: t.rank)
        change = Change(
            sets=merged_sets(guest, duplicate, aliases, qualifying, theirs, best),
            pushes={"vouchers": duplicate.get("vouchers", [])},
        )
        if best.name != ledger.tier_of(guest.get("tier")).name:
            change.events.append(
                self.tier_event(
                    guest,
                    ledger.TierChange(
                        ledger.tier_of(guest.get("tier")).name, best.name, best.perks
                    ),
                    None,
                )
            )
        change.events.append(
            self.event(
                GuestMerged,
                GuestMergedPayload(surviving_guest_id=guest["_id"], merged_guest_ids=aliases),
                guest,
                None,
            )
        )
        if moved > 0:
            return self.postings(
                guest,
                [
                    ledger.Movement(
                        entry_id=f"transfer|from|{duplicate['_id']}",
                        kind=ledger.TRANSFER_IN,
                        points=moved,
                        reason=f"merged from {duplicate['_id']}",
                        at=self.clock(),
                    )
                ],
                None,
                change,
            )
        return change


def merged_sets(
    guest: dict[str, Any],
    duplicate: dict[str, Any],
    aliases: list[str],
    qualifying: dict[str, Any],
    theirs: dict[str, Any],
    best: ledger.Tier,
) -> dict[str, Any]:
    """The survivor's fields with the duplicate's merged in: profile, stays, reservations,
    feedback, aliases, entries posted, member number, qualifying counts and tier."""
    return {
        "profile": merged_profile(guest.get("profile") or {}, duplicate.get("profile") or {}),
        "stays": union_by("stay_id", guest.get("stays", []), duplicate.get("stays", [])),
        "reservations": union_by(
            "reservation_id",
            guest.get("reservations", []),
            duplicate.get("reservations", []),
        ),
        "feedback": merged_feedback(guest.get("feedback") or {}, duplicate.get("feedback") or {}),
        "also_known_as": [*guest.get("also_known_as", []), *aliases],
        # what the duplicate posted counts as posted here (ledger.entry_ids)
        "merged_entry_ids": sorted(
            {*guest.get("merged_entry_ids", []), *ledger.entry_ids(duplicate)}
        ),
        "member_number": guest.get("member_number") or duplicate.get("member_number"),
        "qualifying": {
            "year": qualifying["year"],
            "nights": qualifying["nights"] + theirs["nights"],
            "points": qualifying["points"] + theirs["points"],
        },
        "tier": best.name,
    }
