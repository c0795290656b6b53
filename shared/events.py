"""Event contracts: an envelope, then the payload.

Versioning: adding an optional field keeps the version; anything else is a new
`schema_version` under the same routing key. Consumers ignore unknown fields, so
`extra="ignore"` everywhere here. Events name guests by id; contact details travel
only in guest-profile events (`guest.contact_captured`), and ID numbers, scans and
payment tokens never travel at all.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, time
from decimal import Decimal
from typing import Any, ClassVar, Generic, Literal, Self, TypeVar

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from shared.broker_identity import bounded_short_string

Money = Decimal
Severity = Literal["low", "medium", "high", "critical"]
CaseSource = Literal["desk", "phone", "online", "survey"]
MaintenancePriority = Literal["low", "normal", "high", "urgent"]


class Contract(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


P = TypeVar("P", bound=Contract)


class Event(Contract, Generic[P]):
    """The envelope. `event_id` is also the AMQP message_id; `type` is the routing key.

    An event class declares its type once, `event_type = "stay.checked_in"`: the class
    registers itself (`ALL_EVENTS`, `EVENTS_BY_TYPE`), its `type` field becomes that
    constant, and the producer rights (shared/producers.py), the broker's bindings
    (shared/topology.py, checked against it), the subscribers' filters
    (shared/consumer.py, `Subscription.handles`) and the AsyncAPI documents follow from it.
    """

    event_type: ClassVar[str]

    event_id: uuid.UUID = Field(default_factory=uuid.uuid4)
    type: str
    occurred_at: datetime = Field(default_factory=lambda: datetime.now(UTC))
    correlation_id: str
    causation_id: str | None = None
    producer: str
    schema_version: int = 1
    property_id: str
    payload: P

    @classmethod
    def new(
        cls,
        payload: P,
        *,
        producer: str,
        property_id: str,
        correlation_id: str | None = None,
        causation_id: str | None = None,
    ) -> Self:
        event_id = uuid.uuid4()
        return cls(
            event_id=event_id,
            type=cls.event_type,
            producer=producer,
            property_id=property_id,
            # AMQP short strings (255 bytes): bounded here, whatever a caller sent
            correlation_id=bounded_short_string(correlation_id, 128) or str(event_id),
            causation_id=bounded_short_string(causation_id, 128),
            payload=payload,
        )

    def __init_subclass__(cls, **kwargs: Any) -> None:
        # Runs before pydantic reads the class's fields: `type` is declared here as the
        # class's own constant (a class that still spells it out keeps its own).
        super().__init_subclass__(**kwargs)
        event_type = cls.__dict__.get("event_type")
        if event_type is None:
            return  # the base, a generic alias (Event[Payload]) or an intermediate class
        own_annotations = cls.__dict__.get("__annotations__", {})
        if "type" not in own_annotations:
            cls.__annotations__ = {**own_annotations, "type": Literal[event_type]}
            setattr(cls, "type", event_type)  # noqa: B010 - the field's default, not an attr
        _register(cls)

    def caused(self) -> dict[str, Any]:
        """Keyword arguments that chain a follow-up event to this one."""
        return {
            "correlation_id": self.correlation_id,
            "causation_id": str(self.event_id),
            "property_id": self.property_id,
        }


_EVENTS_BY_TYPE: dict[str, type[Event[Any]]] = {}


def _register(event: type[Event[Any]]) -> None:
    known = _EVENTS_BY_TYPE.get(event.event_type)
    if known is not None and known.__qualname__ != event.__qualname__:
        raise TypeError(f"{event.event_type!r} is already the type of {known.__qualname__}")
    _EVENTS_BY_TYPE[event.event_type] = event


def registered_events() -> tuple[type[Event[Any]], ...]:
    """Every event class defined so far, in the order of definition."""
    return tuple(_EVENTS_BY_TYPE.values())


# --- reservation -----------------------------------------------------------------


class ReservationCreatedPayload(Contract):
    reservation_id: str
    confirmation_number: str
    guest_id: str
    guest_name: str
    room_type: str
    arrival: date
    departure: date
    adults: int
    channel: str
    nightly_rates: dict[str, Money]
    total_amount: Money
    currency: str = "CNY"
    # Added in v1 as optional fields: the rest of the booking a department may need.
    children: int = 0
    room_count: int = 1
    special_requests: list[str] = []
    rate_plan: str | None = None
    source_reference: str | None = None  # the channel's own reference (OTA, group desk)
    block_id: str | None = None
    status: str = "confirmed"
    # Issue 12: what the guest paid at booking travels to the folio (no paying twice);
    # "prepaid" for a non-refundable rate paid in full.
    deposit_paid: Money = Money("0")
    non_refundable: bool = False
    # Issue 18 (seed 002 1.2.2, 9.1): when the guest expects to arrive and leave, and a
    # tentative booking the guest still has to reconfirm.
    expected_arrival_time: time | None = None
    expected_departure_time: time | None = None
    tentative: bool = False


class ReservationCreated(Event[ReservationCreatedPayload]):
    event_type = "reservation.created"


class GuestContactPayload(Contract):
    guest_id: str
    first_name: str
    last_name: str
    email: EmailStr | None = None
    phone: str | None = None
    language: str = "en"


class GuestContactCaptured(Event[GuestContactPayload]):
    """A guest-profile event: the only kind that carries contact details."""

    event_type = "guest.contact_captured"


# --- front desk ------------------------------------------------------------------


class StayRef(Contract):
    """Which stay the event is about, as its check-in, check-out and departure changes
    name it: the stay, its booking, guest and room, the booked (charged) type and the
    arrival. A base class, not a nested field: the payloads stay flat on the wire, with
    these fields first as before."""

    stay_id: str
    reservation_id: str
    guest_id: str
    room_number: str
    room_type: str
    arrival: date


class StayCheckedInPayload(StayRef):
    departure: date
    vip: bool = False
    # `room_type` is the booked (charged) type; the room given may be of a better one
    # (a VIP upgrade, issue 18): reservation holds that type for the stay's nights
    # instead of the booked one. None: the booked type.
    occupied_room_type: str | None = None


class StayCheckedIn(Event[StayCheckedInPayload]):
    event_type = "stay.checked_in"


class StayCheckedOutPayload(StayRef):
    departure: date
    nights: int
    room_revenue: Money
    total_spend: Money
    currency: str = "CNY"
    other_charges: Money = Money("0")
    early_departure: bool = False
    # Issue 12: what points paid on the folio (redeemed nights, vouchers); room revenue
    # stays what the room earned the hotel, loyalty earns only on what was paid in money.
    paid_with_points: Money = Money("0")


class StayCheckedOut(Event[StayCheckedOutPayload]):
    event_type = "stay.checked_out"


# --- housekeeping ----------------------------------------------------------------


class RoomStatusChangedPayload(Contract):
    room_number: str
    old_status: str
    new_status: str
    reason: str
    room_type: str | None = None
    do_not_disturb: bool | None = None


class RoomStatusChanged(Event[RoomStatusChangedPayload]):
    event_type = "room.status_changed"


class HkTaskCreatedPayload(Contract):
    task_id: str
    kind: str
    room_number: str
    stay_id: str | None = None
    priority: int | None = None
    assigned_to: str | None = None


class HkTaskCreated(Event[HkTaskCreatedPayload]):
    event_type = "hk.task.created"


# --- loyalty ---------------------------------------------------------------------


class PointsAccruedPayload(Contract):
    entry_id: str
    guest_id: str
    points: int
    reason: str
    stay_id: str | None = None


class PointsAccrued(Event[PointsAccruedPayload]):
    event_type = "loyalty.points_accrued"


# --- feedback --------------------------------------------------------------------


class SurveySentPayload(Contract):
    survey_id: str
    stay_id: str
    guest_id: str
    channel: Literal["email", "sms"]
    reminder: bool = False


class SurveySent(Event[SurveySentPayload]):
    event_type = "survey.sent"


# === Contracts for the departments' full features ================================
# Agreed up front so that each service can publish and consume them independently.


class FieldChange(Contract):
    field: str
    old: Any = None
    new: Any = None


class ReservationAmendedPayload(Contract):
    reservation_id: str
    guest_id: str
    changes: list[FieldChange]
    # The reservation as it now stands, so projections need not replay the changes.
    room_type: str
    arrival: date
    departure: date
    adults: int
    children: int = 0
    nightly_rates: dict[str, Money]
    total_amount: Money
    currency: str = "CNY"
    # Issue 12: the full changed record, so the desk's arrivals list follows every change.
    guest_name: str | None = None
    room_count: int | None = None
    special_requests: list[str] | None = None
    rate_plan: str | None = None
    deposit_paid: Money | None = None
    non_refundable: bool | None = None
    # what the amendments so far cost under the rate plan's terms (a non-refundable stay
    # shortened keeps what was paid; a refundable one shortened after the deadline pays
    # the late fee on the nights removed): the folio charges it
    amendment_fees: Money = Money("0")
    # Issue 18 (seed 002 3.3(2)): why the booking changed, as the office recorded it
    reason: str | None = None
    expected_arrival_time: time | None = None
    expected_departure_time: time | None = None


class ReservationAmended(Event[ReservationAmendedPayload]):
    event_type = "reservation.amended"


class ReservationCancelledPayload(Contract):
    reservation_id: str
    guest_id: str
    old_status: str
    cancellation_fee: Money
    refund_amount: Money
    reason: str | None = None
    currency: str = "CNY"


class ReservationCancelled(Event[ReservationCancelledPayload]):
    event_type = "reservation.cancelled"


class ReservationNoShowPayload(Contract):
    reservation_id: str
    guest_id: str
    no_show_fee: Money
    currency: str = "CNY"


class ReservationNoShow(Event[ReservationNoShowPayload]):
    event_type = "reservation.no_show"


class AvailabilityChangedPayload(Contract):
    room_type: str
    rooms_left: dict[str, int]  # night (ISO date) -> rooms left


class AvailabilityChanged(Event[AvailabilityChangedPayload]):
    event_type = "availability.changed"


class RoomAssignedPayload(Contract):
    """A room given to a reservation: at pre-assignment for tomorrow or at check-in."""

    reservation_id: str
    guest_id: str
    room_number: str
    room_type: str
    arrival: date
    departure: date
    rule: str  # which allocation rule chose the room
    stay_id: str | None = None
    vip: bool = False
    # the booking's special requests (celebration, children's items, accessibility...):
    # housekeeping prepares the room for them (issue 12)
    special_requests: list[str] = []
    # Issue 18 (seed 002 4.4): assigned ahead of the guest's arrival (not at the desk
    # while the guest waits), so the guest is sent the room assignment notice
    ahead_of_arrival: bool = False
    # Issue 12: a room assigned ahead of arrival to another type than booked moves the
    # booking's hold in reservation from then on (services/reservation/assignments.py).
    # The booked type, the stay the room is held for (the stay id the check-in will use)
    # and the time of the reservation event the desk's arrival reflected when it assigned
    # (an amendment after it makes the desk drop the room: reservation then ignores it).
    booked_room_type: str | None = None
    stay_to_be_id: str | None = None
    booking_as_of: datetime | None = None


class RoomAssigned(Event[RoomAssignedPayload]):
    event_type = "room.assigned"


class StayRoomMovedPayload(Contract):
    """The guest goes to another room for the nights left. A room of another type moves
    the stay's hold in reservation from `from_room_type` to `to_room_type` on `nights`
    (issue 12); `move_number` orders a stay's moves (1, 2...), so copies handled out of
    order end in the last move's type. The stay's booking, booked type and dates let
    reservation follow a move it hears of before the check-in."""

    stay_id: str
    guest_id: str
    from_room: str
    to_room: str
    reason: str
    from_room_type: str | None = None
    to_room_type: str | None = None
    nights: list[date] = []  # from the business date of the move to the departure
    move_number: int = 0
    reservation_id: str | None = None
    room_type: str | None = None  # booked
    arrival: date | None = None
    departure: date | None = None


class StayRoomMoved(Event[StayRoomMovedPayload]):
    event_type = "stay.room_moved"


class FolioChargePostedPayload(Contract):
    stay_id: str
    guest_id: str
    charge_id: str
    category: str  # room, minibar, room_service, restaurant, laundry, damage, late_checkout
    amount: Money
    description: str
    currency: str = "CNY"


class FolioChargePosted(Event[FolioChargePostedPayload]):
    event_type = "folio.charge_posted"


class FolioPaymentPostedPayload(Contract):
    stay_id: str
    guest_id: str
    payment_id: str
    kind: Literal["deposit", "payment", "refund"]
    amount: Money
    method: str  # "card", "cash", ...: the kind, never the token or the number
    currency: str = "CNY"


class FolioPaymentPosted(Event[FolioPaymentPostedPayload]):
    event_type = "folio.payment_posted"


class FolioClosedPayload(Contract):
    stay_id: str
    guest_id: str
    invoice_number: str
    room_charges: Money
    other_charges: Money
    compensation: Money
    deposit: Money
    balance: Money
    currency: str = "CNY"


class FolioClosed(Event[FolioClosedPayload]):
    event_type = "folio.closed"


class FolioPointsReturnedPayload(Contract):
    """Points redeemed for a booking whose allowance reached the stay after its folio
    closed (issue 12): the guest paid in money for what the points were to pay, so loyalty
    gives the points back, once (keyed by the redemption, as a withdrawal is)."""

    stay_id: str
    reservation_id: str
    guest_id: str
    redemption_id: str  # loyalty's ledger entry id
    points: int
    value: Money
    reason: str
    currency: str = "CNY"


class FolioPointsReturned(Event[FolioPointsReturnedPayload]):
    event_type = "folio.points_returned"


class GuestRequestRaisedPayload(Contract):
    """A request taken at the desk for housekeeping (cleaning, amenities, maintenance)."""

    request_id: str
    stay_id: str | None = None
    room_number: str
    kind: Literal["cleaning", "amenities", "maintenance", "turndown"]
    details: str
    taken_by: str  # the desk agent: first responder
    urgent: bool = False
    guest_id: str | None = None  # issue 12: requests name the guest and the stay


class GuestRequestRaised(Event[GuestRequestRaisedPayload]):
    event_type = "guest.request_raised"


class ComplaintRaisedPayload(Contract):
    """A complaint taken at the desk (or by phone), for guest relations to own with it."""

    complaint_id: str
    guest_id: str
    stay_id: str | None = None
    room_number: str | None = None
    category: str
    severity: Severity
    description: str
    taken_by: str
    channel: Literal["desk", "phone", "online"] = "desk"


class ComplaintRaised(Event[ComplaintRaisedPayload]):
    event_type = "complaint.raised"


class HkTaskCompletedPayload(Contract):
    task_id: str
    kind: str
    room_number: str
    stay_id: str | None = None
    attendant: str | None = None
    duration_seconds: int | None = None
    inspected: bool = False
    request_id: str | None = None  # the desk's request this task answered, if any


class HkTaskCompleted(Event[HkTaskCompletedPayload]):
    event_type = "hk.task.completed"


class ItemCharge(Contract):
    description: str
    quantity: int = 1
    amount: Money


class RoomItemCheckReportedPayload(Contract):
    """The departure room check: what the folio must charge."""

    check_id: str
    stay_id: str
    room_number: str
    damages: list[ItemCharge] = []
    missing_items: list[ItemCharge] = []
    minibar: list[ItemCharge] = []
    currency: str = "CNY"


class RoomItemCheckReported(Event[RoomItemCheckReportedPayload]):
    event_type = "room.item_check_reported"


class MaintenanceRequestedPayload(Contract):
    request_id: str
    room_number: str
    category: str  # air_conditioning, tv, network, bathroom, furniture, safety, other
    priority: MaintenancePriority
    description: str
    reported_by: str
    # A guest's request (issue 15): whose words the description holds, so every holder
    # of it can erase it with the guest.
    guest_id: str | None = None


class MaintenanceRequested(Event[MaintenanceRequestedPayload]):
    event_type = "maintenance.requested"


class SurveyResponseReceivedPayload(Contract):
    survey_id: str
    stay_id: str
    guest_id: str
    nps: int | None = None
    csat: float | None = None
    lowest_rating: int | None = None
    low_score: bool = False


class SurveyResponseReceived(Event[SurveyResponseReceivedPayload]):
    event_type = "survey.response_received"


class CaseOpenedPayload(Contract):
    case_id: str
    guest_id: str
    stay_id: str | None = None
    category: str
    severity: Severity
    source: CaseSource
    owner: str
    due_at: datetime
    in_house: bool = False  # raised during the stay: the desk is alerted before departure


class CaseOpened(Event[CaseOpenedPayload]):
    event_type = "case.opened"


class CaseEscalatedPayload(Contract):
    case_id: str
    guest_id: str
    escalated_to: str
    due_at: datetime


class CaseEscalated(Event[CaseEscalatedPayload]):
    event_type = "case.escalated"


class CaseReopenedPayload(Contract):
    """The guest was not satisfied with how their case was put right (the follow-up link
    after the result, seed 002 8.3.2): the case is open again for its owner. Whoever acted
    on case.opened acts again (the desk's alert for an in-house guest, loyalty's
    problem-guest care); `reopen_count` numbers the reopenings, 1 for the first."""

    case_id: str
    guest_id: str
    stay_id: str | None = None
    category: str
    severity: Severity
    owner: str
    due_at: datetime
    reopen_count: int = 1
    reason: Literal["guest_not_satisfied"] = "guest_not_satisfied"


class CaseReopened(Event[CaseReopenedPayload]):
    event_type = "case.reopened"


class CaseResolvedPayload(Contract):
    case_id: str
    guest_id: str
    stay_id: str | None = None
    resolution: str
    goodwill_points: int | None = None
    voucher: str | None = None


class CaseResolved(Event[CaseResolvedPayload]):
    event_type = "case.resolved"


class GoodwillGrantedPayload(Contract):
    """Service recovery, applied by loyalty once per grant_id."""

    grant_id: str
    case_id: str
    guest_id: str
    points: int = 0
    voucher: str | None = None


class GoodwillGranted(Event[GoodwillGrantedPayload]):
    event_type = "goodwill.granted"


class SurveyResultsSharedPayload(Contract):
    """One department's part of an answered questionnaire, for that department (issue
    18, seed 002 11.2(4)). Scores and topics only: the guest's words stay in feedback."""

    survey_id: str
    kind: Literal["post_stay", "in_stay"]
    department: str
    stay_id: str
    # whose answer (an id, nothing more): the desk's recognition and loyalty's history
    guest_id: str | None = None
    room_number: str | None = None
    scores: dict[str, int | str] = {}  # question_id -> rating, NPS or chosen option
    low_topics: list[str] = []
    comment_left: bool = False
    answered_at: datetime


