"""Event contracts: an envelope, then the payload.

Versioning: adding an optional field keeps the version; anything else is a new
`schema_version` under the same routing key. Consumers ignore unknown fields, so
`extra="ignore"` everywhere here. Events name guests by id; contact details travel
only in guest-profile events (`guest.contact_captured`), and ID numbers, scans and
payment tokens never travel at all.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any, ClassVar, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, EmailStr, Field

Money = Decimal


class Contract(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


P = TypeVar("P", bound=Contract)


class Event(Contract, Generic[P]):
    """The envelope. `event_id` is also the AMQP message_id; `type` is the routing key."""

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
    def new(cls, payload: P, *, producer: str, property_id: str,
            correlation_id: str | None = None, causation_id: str | None = None) -> "Event[P]":
        event_id = uuid.uuid4()
        return cls(
            event_id=event_id,
            type=cls.event_type,
            producer=producer,
            property_id=property_id,
            correlation_id=correlation_id or str(event_id),
            causation_id=causation_id,
            payload=payload,
        )

    def caused(self) -> dict[str, Any]:
        """Keyword arguments that chain a follow-up event to this one."""
        return {"correlation_id": self.correlation_id, "causation_id": str(self.event_id),
                "property_id": self.property_id}


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


class ReservationCreated(Event[ReservationCreatedPayload]):
    event_type = "reservation.created"
    type: Literal["reservation.created"] = "reservation.created"


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
    type: Literal["guest.contact_captured"] = "guest.contact_captured"


# --- front desk ------------------------------------------------------------------

class StayCheckedInPayload(Contract):
    stay_id: str
    reservation_id: str
    guest_id: str
    room_number: str
    room_type: str
    arrival: date
    departure: date


class StayCheckedIn(Event[StayCheckedInPayload]):
    event_type = "stay.checked_in"
    type: Literal["stay.checked_in"] = "stay.checked_in"


class StayCheckedOutPayload(Contract):
    stay_id: str
    reservation_id: str
    guest_id: str
    room_number: str
    room_type: str
    arrival: date
    departure: date
    nights: int
    room_revenue: Money
    total_spend: Money
    currency: str = "CNY"


class StayCheckedOut(Event[StayCheckedOutPayload]):
    event_type = "stay.checked_out"
    type: Literal["stay.checked_out"] = "stay.checked_out"


# --- housekeeping ----------------------------------------------------------------

class RoomStatusChangedPayload(Contract):
    room_number: str
    old_status: str
    new_status: str
    reason: str


class RoomStatusChanged(Event[RoomStatusChangedPayload]):
    event_type = "room.status_changed"
    type: Literal["room.status_changed"] = "room.status_changed"


class HkTaskCreatedPayload(Contract):
    task_id: str
    kind: str
    room_number: str
    stay_id: str | None = None


class HkTaskCreated(Event[HkTaskCreatedPayload]):
    event_type = "hk.task.created"
    type: Literal["hk.task.created"] = "hk.task.created"


# --- loyalty ---------------------------------------------------------------------

class PointsAccruedPayload(Contract):
    entry_id: str
    guest_id: str
    points: int
    reason: str
    stay_id: str | None = None


class PointsAccrued(Event[PointsAccruedPayload]):
    event_type = "loyalty.points_accrued"
    type: Literal["loyalty.points_accrued"] = "loyalty.points_accrued"


# --- feedback --------------------------------------------------------------------

class SurveySentPayload(Contract):
    survey_id: str
    stay_id: str
    guest_id: str
    channel: Literal["email", "sms"]


class SurveySent(Event[SurveySentPayload]):
    event_type = "survey.sent"
    type: Literal["survey.sent"] = "survey.sent"


ALL_EVENTS: tuple[type[Event[Any]], ...] = (
    ReservationCreated, GuestContactCaptured, StayCheckedIn, StayCheckedOut,
    RoomStatusChanged, HkTaskCreated, PointsAccrued, SurveySent,
)
EVENTS_BY_TYPE = {event.event_type: event for event in ALL_EVENTS}
