"""The guest profile: matching, merging, segments, lifecycle and campaign actions.
Rules only, no I/O. The ledger and the tiers are in ledger.py.

A guest document (one per guest id) holds the profile, the stay and reservation
history, the feedback summary and the loyalty account; see repository.py.
"""

from __future__ import annotations

import hashlib
import hmac
import re
from datetime import date, datetime, timedelta
from decimal import Decimal
from email.message import EmailMessage
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator

from .ledger import points_for_stay, tier_of  # noqa: F401 (points_for_stay: a stable import)

# Housekeeping habits (issue 12), read by housekeeping's planner: no service, a preferred
# service time, linen every N nights.
HOUSEKEEPING_HABIT = re.compile(
    r"^(no_service|time:([01]\d|2[0-3]):[0-5]\d|linen_every:"
    r"([1-9]|[1-2]\d|30))$"
)
ROOM_NUMBER = re.compile(r"^[A-Za-z0-9-]{1,10}$")
CONSENT_PURPOSES = ("marketing", "surveys")
PERSONAL_FIELDS = ("first_name", "last_name", "email", "phone", "birthday", "preferences")


def stay_earning_entry_id(stay_id: str) -> str:
    """One earning per stay: the stay names its ledger entry."""
    return f"earn|stay|{stay_id}"


def spend_earning_entry_id(stay_id: str) -> str:
    return f"earn|spend|{stay_id}"


# --- matching --------------------------------------------------------------------


def normalized_email(email: str) -> str:
    return email.strip().lower()


def normalized_phone(phone: str) -> str:
    """Digits only, keeping a leading +: '+86 138-0013-8000' -> '+8613800138000'."""
    digits = re.sub(r"\D", "", phone)
    return ("+" if phone.strip().startswith("+") else "") + digits


def match_keys(
    secret: str,
    *,
    email: str | None = None,
    phone: str | None = None,
    member_number: str | None = None,
) -> list[str]:
    """Keys that identify one person. Stored keyed-hashed: the matching index holds no
    readable contact detail, and erasure deletes the keys anyway."""
    raw = []
    if email:
        raw.append(f"email|{normalized_email(email)}")
    if phone and len(normalized_phone(phone).lstrip("+")) >= 6:
        raw.append(f"phone|{normalized_phone(phone)}")
    if member_number:
        raw.append(f"member|{member_number.strip().upper()}")
    return [
        f"{value.split('|', 1)[0]}|"
        + hmac.new(secret.encode(), value.encode(), hashlib.sha256).hexdigest()
        for value in raw
    ]


def normalized_name(first_name: str, last_name: str) -> str:
    return " ".join(f"{first_name} {last_name}".casefold().split())


def verified_name(event: Any) -> tuple[str, str] | None:
    """The name a source vouches for, or None when nothing was verified (issue 15).

    Verified: a walk-in's registration (guest.walk_in_registered): the desk registers a
    guest only with an identity document it checked (frontdesk/identity.py), and the
    registration's name is the document's. Unverified: a booking's contact
    (guest.contact_captured, typed by whoever booked, an OTA or a caller) and a phone a
    member of staff typed into the profile. Only a verified name that agrees with the
    existing profile's merges on its own; every other match goes to the review list."""
    if getattr(event, "type", None) != "guest.walk_in_registered":
        return None
    return (event.payload.first_name, event.payload.last_name)


def duplicate_entry(
    guest_id: str, existing_guest_id: str, matched_on: list[str], source: str, at: datetime
) -> dict[str, Any]:
    """A possible duplicate for the review list: the pair (in a fixed order, one entry
    per pair), which match keys agreed (never the values) and where the match came from."""
    return {
        "_id": "|".join(sorted((guest_id, existing_guest_id))),
        "guest_ids": sorted((guest_id, existing_guest_id)),
        "guest_id": guest_id,
        "existing_guest_id": existing_guest_id,
        "matched_on": sorted(set(matched_on)),
        "source": source,
        "verified": False,
        "status": "open",
        "found_at": at,
    }


def member_number_for(guest_id: str) -> str:
    """Stable and derived from the guest id, so enrolling twice yields the same number."""
    digest = hashlib.sha256(guest_id.encode()).hexdigest()
    return f"M{int(digest[:12], 16) % 10**10:010d}"


# --- profile -----------------------------------------------------------------------


def consent_record(granted: bool, at: datetime, source: str) -> dict[str, Any]:
    return {"granted": granted, "at": at, "source": source}