class SurveyResultsShared(Event[SurveyResultsSharedPayload]):
    event_type = "survey.results_shared"


class Consents(Contract):
    marketing: bool = False
    surveys: bool = True


class GuestProfilePayload(Contract):
    """A guest-profile event: contact details travel here, to those who reach the guest."""

    guest_id: str
    first_name: str | None = None
    last_name: str | None = None
    email: EmailStr | None = None
    phone: str | None = None
    language: str = "en"
    member_number: str | None = None
    tier: str | None = None
    vip: bool = False
    preferences: dict[str, list[str]] = {}  # room, pillow, floor, food, dietary, amenities
    consents: Consents = Consents()
    segments: list[str] = []
    version: int = 1  # increases with every change; projections keep the highest
    # issue 18: the membership perks in force (fast_lane, late_checkout, ...), for the desk
    perks: list[str] = []


class GuestCreated(Event[GuestProfilePayload]):
    event_type = "guest.created"


class GuestUpdated(Event[GuestProfilePayload]):
    event_type = "guest.updated"


class GuestMergedPayload(Contract):
    surviving_guest_id: str
    merged_guest_ids: list[str]


class GuestMerged(Event[GuestMergedPayload]):
    event_type = "guest.merged"


class GuestAnonymizedPayload(Contract):
    """Erasure on request: every service removes or anonymises what it holds of these
    guests, except what the law says to keep (invoices)."""

    guest_id: str
    also_known_as: list[str] = []  # ids merged into this guest
    requested_at: datetime


