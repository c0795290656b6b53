"""What the desk's routes answer with beyond the stay and its settlement (domain.py): the
day's lists, room assignments, the folio, the business date and night audit, the
check-out request and the ID scan's record.

Stored lines (requests, notices, charges) are shown as stored: `StoredLine` names them
until the stay aggregate is typed (issue 17, typed aggregates)."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from shared.public import Answer

from .domain import StayPublic

StoredLine = dict[str, Any]  # one line of a stay as the desk stored it


class ArrivalAssignment(Answer):
    room_number: str
    rule: str
    explanation: str


class ArrivalPublic(Answer):
    """A booking arriving on the day, with the room given to it, if any yet."""

    reservation_id: str
    confirmation_number: str | None
    guest_id: str | None
    guest_name: str | None
    room_type: str | None
    arrival: str | None  # ISO date
    departure: str | None
    adults: int | None
    children: int | None
    special_requests: list[str] | None
    status: str | None  # expected, walked, ...
    vip: bool | None
    tier: str | None
    fast_lane: bool | None  # the member's tier gives the fast lane
    expected_arrival_time: str | None  # as booked or amended, ISO time
    expected_departure_time: str | None
    tentative: bool | None  # a tentative booking not reconfirmed yet
    reconfirmed_at: str | None  # ISO instant
    assignment: ArrivalAssignment | None


class StaySummary(StayPublic):
    """A stay in a day's list: the stay, who, and where its bill stands."""

    guest_name: str | None
    overstay: bool
    balance: str | None  # money as a string, once settled
    invoice_number: str | None


class AssignmentResult(Answer):
    """A room given to an arrival, or why none could be (room_number null)."""

    reservation_id: str
    room_number: str | None
    rule: str | None
    explanation: str | None


class PreAssignment(Answer):
    date: date
    assigned: int
    items: list[AssignmentResult]


class StayRequests(Answer):
    """The stay's requests (housekeeping's finished task closes them) and what the guest
    was told."""

    stay_id: str
    items: list[StoredLine]
    guest_notices: list[StoredLine]


class ChargeLine(Answer):
    charge_id: str
    category: str
    amount: str  # money as a string, exact
    description: str
    posted_at: datetime


class PaymentLine(Answer):
    """A payment as the folio shows it: the card token only by its masked reference."""

    payment_id: str
    kind: str  # deposit, payment, refund
    amount: str
    method: str
    pre_authorisation: bool = False
    posted_at: datetime
    token_reference: str | None


class FolioTotals(Answer):
    room_charges: Decimal
    other_charges: Decimal
    compensation: Decimal
    deposit: Decimal
    payments: Decimal
    refunds: Decimal
    balance: Decimal


class FolioPublic(Answer):
    stay_id: str
    currency: str
    status: str
    charges: list[ChargeLine]
    payments: list[PaymentLine]
    totals: FolioTotals
    post_departure_invoices: list[StoredLine]


class BusinessDate(Answer):
    business_date: date  # the day the night audit has not closed yet


class NightAuditRun(Answer):
    night: date
    posted: int  # room charges posted for the night
    closed: bool  # false: a re-audit of a night closed before
    business_date: date


class CheckOutAsked(Answer):
    """The room check asked; the settlement once the folio is settled."""

    stay_id: str
    status: str
    checkout_request: StoredLine | None
    settlement: StoredLine | None


class IdScanRecord(Answer):
    """What is kept of the scan: never the image, unless revealed."""

    stay_id: str
    content_type: str
    size: int
    taken_by: str
    taken_at: datetime
    revealed: bool
