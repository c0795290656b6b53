"""Redeemed nights an amendment drops (issue 12; issue 18 redemptions).

Points redeemed for a night pay for that night only (reservation valued them at its rate).
When an amendment takes the night out of the stay the guest no longer buys it, so the
redemption is withdrawn, in the amendment's own write: off `redemptions` and the
`points_allowance`, kept in `withdrawn_redemptions`, and `reservation.redemption_withdrawn`
tells loyalty (the points come back, once: its return is keyed by the redemption) and the
desk (the allowance leaves the arrival, so no folio credits it).

Why the points come back rather than the allowance moving to a night that remains: the
guest chose the night to redeem, a remaining night may be worth another rate (and may be
redeemed already), and a cancelled booking gives its points back the same way (seed 000
二(三): points are the member's to spend; the hotel does not spend them for them). The guest
can redeem again for a night of the amended stay.

A voucher pays for no particular night and stays (a voucher worth more than an amended
stay's price is left as it is: noted in the README).
"""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Any

from shared.events import RedemptionWithdrawn, RedemptionWithdrawnPayload


def dropped_redemptions(
    current: dict[str, Any], new_rates: dict[str, Any]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]]]:
    """(kept, dropped): the redemptions for a night no longer in `new_rates` are dropped."""
    kept: list[dict[str, Any]] = []
    dropped: list[dict[str, Any]] = []
    for redemption in current.get("redemptions", []):
        night = redemption.get("night")
        gone = redemption.get("redeemed_for") == "night" and night not in new_rates
        (dropped if gone else kept).append(redemption)
    return kept, dropped


def withdrawal_events(
    reservation: dict[str, Any],
    dropped: list[dict[str, Any]],
    origin: dict[str, Any],
) -> list[RedemptionWithdrawn]:
    return [
        RedemptionWithdrawn.new(
            RedemptionWithdrawnPayload(
                reservation_id=reservation["_id"],
                guest_id=reservation["guest_id"],
                redemption_id=redemption["redemption_id"],
                redeemed_for=redemption["redeemed_for"],
                night=redemption.get("night"),
                points=redemption["points"],
                value=Decimal(redemption["value"]),
                reason=f"the night of {redemption.get('night')} is no longer in the stay",
            ),
            **origin,
        )
        for redemption in dropped
    ]


def withdrawal_update(
    kept: list[dict[str, Any]], dropped: list[dict[str, Any]], at: datetime
) -> tuple[dict[str, Any], dict[str, Any]]:
    """The amendment's `$set` and `$push` parts that withdraw `dropped`."""
    allowance = sum((Decimal(r["value"]) for r in kept), Decimal("0.00"))
    return (
        {"redemptions": kept, "points_allowance": str(allowance)},
        {"withdrawn_redemptions": {"$each": [{**r, "withdrawn_at": at} for r in dropped]}},
    )