class GuestAnonymized(Event[GuestAnonymizedPayload]):
    event_type = "guest.anonymized"


class PointsMovementPayload(Contract):
    entry_id: str
    guest_id: str
    points: int  # signed: earnings positive, redemptions/reversals/expiry negative
    reason: str
    balance_after: int | None = None
    # Issue 18: a redemption applied to a booking (reservation honours it: the night at
    # 0, the voucher as a discount); a reversal that gives a redemption's points back
    # is positive and names the redemption it undoes.
    reservation_id: str | None = None
    redeemed_for: str | None = None  # "night" | "voucher"
    night: date | None = None
    voucher_value: Money | None = None
    reverses: str | None = None


class PointsRedeemed(Event[PointsMovementPayload]):
    event_type = "loyalty.points_redeemed"


class PointsReversed(Event[PointsMovementPayload]):
    event_type = "loyalty.points_reversed"


class PointsExpired(Event[PointsMovementPayload]):
    event_type = "loyalty.points_expired"


class TierChangedPayload(Contract):
    guest_id: str
    old_tier: str | None
    new_tier: str
    perks: list[str]


class TierChanged(Event[TierChangedPayload]):
    event_type = "loyalty.tier_changed"


# --- issue 12 (one hotel, one truth): money, requests, guests ---------------------


