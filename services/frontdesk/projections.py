"""What the desk learns from other departments' events, applied idempotently.

- reservations: the arrivals list (created, amended, cancelled, no-show), newest event
  wins by occurred_at; a pre-assigned room is given back when the booking changes;
- room status: which rooms are ready, newest event wins;
- guest profiles: recognition (name, tier, VIP, preferences), merges and erasure;
- guest relations: an in-house case becomes an alert on the stay, cleared when resolved,
  raised again when the guest, not satisfied, has it reopened; each guest's latest
  questionnaire results, for recognition (guest_feedback.py);
- housekeeping's room check: charges on the folio (through the service, once per check).
"""

from __future__ import annotations

from datetime import UTC
from decimal import Decimal
from typing import Any

from shared.erasure import scrub_free_text
from shared.events import (
    CaseOpened,
    CaseReopened,
    CaseResolved,
    Event,
    GuestAnonymized,
    GuestMerged,
    ReservationAmended,
    ReservationCancelled,
    ReservationCreated,
    ReservationNoShow,
    ReservationReconfirmed,
    RoomItemCheckReported,
    RoomStatusChanged,
    SurveyResultsShared,
)
from shared.logging import get_logger

from . import guest_feedback
from .amended_in_house import amended_in_house
from .folio import ChargeCategory
from .folio_service import FolioService
from .repository import FrontDeskRepository

log = get_logger(__name__)
ERASED = "[erased]"
# What erasure and retention overwrite on a stay; the invoice (settlement) stays.
ERASED_STAY_FIELDS: dict[str, Any] = {
    "guest_name": ERASED,
    "registration": None,
    "recognition": None,
    "companions": [],  # issue 18: companions' registrations go with the guest's
}
# A stay's free text, erased with the guest (issue 15): what they asked for, complained
# about and were told. The lines stay (kind, times, owner, status), the words go.
STAY_FREE_TEXT = {
    "special_requests": (),
    "requests": ("details",),
    "complaints": ("description",),
    "guest_notices": ("message",),
}


class ArrivalNotYetKnown(RuntimeError):
    """A change for a booking whose creation has not arrived yet: retried later."""


def event_time(event: Event[Any]) -> str:
    return event.occurred_at.astimezone(UTC).isoformat()


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


