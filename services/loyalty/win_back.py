"""The win-back offer keeps its promise (issue 12: the mail promised double points that
were never given).

When the daily pass sends a lapsing or lost guest the win-back mail, the offer is
recorded on the guest: book within WIN_BACK_DAYS and the stay earns double points. The
first stay booked in that window (by the booking's date; a walk-in by its arrival) gets a
promotion entry equal to its base points, once: the entry is keyed by the stay and the
offer remembers the stay that used it.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from . import ledger

WIN_BACK_DAYS = 90
WIN_BACK_TEMPLATE = "win-back-offer"


def offer_from(actions: list[dict[str, str]], today: date) -> dict[str, Any] | None:
    """The offer the day's win-back mail makes, if one goes out."""
    for action in actions:
        if action["template"] == WIN_BACK_TEMPLATE:
            return {
                "offer_id": action["action_id"],
                "offered_on": today.isoformat(),
                "valid_until": (today + timedelta(days=WIN_BACK_DAYS)).isoformat(),
                "used_by": None,
            }
    return None


def win_back_bonus(
    guest: dict[str, Any],
    *,
    stay_id: str,
    reservation_id: str,
    arrival: date,
    base_points: int,
    at: datetime,
) -> ledger.Movement | None:
    offer = guest.get("win_back_offer")
    if not offer or offer.get("used_by") not in (None, stay_id) or base_points <= 0:
        return None
    booked_on = (
        next(
            (
                r.get("booked_on")
                for r in guest.get("reservations", [])
                if r["reservation_id"] == reservation_id
            ),
            None,
        )
        or arrival.isoformat()
    )
    if not offer["offered_on"] <= booked_on <= offer["valid_until"]:
        return None
    return ledger.Movement(
        entry_id=f"promotion|win-back|{stay_id}",
        kind=ledger.PROMOTION,
        points=base_points,
        reason="win-back offer: double points",
        at=at,
        details={"stay_id": stay_id, "offer_id": offer["offer_id"]},
    )