class StayRoomCheckRequestedPayload(Contract):
    """The guest asked to check out: housekeeping checks the room (damages, missing items,
    minibar) before the desk settles; the desk settles when the check arrives or at
    `settle_by`, whichever comes first."""

    stay_id: str
    guest_id: str
    room_number: str
    room_type: str
    reservation_id: str | None = None
    requested_at: datetime
    settle_by: datetime


class StayRoomCheckRequested(Event[StayRoomCheckRequestedPayload]):
    event_type = "stay.room_check_requested"


class GuestRequestCompletedPayload(Contract):
    """Housekeeping finished what the guest asked for: the desk closed the request and
    tells the guest (those who reach the guest send the message; no contact details here)."""

    request_id: str
    stay_id: str
    guest_id: str
    room_number: str
    kind: str
    task_id: str
    completed_at: datetime
    message: str


class GuestRequestCompleted(Event[GuestRequestCompletedPayload]):
    event_type = "guest.request_completed"


class GuestWalkInRegistered(Event[GuestContactPayload]):
    """A guest-profile event from the desk: a walk-in (no booking, so no
    guest.contact_captured) registered; loyalty makes or matches the profile."""

    event_type = "guest.walk_in_registered"


# --- one hotel, one truth (issue 12) -----------------------------------------------


