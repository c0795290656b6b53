"""The rules that move a guest (issue 17, as feedback's `resolved`): each takes the Guest
aggregate as read and returns it moved (`model_copy`: only the fields the rule names are
new), None when there is nothing to do, or refuses with a DomainError. The write path
(GuestStore.move) sets the fields that changed, under the document's version.

A rule builds new values and never changes the ones it read: the write is what differs
between the two, so a value changed in place would not be written."""

from __future__ import annotations

from datetime import datetime
from typing import Any

from shared.errors import Conflict
from shared.events import GuestContactCaptured, GuestWalkInRegistered

from . import ledger
from .domain import (
    EnrolmentCreate,
    ProfileUpdate,
    consent_record,
    member_number_for,
    verified_name,
)
from .guest_aggregate import Guest


def profile_updated(guest: Guest, update: ProfileUpdate, now: datetime) -> Guest:
    """Contact, language, birthday, VIP as given; preferences by kind (each list a sorted
    set), consents by purpose with when and how each was given."""
    profile = dict(guest.profile)
    values = update.model_dump(exclude_unset=True, exclude={"consents", "preferences"})
    if "birthday" in values and values["birthday"] is not None:
        values["birthday"] = values["birthday"].isoformat()
    profile.update(values)
    if update.preferences is not None:
        chosen = {k: sorted(set(v)) for k, v in update.preferences.items()}
        profile["preferences"] = {**profile.get("preferences", {}), **chosen}
    if update.consents:
        profile["consents"] = {
            **profile.get("consents", {}),
            **{
                purpose: consent_record(c.granted, now, c.source)
                for purpose, c in update.consents.items()
            },
        }
    return guest.model_copy(update={"profile": profile})


def enrolled(guest: Guest, request: EnrolmentCreate, now: datetime) -> Guest | None:
    """A member from now, at the tier they hold or the base one; None for a member
    already (enrolling twice changes nothing)."""
    if guest.member_number:
        return None
    update: dict[str, Any] = {
        "member_number": member_number_for(guest.id),
        "enrolled_at": now,
        "enrolment_source": request.source,
        "tier": guest.tier or ledger.BASE_TIER.name,
    }
    if request.marketing_consent:
        update["profile"] = {
            **guest.profile,
            "consents": {
                **guest.profile.get("consents", {}),
                "marketing": consent_record(True, now, request.source),
            },
        }
    return guest.model_copy(update=update)


def contact_captured(
    guest: Guest, event: GuestContactCaptured | GuestWalkInRegistered
) -> Guest | None:
    """Unverified contact data (a booking's) only fills what the profile lacks; a
    verified one (a walk-in's registration) replaces it when it is the newest. None for a
    message older than an erasure: a replay must not bring erased data back."""
    contact = event.payload
    if guest.anonymized_at and guest.anonymized_at >= event.occurred_at:
        return None
    profile = dict(guest.profile)
    newer = not profile.get("contact_at") or profile["contact_at"] <= event.occurred_at
    captured = {
        "first_name": contact.first_name,
        "last_name": contact.last_name,
        **({"email": str(contact.email)} if contact.email else {}),
        **({"phone": contact.phone} if contact.phone else {}),
    }
    verified = verified_name(event)
    for name, value in captured.items():
        if (verified and newer) or not profile.get(name):
            profile[name] = value
    if newer:
        profile.update(language=contact.language, contact_at=event.occurred_at)
    return guest.model_copy(update={"profile": profile})


def referred(guest: Guest, referrer_id: str) -> Guest:
    """Brought by `referrer_id`; the first referrer named counts, and only for a guest
    who has not stayed yet."""
    if guest.referred_by or guest.stays:
        raise Conflict("this guest was referred already, or has stayed before")
    return guest.model_copy(update={"referred_by": referrer_id})


def merge_completed(duplicate: Guest, at: datetime) -> Guest:
    """The closed duplicate's merge finished: its survivor holds its history and points."""
    return duplicate.model_copy(update={"merge_completed_at": at})
