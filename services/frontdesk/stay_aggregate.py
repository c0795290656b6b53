"""A stay's document as a typed aggregate (issue 17, as loyalty's Guest): who, which room,
the dates and rates, the folio's lines, the registration and what happened during the stay.

The repository reads it field for field (stay_store.py: stay_from_document /
stay_to_document): a field the document does not carry stays unset and is not written
back. Dates are kept as the ISO strings the desk stores, money as its exact strings. The
lines the desk appends (charges, payments, requests, notices, moves, ...) are kept as
stored. The read views take the aggregate; the rules of stay_rules.py move its own fields
(a check-out asked, an opinion, the check-out, a room move) and the store writes what
they changed; the other writes still work on the document.

An unknown field is refused: every field the desk writes is here (the round trip over
the documents the service itself produces proves it,
tests/integration/test_frontdesk_stay_aggregate.py); the outbox and its relay's lease are
the store's and are read away."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from pydantic import BaseModel, ConfigDict, Field

StoredLine = dict[str, Any]  # one line of the stay, as the desk stored it


class Stored(BaseModel):
    model_config = ConfigDict(extra="forbid", populate_by_name=True)


class Stay(Stored):
    id: str = Field(alias="_id")
    property_id: str
    guest_id: str
    guest_name: str | None = None  # "[erased]" after erasure or retention
    reservation_id: str | None = None  # none for a walk-in
    room_index: int | None = None  # which room of a multi-room booking
    room_number: str
    room_type: str  # booked: what is charged
    occupied_room_type: str | None = None  # the room the guest is in (a move, an upgrade)
    upgrade: StoredLine | None = None
    arrival: str  # ISO date
    departure: str
    departure_revision: int | None = None  # extensions and shortenings, in order
    departure_changes: list[StoredLine] = []  # the shortenings: from, to, why, when
    nightly_rates: dict[str, str]  # ISO night -> money
    currency: str
    status: str  # in_house, checked_out
    walk_in: bool = False
    vip: bool = False
    perks: list[str] = []  # the membership perks at check-in (issue 18)
    checked_in_at: datetime
    checked_in_by: str | None = None
    assignment: StoredLine | None = None
    registration: StoredLine | None = None  # the ID number sealed, never in clear
    registration_changes: list[StoredLine] = []
    companions: list[StoredLine] = []
    recognition: StoredLine | None = None
    # the folio
    charges: list[StoredLine] = []
    payments: list[StoredLine] = []
    item_checks: list[str] = []
    allowances_after_close: list[StoredLine] = []
    post_departure_invoices: list[StoredLine] = []
    overstay_nights: list[str] = []  # ISO nights charged as an overstay
    # during the stay
    moves: list[StoredLine] = []
    requests: list[StoredLine] = []
    complaints: list[StoredLine] = []
    guest_notices: list[StoredLine] = []
    alerts: list[StoredLine] = []  # guest relations' open cases
    resolved_alerts: list[StoredLine] = []
    opinion: StoredLine | None = None
    departure_check: StoredLine | None = None
    departure_check_failures: int = 0
    # the departure
    checkout_request: StoredLine | None = None
    checked_out_at: datetime | None = None
    actual_departure: str | None = None  # ISO date
    settlement: StoredLine | None = None  # money as strings
    release_pending: list[StoredLine] = []  # an early departure's nights to give back
    # erased on request, or its personal fields dropped by retention (an ISO instant)
    erased_at: datetime | None = None
    anonymised_at: str | None = None