class StayExtendedPayload(StayRef):
    """The stay's new departure: the extra nights are held in the stay's room type."""

    old_departure: date
    departure: date
    # the stay's departure changes so far (extensions and shortenings): a copy older
    # than one applied changes nothing. 0: from a producer before shortenings existed.
    revision: int = 0


class StayExtended(Event[StayExtendedPayload]):
    event_type = "stay.extended"


class StayShortenedPayload(StayRef):
    """The guest in house now leaves earlier (before check-out): the nights from the new
    departure are given back (reservation sells them, housekeeping serves none)."""

    old_departure: date
    departure: date
    nights_given_up: list[date]
    reason: str
    revision: int


class StayShortened(Event[StayShortenedPayload]):
    event_type = "stay.shortened"


class BusinessDayClosedPayload(Contract):
    """The night audit closed `business_date` (its room nights are posted); the hotel now
    works on `next_business_date`. No-shows, plans and reports follow this event."""

    business_date: date
    next_business_date: date
    room_nights_posted: int = 0
    expected_arrivals_not_checked_in: list[str] = []


class BusinessDayClosed(Event[BusinessDayClosedPayload]):
    event_type = "business_day.closed"


class RoomOutOfOrderPayload(Contract):
    """A room taken out of order (or out of service) for a period, its end moved, or the
    period cancelled: reservation sells one room fewer of its type on `nights`.
    `revision` counts the period's changes: a copy older than one applied changes
    nothing (the broker may deliver them in any order)."""

    period_id: str
    room_number: str
    room_type: str
    kind: str
    start: datetime
    end: datetime
    nights: list[date]
    revision: int = 0


