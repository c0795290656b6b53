"""Amending a reservation: repriced under its own terms, the new nights taken before the
old ones go back, the deposit the amended stay needs charged to its guarantee, points
for a dropped redeemed night given back."""

from __future__ import annotations

from datetime import UTC, date
from decimal import Decimal
from typing import Any

from shared.crashpoints import crash_point
from shared.errors import Conflict
from shared.events import Event, FieldChange, ReservationAmended, ReservationAmendedPayload
from shared.logging import get_logger
from shared.outbox import outbox_entry

from .domain import (
    HoldKey,
    ReservationStatus,
    ReservationUpdate,
    changes_between,
    expected_holds,
    hold_moves,
    reservation_holder,
    total_of,
)
from .inventory_holds import InventoryHolds
from .policies import amendment_fee, cancellation_deadline, deposit_due, price_stay
from .redeemed_nights import dropped_redemptions, withdrawal_events, withdrawal_update
from .reservation_context import (
    AlsoPublish,
    NoAvailability,
    capacity_of,
    guest_name_of,
    outbox_push,
    request_text,
)

log = get_logger(__name__)


AMENDABLE = [
    "room_type",
    "arrival",
    "departure",
    "adults",
    "children",
    "room_count",
    "nightly_rates",
    "total_amount",
    "guest",
    "additional_guests",
    "special_requests",
    "expected_arrival_time",
    "expected_departure_time",
]


