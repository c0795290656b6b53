"""What loyalty's routes answer with beyond points and ledger entries (domain.py): the
CRM profile, the duplicate review list, segments, care tasks, campaign messages and the
data subject's export.

The profile's history lists (stays, reservations, vouchers, feedback by department) are
the records the events brought, shown as stored: `StoredRecord` names them, as the guest
aggregate (guest_aggregate.py) keeps them."""

from __future__ import annotations

from datetime import date, datetime

from shared.public import Answer, PublicDocument

from .guest_aggregate import StoredRecord


class FeedbackSummary(Answer):
    responses: int
    average_csat: float | None
    last_nps: int | None
    low_scores: int
    cases_opened: int
    cases_reopened: int
    history: list[StoredRecord]  # per department, newest last (survey.results_shared)


class ProfilePublic(Answer):
    """What the CRM shows of a guest: the profile (e-mail and phone masked unless
    `revealed`), history, feedback and membership."""

    guest_id: str
    version: int
    profile: StoredRecord | None  # names, language, contact, preferences, consents
    revealed: bool
    member_number: str | None
    enrolled_at: datetime | None
    tier: str
    perks: list[str]
    qualifying: StoredRecord | None  # this business year's nights and points toward a tier
    balance: int
    stays: list[StoredRecord]
    reservations: list[StoredRecord]
    spend: str  # money as a string, exact
    feedback: FeedbackSummary
    vouchers: list[StoredRecord]
    segments: list[str]
    lifecycle: str | None
    also_known_as: list[str]
    anonymized_at: datetime | None


class DuplicateSide(Answer):
    """One profile of a possible pair: enough to judge, contact masked."""

    guest_id: str
    first_name: str | None
    last_name: str | None
    email: str | None = None
    phone: str | None = None
    member: bool
    stays: int
    reservations: int
    created_at: datetime | None
    merged_into: str | None


class DuplicatePublic(Answer):
    """A review-list entry with its evidence; the decision once a manager took it."""

    duplicate_id: str
    status: str  # open, merged, distinct
    matched_on: list[str]
    source: str
    verified: bool
    found_at: datetime
    guests: list[DuplicateSide]
    decided_by: str | None = None
    decided_at: datetime | None = None
    reason: str | None = None
    surviving_guest_id: str | None = None


class GuestExport(Answer):
    """Everything loyalty holds about the guest (data subject access): the stored
    documents themselves, bookkeeping aside."""

    guest: StoredRecord
    merged_profiles: list[StoredRecord]
    messages: list[StoredRecord]
    exported_at: datetime


class ErasureAccepted(Answer):
    guest_id: str
    also_known_as: list[str]
    anonymized_at: datetime


class TierRule(Answer):
    name: str
    nights: int
    points: int
    bonus_percent: int
    perks: list[str]


class SegmentRules(Answer):
    """The rules behind the segments and lifecycle stages: name -> rule in words."""

    segments: dict[str, str]
    lifecycle: dict[str, str]
    tiers: list[TierRule]


class SegmentMember(Answer):
    guest_id: str
    first_name: str | None
    tier: str
    vip: bool
    lifecycle: str | None
    segments: list[str]
    relations_owner: str | None
    stays: int


class SegmentPage(Answer):
    """A page in id order: `next_after` is the `after` of the next page, if any."""

    segment: str
    items: list[SegmentMember]
    next_after: str | None


class Referral(Answer):
    referrer: str
    referred_guest_id: str


class ChurnReport(Answer):
    guests: int
    by_cause: dict[str, int]
    causes: dict[str, str]  # cause -> what it means


class CampaignMessage(PublicDocument):
    """A campaign message for the e-mail/SMS adapter; no address: it is looked up at
    sending time."""

    id_field = "message_id"

    message_id: str
    guest_id: str
    property_id: str | None = None
    template: str
    channel: str | None = None
    status: str  # queued, sent, cancelled
    created_at: datetime
    not_before: datetime | None = None
    failures: int = 0
    last_error: str | None = None
    sent_at: datetime | None = None


class DailyPassRun(Answer):
    visited: int


class CareTaskPublic(PublicDocument):
    """A gift to send, a follow-up call or a recovery contact, for guest relations."""

    id_field = "task_id"

    task_id: str
    guest_id: str
    property_id: str | None
    stay_id: str | None = None  # the stay a post-stay gift is for
    kind: str
    reason: str
    owner: str
    created_at: datetime | None = None
    due_on: date
    status: str  # open, done
    outcome: str | None = None
    done_by: str | None = None
    done_at: datetime | None = None