class RoomOutOfOrderScheduled(Event[RoomOutOfOrderPayload]):
    event_type = "maintenance.out_of_order_scheduled"


class RoomOutOfOrderChanged(Event[RoomOutOfOrderPayload]):
    """The period's end moved (ended early or extended): `nights` as they now are."""

    event_type = "maintenance.out_of_order_changed"


class RoomOutOfOrderCancelled(Event[RoomOutOfOrderPayload]):
    event_type = "maintenance.out_of_order_cancelled"


# --- issue 18: walked guests, reconfirmation, points redeemed -----------------------


class ArrivalWalkedPayload(Contract):
    """The desk had no room and walked the booked guest to a partner hotel (seed 002
    10.3): reservation gives the booking's nights back and marks it walked (no no-show
    fee, what was paid goes back). The hotel's cost stays at the desk."""

    reservation_id: str
    guest_id: str
    arrival: date
    nights: int
    partner_hotel: str
    walked_at: datetime


class ArrivalWalked(Event[ArrivalWalkedPayload]):
    event_type = "arrival.walked"


class ReservationWalkedPayload(Contract):
    """Reservation followed the desk's walk: the nights are back on sale; `refund_amount`
    is what the guest paid, returned (the hotel failed to give the room)."""

    reservation_id: str
    guest_id: str
    partner_hotel: str
    refund_amount: Money
    currency: str = "CNY"