def merged_profile(survivor: dict[str, Any], merged: dict[str, Any]) -> dict[str, Any]:
    """The survivor's values win; the merged profile fills what the survivor lacks.
    Preferences are united; for each consent the most recent decision wins."""
    profile = {
        **{k: v for k, v in merged.items() if v not in (None, "", [], {})},
        **{k: v for k, v in survivor.items() if v not in (None, "", [], {})},
    }
    preferences: dict[str, list[str]] = {}
    for source in (survivor.get("preferences") or {}, merged.get("preferences") or {}):
        for kind, values in source.items():
            if kind == "fixed_room":  # one room: the survivor's, else the merged one's
                preferences.setdefault(kind, list(values))
                continue
            preferences[kind] = sorted({*preferences.get(kind, []), *values})
    profile["preferences"] = preferences
    consents = {}
    for purpose in CONSENT_PURPOSES:
        given = (survivor.get("consents") or {}, merged.get("consents") or {})
        records = [c[purpose] for c in given if purpose in c]
        if records:
            consents[purpose] = max(records, key=lambda r: r["at"])
    profile["consents"] = consents
    return profile


def union_by(key: str, *lists: list[dict[str, Any]]) -> list[dict[str, Any]]:
    seen: dict[Any, dict[str, Any]] = {}
    for items in lists:
        for item in items:
            seen.setdefault(item[key], item)
    return list(seen.values())


# How many questionnaire parts (one per department per answer) a profile keeps: the
# newest, a few years of a regular guest's stays.
SATISFACTION_HISTORY = 60


def satisfaction_entry(share: Any) -> dict[str, Any]:
    """One department's part of an answered questionnaire (survey.results_shared), as the
    CRM keeps it: scores and low-scored topics, never the guest's words."""
    return {
        "survey_id": share.survey_id,
        "kind": share.kind,
        "department": share.department,
        "stay_id": share.stay_id,
        "scores": dict(share.scores),
        "low_topics": list(share.low_topics),
        "answered_at": share.answered_at,
    }


def merged_feedback(a: dict[str, Any], b: dict[str, Any]) -> dict[str, Any]:
    survey_ids = sorted({*a.get("survey_ids", []), *b.get("survey_ids", [])})
    case_ids = sorted({*a.get("case_ids", []), *b.get("case_ids", [])})
    return {
        "survey_ids": survey_ids,
        "case_ids": case_ids,
        "responses": a.get("responses", 0) + b.get("responses", 0),
        "csat_total": a.get("csat_total", 0.0) + b.get("csat_total", 0.0),
        "csat_count": a.get("csat_count", 0) + b.get("csat_count", 0),
        "low_scores": a.get("low_scores", 0) + b.get("low_scores", 0),
        "last_nps": a.get("last_nps") if a.get("last_nps") is not None else b.get("last_nps"),
        "last_problem_at": max(
            (x for x in (a.get("last_problem_at"), b.get("last_problem_at")) if x), default=None
        ),
        "reopened_cases": sorted({*a.get("reopened_cases", []), *b.get("reopened_cases", [])}),
        "history": sorted(
            {
                (h["survey_id"], h["department"]): h
                for h in [*a.get("history", []), *b.get("history", [])]
            }.values(),
            key=lambda h: h["answered_at"],
        )[-SATISFACTION_HISTORY:],
    }


# --- segments and lifecycle -------------------------------------------------------

HIGH_VALUE_SPEND = Decimal("20000")
REGULAR_STAYS = 3
WINDOW = timedelta(days=365)

SEGMENT_RULES = {
    "high-value": f"spend of {HIGH_VALUE_SPEND} or more in the last 12 months, "
    "or tier Gold or higher",
    "regular": f"{REGULAR_STAYS} or more stays in the last 12 months",
    "at-risk": "a low survey score or a complaint case in the last 12 months",
    "business": "most stays booked by one adult, without children, arriving Monday to Thursday, "
    "or any booking through the corporate channel",
    "family": "any booking with children or a family request",
}
LIFECYCLE_RULES = {
    "new": "no completed stay yet, or the first stay within the last 90 days",
    "active": "a stay within the last 12 months",
    "lapsing": "last stay 12 to 24 months ago",
    "lost": "last stay more than 24 months ago",
}


def _day(value: Any) -> date:
    return value if isinstance(value, date) else date.fromisoformat(value)


