"""What reservation's routes answer with beyond the booking itself (domain.py): room
types, rate plans and blocks as set up, availability, the trends report, the letters a
booking was sent and the office's record reviews.

Money is a decimal string, exact, as in the booking (as it was before these models:
a route typed dict[str, Any] is serialised by pydantic too)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from pydantic import ConfigDict, Field

from shared.public import Answer, PublicDocument

from .blocks import BlockCreate
from .policies import RatePlanUpsert

# --- property set-up --------------------------------------------------------------------


class RoomTypePublic(PublicDocument):
    id: str  # the stored key: property and code
    property_id: str
    code: str
    name: str
    bed: str  # the first of `beds`, kept for readers of the single-bed field
    beds: list[str]
    features: list[str]
    max_occupancy: int
    nightly_rate: Decimal
    rooms: int
    overbooking_allowance: int = 0


class RatePlanPublic(RatePlanUpsert):
    """The plan as saved: its terms as set, plus where it is kept."""

    model_config = ConfigDict(extra="ignore")

    id: str
    property_id: str
    code: str

    @classmethod
    def of(cls, document: dict[str, Any]) -> RatePlanPublic:
        return cls.model_validate({**document, "id": document["_id"]})


class BlockNight(Answer):
    allotted: int
    picked_up: int
    held: int  # still held for the block on that night


class BlockPublic(BlockCreate):
    """A group or company allotment as contracted, its state and each night's pickup."""

    model_config = ConfigDict(extra="ignore")

    id: str
    property_id: str
    rate_plan: str | None = None
    status: str  # pending, open, releasing, released
    created_at: datetime
    released_at: datetime | None = None
    released_rooms: int | None = None
    nights: dict[str, BlockNight]  # night (ISO date) -> rooms

    @classmethod
    def of(cls, document: dict[str, Any]) -> BlockPublic:
        return cls.model_validate({**document, "id": document["_id"]})


# --- availability and the trends report -------------------------------------------------


class RoomTypeAvailability(Answer):
    name: str
    rooms_left: int  # on every night asked for
    nights: dict[str, int]  # night (ISO date) -> rooms left
    nightly_rate: Decimal


class Availability(Answer):
    arrival: date
    departure: date
    room_types: dict[str, RoomTypeAvailability]  # by room type code


class NightOccupancy(Answer):
    sold: int
    rooms: int
    percent: float


class Occupancy(Answer):
    rooms: int
    room_nights_sold: int
    capacity_with_overbooking: int
    average_percent: float
    nights: dict[str, NightOccupancy]


class Pickup(Answer):
    reservations: int
    room_nights: int


class ChannelShare(Pickup):
    revenue: Decimal
    share_percent: float


class Cancellations(Answer):
    reservations: int
    cancelled: int
    no_shows: int
    cancellation_percent: float
    fees: Decimal
    refunds: Decimal


class LeadTime(Answer):
    """Days from booking to arrival; only `reservations` when there were none."""

    reservations: int
    average_days: float | None = None
    median_days: float | None = None
    min_days: int | None = None
    max_days: int | None = None


class Trends(Answer):
    """Occupancy, pickup, channel mix, cancellations and lead time over the nights
    from..to (inclusive)."""

    model_config = ConfigDict(populate_by_name=True)

    first: date = Field(alias="from")
    last: date = Field(alias="to")
    occupancy: Occupancy
    pickup: dict[str, Pickup]  # booking day (ISO date) -> booked that day
    channel_mix: dict[str, ChannelShare]  # by channel
    cancellations: Cancellations
    lead_time: LeadTime


# --- guest communication and the office's records ---------------------------------------


class LetterPublic(Answer):
    id: str
    kind: str
    status: str
    sent_channels: list[str]
    attempts: int
    recorded_at: datetime | None
    finished_at: datetime | None


class ReviewDue(Answer):
    reservation_id: str
    confirmation_number: str
    arrival: str  # ISO date
    version: int
    why: str
    findings: list[str]  # what looks wrong, to check first


class Review(Answer):
    version: int  # the version of the booking the reviewer read
    at: datetime
    by: str
    note: str | None
