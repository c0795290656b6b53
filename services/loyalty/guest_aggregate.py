"""A guest's document as a typed aggregate: the profile, the stay and reservation history,
the feedback summary, the loyalty account and the programme's bookkeeping on the guest.

The repository reads and writes it as the stored document, field for field (as feedback's
Case): a field the document does not carry stays unset and is not written. An unknown
field is an error, not silently kept: every field the code writes is here (the outbox and
its relay's lease are read away, the store's own). The records the events brought (stays,
reservations, ledger entries, vouchers) and the profile are kept as stored; what the
service adds up (the account, the feedback summary) is typed."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

StoredRecord = dict[str, Any]  # one record of the guest's history, as the event left it


class Stored(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Qualifying(Stored):
    """This business year's nights and points toward a tier (ledger.roll_over)."""

    year: int
    nights: int
    points: int


class GuestFeedback(Stored):
    """What feedback told loyalty about the guest (feedback_records.py), once per survey,
    case, reopening and questionnaire-department."""

    survey_ids: list[str] = []
    responses: int = 0
    csat_total: float = 0.0
    csat_count: int = 0
    last_nps: int | None = None
    low_scores: int = 0
    last_problem_at: datetime | None = None
    case_ids: list[str] = []
    reopened_cases: list[str] = []  # "<case id>|<reopen count>"
    history: list[StoredRecord] = []  # per department, newest last


class Guest(Stored):
    id: str = Field(alias="_id")
    property_id: str
    version: int = 0  # the write guard (repository.save)
    created_at: datetime
    profile: StoredRecord = {}  # names, language, contact, preferences, consents, vip
    profile_published: bool = False  # guest.created went out
    applied_events: list[str] = []
    # the history the events brought
    stays: list[StoredRecord] = []
    reservations: list[StoredRecord] = []
    feedback: GuestFeedback = GuestFeedback()
    vouchers: list[StoredRecord] = []
    # the account: the balance is the sum of the entries
    balance: int = 0
    entries: list[StoredRecord] = []
    tier: str | None = None
    qualifying: Qualifying | None = None
    last_activity_at: datetime | None = None  # points expire after inactivity
    # membership
    member_number: str | None = None
    enrolled_at: datetime | None = None
    enrolment_source: str | None = None
    referred_by: str | None = None
    # the programme's view of the guest (the daily round)
    segments: list[str] = []
    lifecycle: str | None = None
    refreshed_on: str | None = None  # a business date, ISO
    campaign_actions: list[str] = []
    care_tasks: list[str] = []
    relations_owner: str | None = None
    win_back_offer: StoredRecord | None = None
    churn_analysis: StoredRecord | None = None
    # merges: the survivor knows its aliases, the duplicate where it went
    also_known_as: list[str] = []
    merged_entry_ids: list[str] = []
    merged_into: str | None = None
    merged_at: datetime | None = None
    merge_completed_at: datetime | None = None
    # erased on request, or its personal fields dropped by retention (an ISO instant)
    anonymized_at: datetime | None = None
    anonymised_at: str | None = None
