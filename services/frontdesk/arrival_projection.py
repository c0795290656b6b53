"""The arrivals list from reservation's events: created, amended, cancelled, no-show and
reconfirmed, the newest event winning by occurred_at; a pre-assigned room is given back
when the booking changes, and an amendment for a guest already in house is told to the
desk (amended_in_house.py)."""

from __future__ import annotations

from datetime import UTC
from typing import Any

from shared.events import (
    Event,
    ReservationAmended,
    ReservationCancelled,
    ReservationCreated,
    ReservationNoShow,
    ReservationReconfirmed,
)
from shared.logging import get_logger

from .amended_in_house import amended_in_house
from .projection_context import ProjectionContext, event_time

log = get_logger(__name__)


class ArrivalNotYetKnown(RuntimeError):
    """A change for a booking whose creation has not arrived yet: retried later."""


def _amended_record(payload: Any) -> dict[str, Any]:
    """The rest of the record an amendment carries (issue 12), where the event has it."""
    record: dict[str, Any] = {"amendment_fees": str(payload.amendment_fees)}
    if payload.guest_name is not None:
        record["guest_name"] = payload.guest_name
    if payload.special_requests is not None:
        record["special_requests"] = list(payload.special_requests) + (
            ["family"] if payload.children else []
        )
    if payload.room_count is not None:
        record["room_count"] = payload.room_count
    if payload.deposit_paid is not None:
        record["deposit_paid"] = str(payload.deposit_paid)
    if payload.non_refundable is not None:
        record["non_refundable"] = payload.non_refundable
    return record


def _expected_times(payload: Any) -> dict[str, str | None]:
    return {
        name: value.isoformat() if (value := getattr(payload, name)) else None
        for name in ("expected_arrival_time", "expected_departure_time")
    }


class ArrivalProjection(ProjectionContext):
    async def reservation_created(self, event: ReservationCreated) -> None:
        payload = event.payload
        created = await self.repository.record_arrival(
            {
                "_id": payload.reservation_id,
                "property_id": event.property_id,
                "confirmation_number": payload.confirmation_number,
                "guest_id": payload.guest_id,
                "guest_name": payload.guest_name,
                "room_type": payload.room_type,
                "arrival": payload.arrival.isoformat(),
                "departure": payload.departure.isoformat(),
                "adults": payload.adults,
                "children": payload.children,
                "room_count": payload.room_count,
                "special_requests": list(payload.special_requests)
                + (["family"] if payload.children else []),
                "nightly_rates": {
                    night: str(rate) for night, rate in payload.nightly_rates.items()
                },
                "currency": payload.currency,
                # paid at booking: it reaches the folio at check-in (issue 12)
                "deposit_paid": str(payload.deposit_paid),
                "non_refundable": payload.non_refundable,
                # issue 18: when the guest expects to arrive and leave, for the desk's day
                **_expected_times(payload),
                "tentative": payload.tentative,
                "status": "expected",
                "assignment": None,
                "event_at": event_time(event),
                "source_event_id": str(event.event_id),
            }
        )
        log.info(
            "arrival recorded" if created else "arrival already known",
            reservation_id=payload.reservation_id,
        )

    async def reservation_amended(self, event: ReservationAmended) -> None:
        payload = event.payload
        before = await self._change_arrival(
            event,
            payload.reservation_id,
            {
                "room_type": payload.room_type,
                "arrival": payload.arrival.isoformat(),
                "departure": payload.departure.isoformat(),
                "adults": payload.adults,
                "children": payload.children,
                "currency": payload.currency,
                "nightly_rates": {
                    night: str(rate) for night, rate in payload.nightly_rates.items()
                },
                "assignment": None,
                **_amended_record(payload),
                **_expected_times(payload),
            },
        )
        if before is None:  # not applied: checked in meanwhile? the desk is told
            await amended_in_house(self.repository, event, event_time(event))
        await self._give_back_room(before)

    async def reservation_cancelled(self, event: ReservationCancelled) -> None:
        before = await self._change_arrival(
            event, event.payload.reservation_id, {"status": "cancelled", "assignment": None}
        )
        await self._give_back_room(before)

    async def reservation_no_show(self, event: ReservationNoShow) -> None:
        before = await self._change_arrival(
            event, event.payload.reservation_id, {"status": "no_show", "assignment": None}
        )
        await self._give_back_room(before)

    async def reservation_reconfirmed(self, event: ReservationReconfirmed) -> None:
        """A tentative booking made firm. Not ordered by `event_at` like the other
        changes: reconfirming only ever goes one way, so an amendment applied before this
        older event must not leave the arrival tentative."""
        payload = event.payload
        found = await self.repository.arrivals.update_one(
            {"_id": payload.reservation_id, "property_id": event.property_id},
            {
                "$set": {
                    "tentative": False,
                    "reconfirmed_at": payload.reconfirmed_at.astimezone(UTC).isoformat(),
                }
            },
        )
        if found.matched_count == 0:
            raise ArrivalNotYetKnown(f"reservation {payload.reservation_id} is not on the list yet")
        log.info("arrival reconfirmed", reservation_id=payload.reservation_id)

    async def _change_arrival(
        self, event: Event[Any], reservation_id: str, changes: dict[str, Any]
    ) -> dict[str, Any] | None:
        before = await self.repository.update_arrival(reservation_id, event_time(event), changes)
        if before is None and await self.repository.arrival(reservation_id) is None:
            raise ArrivalNotYetKnown(f"reservation {reservation_id} is not on the list yet")
        if before is not None:
            log.info("arrival changed", reservation_id=reservation_id, type=event.type)
        return before

    async def _give_back_room(self, before: dict[str, Any] | None) -> None:
        if before and before.get("assignment"):
            await self.repository.release_room_nights(before["assignment"]["stay_id"])
