"""A booking's document as a typed aggregate (issue 17, as loyalty's Guest): what the
guest booked, what it costs, its state, and the service's bookkeeping on it.

The repository reads it as the stored document, field for field: a field the document
does not carry stays unset and is not written back. Dates and amounts are typed here
but stored as text (the store compares ISO dates as strings, and the amounts' text is
what the events and the exports carry), so they are written back as the text they were
read from. The people (masked and erased as a whole), the records others' events
brought and the rate plan's terms are kept as stored.

Every field the code writes is modelled (tests/integration/test_reservation_aggregate.py
drives every writer and reads each document back); an unknown field is an error, not
silently kept. The outbox and its relay's lease are the store's own and read away."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, PlainSerializer

from .domain import Channel, ReservationStatus

StoredRecord = dict[str, Any]  # as the writer or the event left it
# Stored as ISO text, read as a date (the store's range queries compare the text).
StoredDate = Annotated[date, PlainSerializer(date.isoformat, return_type=str)]
# Stored as decimal text ("500.00"): written back as the same text.
Amount = Annotated[Decimal, PlainSerializer(str, return_type=str)]


class Stored(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Review(Stored):
    """The office's periodic review, against the version the reviewer read (records.py)."""

    version: int
    at: datetime
    by: str
    note: str | None = None


class Reservation(Stored):
    id: str = Field(alias="_id")
    property_id: str
    confirmation_number: str
    status: ReservationStatus
    guest_id: str | None = None  # None only while the booking is being recorded
    version: int = 1  # the write guard: every change names the version it read
    created_at: datetime | None = None
    updated_at: datetime | None = None
    # who stays, and who booked: masked on the way out, erased on request or by retention
    guest: StoredRecord | None = None
    booker: StoredRecord | None = None
    additional_guests: list[StoredRecord] = []
    # what was booked
    room_type: str
    arrival: StoredDate
    departure: StoredDate
    adults: int
    children: int = 0
    room_count: int = 1
    special_requests: list[StoredRecord] = []
    expected_arrival_time: str | None = None  # ISO time of day
    expected_departure_time: str | None = None
    # where it came from
    channel: Channel
    channel_name: str | None = None
    source_reference: str | None = None
    channel_reference: str | None = None  # "<property>|<channel>|<reference>", unique
    block_id: str | None = None
    idempotency_key: str | None = None  # "<property>|<key>", unique
    request_fingerprint: str | None = None  # the body the key was first used with
    owner: str | None = None  # the process that recorded it (the janitor's question)
    # the price and its terms
    rate_plan: str | None = None
    terms: StoredRecord | None = None  # the rate plan's terms as booked (policies.terms_of)
    member_rate: StoredRecord | None = None  # the member priced at the member rate
    nightly_rates: dict[str, Amount] = {}
    total_amount: Amount
    currency: str
    deposit_due: Amount = Decimal("0")
    deposit_paid: Amount = Decimal("0")
    deposit_collections: list[StoredRecord] = []  # deposits an amendment charged more
    amendment_fees: Amount = Decimal("0")
    cancellation_deadline: str | None = None  # an ISO instant, as the plan set it
    payment: StoredRecord | None = None  # the method and its sealed token
    # amendments: the one under way (crash repair), then the log
    amendment: StoredRecord | None = None
    amended_at: str | None = None  # the amendment event's instant, ISO
    amendments: list[StoredRecord] = []
    # tentative bookings and the letters the booking asks for (letters.py)
    tentative: bool = False
    reconfirm_by: datetime | None = None
    reconfirmed_at: datetime | None = None
    letters_due: list[str] = []
    # how it ended: cancelled, a no-show, or walked to a partner hotel
    cancellation: StoredRecord | None = None
    no_show: StoredRecord | None = None
    walk: StoredRecord | None = None
    # the refund a closing asked for, paid by refunds.py
    refund_due: bool = False
    refund_error: str | None = None
    refund_attempts: int = 0
    refund_payment: StoredRecord | None = None
    # the nights held in inventory (inventory_holds.py), and the stays that followed
    inventory_settled: bool | None = None
    settled_by: str | None = None
    assigned_room: StoredRecord | None = None  # a room of another type, ahead of arrival
    departed_on: str | None = None  # an ISO date: the last guest left
    rooms_departed: dict[str, str] = {}  # stay id -> the day that room's guest left
    rooms_handed_over: dict[str, str] = {}  # stay id -> the first night the stay holds
    # points: redeemed, refused, withdrawn by an amendment (redemptions.py)
    redemptions: list[StoredRecord] = []
    points_allowance: Amount = Decimal("0")
    refused_redemptions: list[StoredRecord] = []
    withdrawn_redemptions: list[StoredRecord] = []
    review: Review | None = None
    # erased on request (an instant), or its people dropped by retention (ISO text)
    anonymized_at: datetime | None = None
    anonymised_at: str | None = None
