"""Rules that move a booking (issue 17): each takes the Reservation as read and answers
it as the step leaves it, or refuses with a domain error. No I/O: the store writes what
changed (reservation_documents.reservation_changes) under the guard the step has always
had, with the step's events."""

from __future__ import annotations

from datetime import datetime
from decimal import Decimal
from typing import Literal

from shared.errors import Conflict

from .domain import ReservationStatus
from .reservation_aggregate import Reservation, StoredRecord

# Where a closing records its fee and refund: a cancellation, a no-show, a walk.
ClosingRecord = Literal["cancellation", "no_show", "walk"]


def closed(
    reservation: Reservation,
    status: ReservationStatus,
    field: ClosingRecord,
    record: StoredRecord,
    now: datetime,
    owner: str | None,
) -> Reservation:
    """Cancelled, a no-show or walked: the fee and refund recorded under `field` with the
    instant, a new version, and its nights to give back (`inventory_settled` false, by
    this process). A refund to pay is asked for in the same write (`refund_due`, paid by
    refunds.py), so no crash loses it."""
    return reservation.model_copy(
        update={
            "status": status,
            field: {**record, "at": now.isoformat()},
            "version": reservation.version + 1,
            "inventory_settled": False,
            "settled_by": owner,
            "updated_at": now,
            **({"refund_due": True} if Decimal(record["refund"]) > 0 else {}),
        }
    )


def reconfirmed(reservation: Reservation, now: datetime) -> Reservation:
    """A tentative booking made firm (tentative.py); only a confirmed tentative booking
    is (one already reconfirmed is the caller's to answer as it stands)."""
    if not reservation.tentative:
        raise Conflict(f"reservation {reservation.id!r} is not tentative")
    if reservation.status != ReservationStatus.CONFIRMED:
        raise Conflict(f"reservation {reservation.id!r} is {reservation.status}")
    return reservation.model_copy(
        update={"tentative": False, "reconfirmed_at": now, "updated_at": now}
    )


def assigned(reservation: Reservation, stay_id: str, room_type: str, now: datetime) -> Reservation:
    """A room of `room_type` assigned ahead of arrival to the stay-to-be (assignments.py):
    a new version, held in that type from now on, so its nights are to be settled again."""
    return reservation.model_copy(
        update={
            "assigned_room": {"stay_id": stay_id, "room_type": room_type},
            "version": reservation.version + 1,
            "inventory_settled": False,
            "updated_at": now,
        }
    )


def amendment_started(reservation: Reservation, now: datetime, owner: str | None) -> Reservation:
    """Claimed for an amendment under way (amendment_holds.py): the instant and this
    process, so that one a crash left unsaved is found and undone by the janitor."""
    return reservation.model_copy(update={"amendment": {"started_at": now, "owner": owner}})


def amendment_dropped(reservation: Reservation) -> Reservation:
    """The amendment given up before it was saved (a night it needs is not to be had):
    the claim lifted."""
    return reservation.model_copy(update={"amendment": None})