class ReservationWalked(Event[ReservationWalkedPayload]):
    event_type = "reservation.walked"


class ReservationReconfirmedPayload(Contract):
    """The guest reconfirmed a tentative booking (seed 002 1.2.2(2)): the desk's
    arrivals list shows it as firm."""

    reservation_id: str
    guest_id: str
    arrival: date
    reconfirmed_at: datetime


class ReservationReconfirmed(Event[ReservationReconfirmedPayload]):
    event_type = "reservation.reconfirmed"


class RedemptionAppliedPayload(Contract):
    """Points loyalty debited for a booking, honoured: the redeemed night or the voucher
    is worth `value` off what the guest pays; the desk credits it on the folio (method
    "loyalty_points") so the guest does not pay twice."""

    reservation_id: str
    guest_id: str
    redemption_id: str  # loyalty's ledger entry id: one application per redemption
    redeemed_for: str
    night: date | None = None
    points: int
    value: Money
    currency: str = "CNY"


class RedemptionApplied(Event[RedemptionAppliedPayload]):
    event_type = "reservation.redemption_applied"


class RedemptionRefusedPayload(Contract):
    """Reservation cannot honour the redemption (booking closed, night not in the stay or
    already paid with points): loyalty gives the points back."""

    reservation_id: str
    guest_id: str
    redemption_id: str
    points: int
    reason: str


class RedemptionRefused(Event[RedemptionRefusedPayload]):
    event_type = "reservation.redemption_refused"


class RedemptionWithdrawnPayload(Contract):
    """A redemption the booking had honoured no longer pays for anything: an amendment
    dropped the night it paid for. Loyalty gives the points back (once, keyed by the
    redemption); the desk takes the allowance off the arrival, so no folio credits a
    night the guest no longer buys."""

    reservation_id: str
    guest_id: str
    redemption_id: str
    redeemed_for: str
    night: date | None = None
    points: int
    value: Money
    reason: str


class RedemptionWithdrawn(Event[RedemptionWithdrawnPayload]):
    event_type = "reservation.redemption_withdrawn"


# Derived, never kept by hand: every Event subclass above registered itself.
ALL_EVENTS: tuple[type[Event[Any]], ...] = registered_events()
EVENTS_BY_TYPE: dict[str, type[Event[Any]]] = dict(_EVENTS_BY_TYPE)