class Amendments(InventoryHolds):
    async def amend_reservation(
        self,
        reservation_id: str,
        update: ReservationUpdate,
        *,
        also_publish: AlsoPublish | None = None,
        reason: str | None = None,
    ) -> dict[str, Any]:
        """`reason`: why it changed, kept in the booking's amendment log and sent with
        reservation.amended; the routes and the channel commands always give one."""
        current = await self._confirmed(reservation_id)
        given = update.model_dump(exclude_unset=True, mode="json")
        if (
            current.get("block_id")
            and {"arrival", "departure", "room_type", "room_count"} & given.keys()
        ):
            raise Conflict(
                "a block pick-up changes dates or rooms through the group desk: "
                "cancel it and pick up again"
            )
        new = {**current, **given}
        arrival, departure = (
            date.fromisoformat(new["arrival"]),
            date.fromisoformat(new["departure"]),
        )
        room_type = await self._room_type(new["room_type"])
        self._check_stay(arrival, departure, arrival_changed=new["arrival"] != current["arrival"])
        self._check_occupancy(
            room_type, new["adults"] + new["children"], new["room_count"], adults=new["adults"]
        )
        stay_changed = any(
            new[f] != current[f] for f in ("room_type", "arrival", "departure", "room_count")
        )
        if stay_changed:
            plan = await self.repository.rate_plan(current["rate_plan"])
            assert plan is not None  # the booking was priced by it; plans are never deleted
            rates = price_stay(
                plan,
                room_type,
                arrival,
                departure,
                new["room_count"],
                member=bool(current.get("member_rate")),  # booked at the member rate: kept
            )
            new["nightly_rates"] = {night: str(rate) for night, rate in rates.items()}
            new["total_amount"] = str(total_of(rates))
            new["cancellation_deadline"] = cancellation_deadline(
                {"cancellation": current["terms"]["cancellation"]}, arrival
            ).isoformat()
            # the rate plan's terms follow the booking through its amendments
            fee = amendment_fee(current, new["nightly_rates"], self.clock())
            new["amendment_fees"] = str(Decimal(current.get("amendment_fees", "0")) + fee)
            self._deposit_for(current, new)
        changes = changes_between(current, new, AMENDABLE)
        if not changes:
            return current
        # the desk drops a room it assigned ahead of arrival when it hears of any
        # amendment: the booking holds its (new) booked type again (assignments.py)
        new["assigned_room"] = None
        growths, shrinks = hold_moves(expected_holds(current), expected_holds(new))
        capacities = {
            code: capacity_of(await self._room_type(code))
            for code in {key[0] for key, _, _ in growths + shrinks}
        }
        version = current["version"]
        if growths or shrinks:
            await self._claim_and_grow(current, growths, capacities)
        crash_point("reservation.amend.after_holds_grown")
        touched = [key for key, _, _ in growths + shrinks]
        amended = self._amended_event(new, changes, reason)
        entries = [outbox_entry(amended)]
        # points redeemed for a night the amendment drops come back (redeemed_nights.py)
        kept, dropped = dropped_redemptions(current, new["nightly_rates"])
        withdrawn_set, withdrawn_push = (
            withdrawal_update(kept, dropped, self.clock()) if dropped else ({}, {})
        )
        entries += [
            outbox_entry(e) for e in withdrawal_events(current, dropped, self.event_origin())
        ]
        if also_publish:
            entries += also_publish(new)
        if not shrinks:
            entries += await self.availability_entries(touched)
        saved = await self.repository.update_reservation(
            {"_id": reservation_id, "version": version},
            {
                "$set": {
                    **{f: new[f] for f in AMENDABLE},
                    "cancellation_deadline": new["cancellation_deadline"],
                    "amendment_fees": new.get("amendment_fees", "0"),
                    "deposit_due": new.get("deposit_due", "0"),
                    "deposit_paid": new.get("deposit_paid", "0"),
                    "deposit_collections": new.get("deposit_collections", []),
                    "version": version + 1,
                    "amendment": None,
                    "assigned_room": None,
                    "amended_at": amended.occurred_at.astimezone(UTC).isoformat(),
                    "updated_at": self.clock(),
                    "inventory_settled": not shrinks,
                    "settled_by": self.owner,
                    **withdrawn_set,
                },
                "$push": {
                    **outbox_push(entries),
                    **withdrawn_push,
                    "amendments": {
                        "at": self.clock(),
                        "reason": reason,
                        "fields": [c["field"] for c in changes],
                    },
                },
            },
        )
        if saved is None:
            raise Conflict("the reservation changed meanwhile; load it and try again")
        crash_point("reservation.amend.after_saved")
        if shrinks:  # then give back the old nights
            saved = await self._settle_inventory(saved)
        self.events_written()
        log.info(
            "reservation amended",
            reservation_id=reservation_id,
            fields=[c["field"] for c in changes],
        )
        return saved

    def _deposit_for(self, current: dict[str, Any], new: dict[str, Any]) -> None:
        """The deposit (or prepayment) the amended stay needs under the terms the guest
        booked on; what it needs beyond what was paid is charged to the booking's
        guarantee, as the first deposit was, and travels with the booking to the folio.
        A smaller need gives nothing back here: the folio credits what was paid."""
        due = deposit_due(current["terms"], new["nightly_rates"])
        paid = Decimal(current.get("deposit_paid", "0"))
        new["deposit_due"] = str(due)
        if due <= paid:
            return
        if not (current.get("payment") or {}).get("token_encrypted"):
            raise Conflict(
                f"the amended stay needs a deposit of {due} under the booking's terms and "
                "the booking has no payment guarantee to charge it to",
                deposit_due=str(due),
            )
        new["deposit_paid"] = str(due)
        new["deposit_collections"] = [
            *current.get("deposit_collections", []),
            {"amount": str(due - paid), "reason": "amendment", "at": self.clock().isoformat()},
        ]

    async def _claim_and_grow(
        self,
        current: dict[str, Any],
        growths: list[tuple[HoldKey, int, int]],
        capacities: dict[str, int],
    ) -> None:
        """Claims the reservation for an amendment (so a crash is found and undone by the
        janitor), then takes the nights it gains, all or none."""
        reservation_id, version = current["_id"], current["version"]
        claimed = await self.repository.update_reservation(
            {
                "_id": reservation_id,
                "version": version,
                "status": ReservationStatus.CONFIRMED,
                "amendment": None,
            },
            {"$set": {"amendment": {"started_at": self.clock(), "owner": self.owner}}},
        )
        if claimed is None:
            raise Conflict("the reservation changed meanwhile; load it and try again")
        holder = reservation_holder(reservation_id)
        grown: list[tuple[HoldKey, int, int]] = []
        try:
            for key, before, after in growths:
                if not await self.inventory.resize(key, holder, before, after, capacities[key[0]]):
                    raise NoAvailability(
                        f"no {key[0]} left on {key[1]}", night=key[1], room_type=key[0]
                    )
                grown.append((key, before, after))
        except BaseException:
            for key, before, after in grown:
                await self.inventory.resize(key, holder, after, before, capacities[key[0]])
            await self.repository.update_reservation(
                {"_id": reservation_id, "version": version}, {"$set": {"amendment": None}}
            )
            raise

    def _amended_event(
        self, new: dict[str, Any], changes: list[dict[str, Any]], reason: str | None = None
    ) -> Event[Any]:
        public_changes = [c for c in changes if c["field"] not in ("guest", "additional_guests")]
        if len(public_changes) < len(changes):  # names are contact data: say only that they changed
            public_changes.append({"field": "guests", "old": None, "new": None})
        return ReservationAmended.new(
            ReservationAmendedPayload(
                reservation_id=new["_id"],
                guest_id=new["guest_id"],
                changes=[FieldChange(**change) for change in public_changes],
                room_type=new["room_type"],
                arrival=new["arrival"],
                departure=new["departure"],
                adults=new["adults"],
                children=new["children"],
                nightly_rates=new["nightly_rates"],
                total_amount=new["total_amount"],
                currency=new["currency"],
                # issue 12: the whole record as it now stands, for the desk's arrivals list
                guest_name=guest_name_of(new),
                room_count=new["room_count"],
                special_requests=[request_text(r) for r in new["special_requests"]],
                rate_plan=new["rate_plan"],
                deposit_paid=Decimal(new.get("deposit_paid", "0")),
                non_refundable=bool(new["terms"]["non_refundable"]),
                amendment_fees=Decimal(new.get("amendment_fees", "0")),
                expected_arrival_time=new.get("expected_arrival_time"),
                expected_departure_time=new.get("expected_departure_time"),
                reason=reason,
            ),
            **self.event_origin(),
        )