def segments_of(guest: dict[str, Any], today: date) -> list[str]:
    stays = guest.get("stays", [])
    recent = [s for s in stays if today - _day(s["departure"]) <= WINDOW]
    spend = sum((Decimal(s["total_spend"]) for s in recent), Decimal(0))
    reservations = guest.get("reservations", [])
    feedback = guest.get("feedback") or {}
    segments = []
    if spend >= HIGH_VALUE_SPEND or tier_of(guest.get("tier")).rank >= 2:
        segments.append("high-value")
    if len(recent) >= REGULAR_STAYS:
        segments.append("regular")
    problem_at = feedback.get("last_problem_at")
    if problem_at and today - problem_at.date() <= WINDOW:
        segments.append("at-risk")
    business_like = [
        r
        for r in reservations
        if r.get("adults") == 1 and not r.get("children") and _day(r["arrival"]).weekday() < 4
    ]
    if any(r.get("channel") == "corporate" for r in reservations) or (
        reservations and len(business_like) * 2 > len(reservations)
    ):
        segments.append("business")
    if any(r.get("children") or "family" in r.get("special_requests", []) for r in reservations):
        segments.append("family")
    return segments


def lifecycle_of(guest: dict[str, Any], today: date) -> str:
    departures = sorted(_day(s["departure"]) for s in guest.get("stays", []))
    if not departures or today - departures[0] <= timedelta(days=90):
        return "new"
    since = today - departures[-1]
    if since <= WINDOW:
        return "active"
    if since <= 2 * WINDOW:
        return "lapsing"
    return "lost"


# --- campaigns ------------------------------------------------------------------

HOLIDAYS = {(1, 1): "new-year", (12, 25): "christmas"}
CELEBRATION_REQUESTS = {"celebration", "birthday", "anniversary", "honeymoon"}


def request_kinds(reservation: dict[str, Any]) -> set[str]:
    """The kinds of a booking's special requests: reservation sends them as text,
    "celebration: anniversary" or just "celebration" (issue 18: the detail hid the kind)."""
    return {r.split(":", 1)[0].strip().lower() for r in reservation.get("special_requests", [])}


def contact_channel(profile: dict[str, Any]) -> str | None:
    """E-mail first, SMS otherwise; None without marketing consent or a way to reach."""
    consent = (profile.get("consents") or {}).get("marketing")
    if not consent or not consent["granted"]:
        return None
    if profile.get("email"):
        return "email"
    if profile.get("phone"):
        return "sms"
    return None


CAMPAIGN_TEMPLATES = {
    "birthday-greeting": (
        "Happy birthday from {hotel}",
        "Dear {name},\n\nall of us at {hotel} wish you a happy birthday. "
        "A small surprise waits for you on your next stay.\n",
    ),
    "new-year-greeting": (
        "Happy New Year from {hotel}",
        "Dear {name},\n\nthank you for staying with us. We wish you a happy "
        "new year and look forward to welcoming you again.\n",
    ),
    "christmas-greeting": (
        "Season's greetings from {hotel}",
        "Dear {name},\n\nwarm wishes for the holidays from all of us at {hotel}.\n",
    ),
    "win-back-offer": (
        "We miss you at {hotel}",
        "Dear {name},\n\nit has been a while. Book your next stay within "
        "three months and earn double points on it.\n",
    ),
    "celebration-gift": (
        "Your celebration at {hotel}",
        "Dear {name},\n\nwe heard you are celebrating with us: a small "
        "gift will be waiting in your room.\n",
    ),
    "vip-gift": (
        "Welcome back to {hotel}",
        "Dear {name},\n\nwe look forward to your stay; a welcome gift will be "
        "waiting in your room.\n",
    ),
    # issue 18 (care.py): the lunar festivals, and the card after a VIP's or a
    # celebrating guest's stay
    "spring-festival-greeting": (
        "Happy Spring Festival from {hotel} / 春节快乐",
        "Dear {name},\n\nall of us at {hotel} wish you and your family a happy "
        "Spring Festival and a prosperous new year. 新春快乐,万事如意!\n",
    ),
    "mid-autumn-greeting": (
        "Happy Mid-Autumn Festival from {hotel} / 中秋快乐",
        "Dear {name},\n\nunder the full moon, all of us at {hotel} wish you a "
        "happy Mid-Autumn Festival with the ones you love. 中秋节快乐,阖家团圆!\n",
    ),
    # issue 18 (offers.py): acquisition, business and family offers
    "welcome-offer": (
        "Your first stay at {hotel}: a welcome offer",
        "Dear {name},\n\nwelcome to our membership. Book your first stay within three "
        "months and we will upgrade your room when one is free.\n",
    ),
    "business-offer": (
        "For your business trips: {hotel}",
        "Dear {name},\n\nfor your next business stay: late check-out, free meeting-room "
        "hour and double points on weekday nights.\n",
    ),
    "family-offer": (
        "A family package at {hotel}",
        "Dear {name},\n\nour family package: a connecting or family room, children's "
        "amenities and breakfast for children under twelve.\n",
    ),
    "post-stay-card": (
        "Thank you for celebrating with us at {hotel}",
        "Dear {name},\n\nthank you for your stay. It was a pleasure to look after "
        "you; a small token of our thanks is on its way, and we hope to welcome you again.\n",
    ),
}