class Projections:
    def __init__(self, repository: FrontDeskRepository, folio: FolioService) -> None:
        self.repository = repository
        self.folio = folio

    def _ours(self, event: Event[Any]) -> bool:
        return event.property_id == self.repository.property_id

    # --- reservations ------------------------------------------------------------------

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

    # --- rooms -------------------------------------------------------------------------

    async def room_status_changed(self, event: RoomStatusChanged) -> None:
        if not self._ours(event):
            return
        applied = await self.repository.apply_room_status(
            event.payload.room_number, event.payload.new_status, event_time(event)
        )
        log.info(
            "room status applied" if applied else "room status older or repeated",
            room_number=event.payload.room_number,
            status=event.payload.new_status,
        )

    async def out_of_order(self, event: Event[Any], *, cancelled: bool) -> None:
        """A period housekeeping scheduled, moved or cancelled: the newest revision of
        its nights is kept (copies may come in any order)."""
        if not self._ours(event):
            return
        payload = event.payload
        await self.repository.record_room_period(
            payload.period_id,
            payload.room_number,
            [night.isoformat() for night in payload.nights],
            payload.revision,
            cancelled=cancelled,
        )
        log.info(
            "out-of-order period applied",
            room_number=payload.room_number,
            nights=len(payload.nights),
            cancelled=cancelled,
        )

    async def item_check_reported(self, event: RoomItemCheckReported) -> None:
        if not self._ours(event):
            return
        report = event.payload
        lines: list[tuple[ChargeCategory, Decimal, str]] = []
        for category, items in (
            (ChargeCategory.DAMAGE, report.damages),
            (ChargeCategory.MISSING_ITEM, report.missing_items),
            (ChargeCategory.MINIBAR, report.minibar),
        ):
            # `amount` is the line's total for its quantity
            lines += [
                (category, item.amount, f"{item.description} x{item.quantity}") for item in items
            ]
        await self.folio.post_item_check(report.check_id, report.stay_id, lines, event)

    # --- guest profiles ------------------------------------------------------------------

    async def guest_profile(self, event: Event[Any]) -> None:
        profile = event.payload
        await self.repository.upsert_guest(
            {
                "_id": profile.guest_id,
                "first_name": profile.first_name,
                "last_name": profile.last_name,
                "member_number": profile.member_number,
                "tier": profile.tier,
                "vip": profile.vip,
                "perks": list(profile.perks),  # issue 18: fast lane, late check-out
                "preferences": dict(profile.preferences),
                "version": profile.version,
            }
        )

    async def guest_merged(self, event: GuestMerged) -> None:
        surviving, merged = event.payload.surviving_guest_id, list(event.payload.merged_guest_ids)
        await self.repository.mark_merged(merged, surviving)
        for collection in ("arrivals", "stays"):
            await self.repository.scrub(
                collection, {"guest_id": {"$in": merged}}, {"$set": {"guest_id": surviving}}
            )
        await guest_feedback.follow_merge(self.repository.guest_feedback, merged, surviving)

    async def guest_anonymized(self, event: GuestAnonymized) -> None:
        """Erasure: names, contact and documents go; the closed folio keeps what the
        invoice must (its number, amounts and the name it was billed to)."""
        guest_ids = [event.payload.guest_id, *event.payload.also_known_as]
        await self.repository.forget_guest(guest_ids)
        await guest_feedback.forget(self.repository.guest_feedback, guest_ids)
        await self.repository.scrub(
            "arrivals",
            {"guest_id": {"$in": guest_ids}},
            {"$set": {"guest_name": ERASED, "special_requests": []}},
        )
        erased = await self.repository.scrub(
            "stays",
            {"guest_id": {"$in": guest_ids}},
            {"$set": {**ERASED_STAY_FIELDS, "erased_at": event.payload.requested_at}},
        )
        await self.repository.scrub(  # issue 18: the ID scan, like the ID number
            "id_scans", {"guest_id": {"$in": guest_ids}}, {"$set": {"image_encrypted": None}}
        )
        await scrub_free_text(
            self.repository.stays, {"guest_id": {"$in": guest_ids}}, STAY_FREE_TEXT
        )
        log.info("guest erased", guest_id=event.payload.guest_id, stays=erased)

    # --- guest relations -------------------------------------------------------------------

    async def case_opened(self, event: CaseOpened) -> None:
        case = event.payload
        if not case.in_house or not self._ours(event):
            return
        stays = await self.repository.stays_where(
            {"_id": case.stay_id}
            if case.stay_id
            else {"guest_id": case.guest_id, "status": "in_house"}
        )
        for stay in stays:
            await self._raise_alert(stay["_id"], event, source=case.source)

    async def case_reopened(self, event: CaseReopened) -> None:
        """The guest was not satisfied with the result: the alert is back on the stay
        the guest is in now (whichever stay the case came from), for the desk to act
        again. A guest who has left is not alerted on: there is no stay to put it on."""
        if not self._ours(event):
            return
        case = event.payload
        for stay in await self.repository.stays_where(
            {"guest_id": case.guest_id, "status": "in_house"}
        ):
            await self._raise_alert(stay["_id"], event, reopen_count=case.reopen_count)

    async def _raise_alert(
        self, stay_id: str, event: CaseOpened | CaseReopened, **details: Any
    ) -> None:
        """Once per case on a stay, and never by an event older than the case's latest
        resolution there (a late or redelivered opening does not raise a closed case)."""
        case, raised_at = event.payload, event_time(event)
        raised = await self.repository.update_stay(
            stay_id,
            {
                "alerts.case_id": {"$ne": case.case_id},
                "resolved_alerts": {
                    "$not": {
                        "$elemMatch": {"case_id": case.case_id, "resolved_at": {"$gte": raised_at}}
                    }
                },
            },
            {
                "$push": {
                    "alerts": {
                        "case_id": case.case_id,
                        "category": case.category,
                        "severity": case.severity,
                        "owner": case.owner,
                        "due_at": case.due_at.isoformat(),
                        "raised_at": raised_at,
                        **details,
                    }
                }
            },
        )
        if raised:
            log.info("guest relations alert on stay", stay_id=stay_id, case_id=case.case_id)

    async def case_resolved(self, event: CaseResolved) -> None:
        """The case is closed: its alert leaves the stay (kept in `resolved_alerts`, so the
        desk can still see what happened), whether the stay is in house or not. Only an
        alert raised before this resolution: a redelivered resolution leaves the alert of
        a later reopening alone."""
        case = event.payload
        if not self._ours(event):
            return
        resolved_at = event_time(event)
        raised_before = {
            "alerts": {
                "$elemMatch": {"case_id": case.case_id, "raised_at": {"$not": {"$gt": resolved_at}}}
            }
        }
        for stay in await self.repository.stays_where({"alerts.case_id": case.case_id}):
            alert = next(a for a in stay["alerts"] if a["case_id"] == case.case_id)
            cleared = await self.repository.update_stay(
                stay["_id"],
                raised_before,
                {
                    "$pull": {"alerts": {"case_id": case.case_id}},
                    "$push": {
                        "resolved_alerts": {
                            **alert,
                            "resolution": case.resolution,
                            "resolved_at": resolved_at,
                        }
                    },
                },
            )
            if cleared:  # else raised again by a later reopening: not this resolution's
                log.info("guest relations alert cleared", stay_id=stay["_id"], case_id=case.case_id)

    async def survey_results_shared(self, event: SurveyResultsShared) -> None:
        """The guest's latest questionnaire, for recognition at their next check-in."""
        if self._ours(event):
            await guest_feedback.record_results(self.repository.guest_feedback, event)
