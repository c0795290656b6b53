"""What the desk's routes answer with beyond the stay and its settlement (domain.py): the
day's lists, room assignments, the folio, the business date and night audit, the
check-out request and the ID scan's record; the stay's requests and complaints, its
companions and registration changes, the departure check; the front office's opinions,
walks, log, shift handovers and metrics.

A line the desk stored on the stay (stay_aggregate.py) is shown by a model naming its
fields, exactly as stored."""

from __future__ import annotations

from datetime import date, datetime
from decimal import Decimal

from pydantic import ConfigDict, Field

from shared.public import Answer

from .domain import StayPublic


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


class RequestLine(Answer):
    """A guest's request taken by the desk for housekeeping; housekeeping's finished task
    closes it (status done, with the task and when)."""

    request_id: str
    kind: str  # cleaning, amenities, maintenance, turndown
    details: str
    taken_by: str | None
    urgent: bool
    at: datetime
    room_number: str
    owner: str | None  # the desk agent who took it
    status: str  # open, done
    completed_at: datetime | None = None
    task_id: str | None = None


class ComplaintLine(Answer):
    """A complaint passed to guest relations; its owner is the desk agent who took it."""

    complaint_id: str
    category: str
    severity: str  # low, medium, high, critical
    description: str
    taken_by: str | None
    channel: str  # desk, phone
    at: datetime
    owner: str | None


class GuestNotice(Answer):
    """What the guest was told of a request housekeeping finished (request_follow_up.py)."""

    request_id: str
    message: str
    at: datetime


class StayRequests(Answer):
    """The stay's requests (housekeeping's finished task closes them) and what the guest
    was told."""

    stay_id: str
    items: list[RequestLine]
    guest_notices: list[GuestNotice]


# --- registration beyond the check-in -----------------------------------------------------


class CompanionPublic(Answer):
    """A companion as every answer shows them: the document number only masked."""

    companion_id: str
    first_name: str
    last_name: str
    gender: str
    nationality: str
    document_type: str
    document_number_masked: str
    registered_at: datetime


class StayCompanions(Answer):
    stay_id: str
    items: list[CompanionPublic]


class RegistrationChange(Answer):
    """Which details were corrected and why: never the old or new values."""

    at: datetime
    fields: list[str]
    reason: str


class RegistrationChanges(Answer):
    stay_id: str
    changes: list[RegistrationChange]


class DepartureCheckPassed(Answer):
    stay_id: str
    at: datetime
    identity: str  # matched
    deposit_receipt: str  # matched, or no deposit taken


# --- the front office ---------------------------------------------------------------------


class OpinionRecord(Answer):
    """The guest's opinion at check-out; a low score names the complaint it raised."""

    score: int
    comment: str | None
    taken_by: str
    at: datetime
    complaint_id: str | None = None


class WalkRecord(Answer):
    """A guest taken to a partner hotel at the hotel's cost."""

    walk_id: str
    reservation_id: str
    guest_id: str | None
    arrival: str  # ISO date
    partner_hotel: str
    nights: int
    room_cost: str  # money as a string, exact
    transport_cost: str
    total_cost: str
    reason: str
    arranged_by: str
    at: datetime


class Walks(Answer):
    items: list[WalkRecord]
    count: int
    total_cost: str


class LogEntry(Answer):
    """A note or a follow-up in the communication log; a follow-up is open until done."""

    entry_id: str
    kind: str  # note, follow_up
    text: str
    stay_id: str | None
    reservation_id: str | None
    author: str
    at: datetime
    done_at: datetime | None
    done_by: str | None


class Handover(Answer):
    """A shift's handover: the open follow-ups and the day's counts for the next shift."""

    handover_id: str
    shift: str
    notes: str | None
    handed_over_by: str
    at: datetime
    business_date: date
    open_follow_ups: list[str]  # log entry ids
    arrivals_expected: int
    in_house: int
    acknowledged_by: str | None
    acknowledged_at: datetime | None


class MetricErrors(Answer):
    failed_departure_checks: int


class OpinionCounts(Answer):
    count: int
    average: float | None
    low: int  # scored 2 or less


class WalkCounts(Answer):
    count: int
    total_cost: str


class FrontOfficeMetrics(Answer):
    """The front office over the days from..to at the hotel."""

    # `from` is a Python keyword: the fields have other names and answer under the aliases
    model_config = ConfigDict(extra="ignore", populate_by_name=True)

    first: date = Field(alias="from")
    last: date = Field(alias="to")
    check_ins: int
    check_outs: int
    check_ins_by_hour: dict[str, int]  # "HH:00" at the hotel
    busiest_check_in_hour: str | None
    checkout_request_to_settlement_minutes: float | None
    errors: MetricErrors
    complaints_by_category: dict[str, int]
    opinions: OpinionCounts
    walks: WalkCounts


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


class PostDepartureInvoice(Answer):
    """A room check that came after the check-out, billed on an invoice of its own
    (late_checks.py): the check-out's invoice number with a suffix."""

    invoice_number: str
    check_id: str
    lines: list[ChargeLine]
    total: str  # money as a string, exact
    amount_due: str
    currency: str
    issued_at: datetime
    billed_to: str | None


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
    post_departure_invoices: list[PostDepartureInvoice]


class BusinessDate(Answer):
    business_date: date  # the day the night audit has not closed yet


class NightAuditRun(Answer):
    night: date
    posted: int  # room charges posted for the night
    closed: bool  # false: a re-audit of a night closed before
    business_date: date


class StoredSettlement(Answer):
    """The settlement as the check-out stored it on the stay (check_outs.py): money as
    strings, exact."""

    stay_id: str
    nights: int
    currency: str
    room_charges: str
    other_charges: str
    compensation: str
    deposit: str
    payments: str
    refunds: str
    balance: str
    refund: str
    amount_due: str
    late_checkout_fee: str
    invoice_number: str
    early_departure: bool
    item_checks: list[str]
    lines: list[ChargeLine]
    billed_to: str | None


class CheckOutRequestLine(Answer):
    """When the guest asked to leave, and when the desk settles without the room check."""

    requested_at: datetime
    settle_by: datetime
    waive_late_fee: bool


class CheckOutAsked(Answer):
    """The room check asked; the settlement once the folio is settled."""

    stay_id: str
    status: str
    checkout_request: CheckOutRequestLine | None
    settlement: StoredSettlement | None  # none while in house: the check-out stores it


class IdScanRecord(Answer):
    """What is kept of the scan: never the image, unless revealed."""

    stay_id: str
    content_type: str
    size: int
    taken_by: str
    taken_at: datetime
    revealed: bool