def campaign_sms(template: str, *, first_name: str, hotel_name: str) -> str:
    """The same message as a text: the subject line says it all."""
    subject, _ = CAMPAIGN_TEMPLATES[template]
    name = f"{first_name}, " if first_name else ""
    return f"{hotel_name}: {name}{subject.format(hotel=hotel_name)}. Reply TD to stop."


def campaign_mail(
    template: str, *, to: str, first_name: str, hotel_name: str, sender: str
) -> EmailMessage:
    subject, body = CAMPAIGN_TEMPLATES[template]
    message = EmailMessage()
    message["From"], message["To"] = sender, to
    message["Subject"] = subject.format(hotel=hotel_name)
    message.set_content(
        body.format(hotel=hotel_name, name=first_name or "guest")
        + "\nTo stop these messages, reply STOP or change your preferences.\n"
    )
    return message


def scheduled_actions(guest: dict[str, Any], today: date) -> list[dict[str, str]]:
    """Greetings and win-back offers due today; each keyed so it goes out once."""
    profile = guest.get("profile") or {}
    guest_id = guest["_id"]
    actions = []
    birthday = profile.get("birthday")
    if birthday and (_day(birthday).month, _day(birthday).day) == (today.month, today.day):
        actions.append(
            {"action_id": f"birthday|{today.year}|{guest_id}", "template": "birthday-greeting"}
        )
    holiday = HOLIDAYS.get((today.month, today.day))
    if holiday and guest.get("lifecycle") in ("active", "lapsing"):
        actions.append(
            {
                "action_id": f"holiday|{today.isoformat()}|{guest_id}",
                "template": f"{holiday}-greeting",
            }
        )
    if guest.get("lifecycle") in ("lapsing", "lost"):
        last = max((_day(s["departure"]) for s in guest.get("stays", [])), default=None)
        actions.append({"action_id": f"win-back|{last}|{guest_id}", "template": "win-back-offer"})
    return actions


def reservation_actions(guest: dict[str, Any], reservation: dict[str, Any]) -> list[dict[str, str]]:
    """Gifts announced when a VIP or a celebrating guest books."""
    actions = []
    if request_kinds(reservation) & CELEBRATION_REQUESTS:
        actions.append(
            {
                "action_id": f"celebration|{reservation['reservation_id']}",
                "template": "celebration-gift",
            }
        )
    if (guest.get("profile") or {}).get("vip") or tier_of(guest.get("tier")).rank >= 3:
        actions.append(
            {"action_id": f"vip-gift|{reservation['reservation_id']}", "template": "vip-gift"}
        )
    return actions


# --- the public profile (what guest.created / guest.updated carry) ------------------


def projection(guest: dict[str, Any]) -> dict[str, Any]:
    profile = guest.get("profile") or {}
    consents = profile.get("consents") or {}
    return {
        "guest_id": guest["_id"],
        "first_name": profile.get("first_name"),
        "last_name": profile.get("last_name"),
        "email": profile.get("email"),
        "phone": profile.get("phone"),
        "language": profile.get("language") or "en",
        "member_number": guest.get("member_number"),
        "tier": guest.get("tier") or ("Member" if guest.get("member_number") else None),
        # issue 18 (seed 001 一): high-value guests get VIP treatment at the desk too
        "vip": bool(profile.get("vip"))
        or tier_of(guest.get("tier")).rank >= 3
        or "high-value" in (guest.get("segments") or []),
        "preferences": profile.get("preferences") or {},
        "consents": {
            "marketing": bool(consents.get("marketing", {}).get("granted", False)),
            "surveys": bool(consents.get("surveys", {}).get("granted", True)),
        },
        "segments": guest.get("segments") or [],
        # issue 18: perks take effect at the desk (fast lane, late check-out fee waived)
        "perks": list(tier_of(guest.get("tier")).perks) if guest.get("member_number") else [],
    }


# --- HTTP models ----------------------------------------------------------------------


class Input(BaseModel):
    model_config = ConfigDict(extra="forbid")


class ConsentUpdate(Input):
    granted: bool
    source: Literal["web", "app", "desk", "phone", "email", "paper"]


class ProfileUpdate(Input):
    language: str | None = Field(default=None, min_length=2, max_length=10)
    birthday: date | None = None
    phone: str | None = Field(default=None, min_length=6, max_length=30)
    vip: bool | None = None
    preferences: (
        dict[
            Literal[
                "room",
                "pillow",
                "floor",
                "food",
                "dietary",
                "amenities",
                "housekeeping",
                "fixed_room",
            ],
            list[str],
        ]
        | None
    ) = None
    consents: dict[Literal["marketing", "surveys"], ConsentUpdate] | None = None

    @field_validator("preferences")
    @classmethod
    def habits_and_fixed_room_are_well_formed(
        cls, value: dict[str, list[str]] | None
    ) -> dict[str, list[str]] | None:
        """`housekeeping`: no_service, time:HH:MM, linen_every:N; `fixed_room`: the one
        room a long-stay guest always gets (the desk gives it when free)."""
        if not value:
            return value
        for habit in value.get("housekeeping", []):
            if not HOUSEKEEPING_HABIT.match(habit):
                raise ValueError(
                    f"housekeeping habit {habit!r}: use no_service, time:HH:MM "
                    "or linen_every:N (1-30)"
                )
        rooms = value.get("fixed_room", [])
        if len(rooms) > 1 or any(not ROOM_NUMBER.match(room) for room in rooms):
            raise ValueError("fixed_room: at most one room number")
        return value


class GuestLookup(Input):
    email: str | None = Field(default=None, max_length=254)
    phone: str | None = Field(default=None, max_length=30)
    member_number: str | None = Field(default=None, max_length=20)

    @model_validator(mode="after")
    def one_at_least(self) -> GuestLookup:
        if not (self.email or self.phone or self.member_number):
            raise ValueError("give an e-mail, a phone or a member number")
        return self


class EnrolmentCreate(Input):
    source: Literal["web", "app", "desk", "phone"] = "desk"
    marketing_consent: bool = False


class RedemptionCreate(Input):
    points: int = Field(gt=0, le=10_000_000)
    kind: Literal["night", "voucher"]
    request_id: str = Field(
        min_length=1, max_length=100, description="Names the redemption: the same id redeems once"
    )
    # Issue 18: applied to one of the guest's bookings, reservation honours it (a night
    # of the stay at 0, or a voucher worth points / VOUCHER_POINTS_PER_CURRENCY_UNIT off).
    reservation_id: str | None = Field(default=None, min_length=1, max_length=100)
    night: date | None = Field(default=None, description="the night redeemed (kind night)")

    @model_validator(mode="after")
    def _night_for_a_booking(self) -> RedemptionCreate:
        if self.reservation_id and self.kind == "night" and self.night is None:
            raise ValueError("a night redeemed for a booking names the night")
        if self.night is not None and (self.kind != "night" or not self.reservation_id):
            raise ValueError("a night is named only for a night redeemed for a booking")
        return self


class ReversalCreate(Input):
    entry_id: str = Field(min_length=1, max_length=200)
    reason: str = Field(min_length=1, max_length=200)


class MergeRequest(Input):
    duplicate_guest_id: str = Field(min_length=1, max_length=100)
    reason: str = Field(default="same person", min_length=1, max_length=200)


class DuplicateDecision(Input):
    """A manager's decision on a possible duplicate, with why (audited)."""

    decision: Literal["merge", "distinct"]
    reason: str = Field(min_length=1, max_length=200)


class ErasureRequest(Input):
    reason: str = Field(default="guest request", max_length=200)


class LedgerEntryPublic(BaseModel):
    entry_id: str
    kind: str = "earn"
    points: int
    reason: str
    stay_id: str | None = None
    reservation_id: str | None = None
    balance_after: int | None = None
    created_at: datetime
    # issue 18: what a redemption paid for, and the redemption a return gives back
    redeemed_for: str | None = None
    night: date | None = None
    voucher_value: Decimal | None = None
    reverses: str | None = None


class PointsPublic(BaseModel):
    guest_id: str
    balance: int
    tier: str
    entries: list[LedgerEntryPublic]
