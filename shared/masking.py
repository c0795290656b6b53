"""Contact details as responses show them by default: masked (issue 15).

An e-mail keeps its first character and its domain (`m•••@example.com`: enough to tell
two addresses apart on the phone with the guest), a phone its last four digits. Clear
values leave only through a reveal with a reason, recorded first (shared/audit.py).
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import Any

from shared.crypto import mask

CONTACT_FIELDS = ("email", "phone")
HIDDEN = "***"


def mask_email(email: str) -> str:
    local, at, domain = email.partition("@")
    if not at:
        return mask(email)
    return f"{local[:1]}{HIDDEN}@{domain}"


def mask_phone(phone: str) -> str:
    digits = "".join(c for c in phone if c.isdigit())
    return f"{HIDDEN}{digits[-4:]}" if len(digits) > 4 else HIDDEN


MASKS = {"email": mask_email, "phone": mask_phone}


def masked_contact(
    record: Mapping[str, Any] | None, fields: Iterable[str] = CONTACT_FIELDS
) -> dict[str, Any] | None:
    """A copy of `record` with its contact fields masked (None and absent stay so)."""
    if record is None:
        return None
    copy = dict(record)
    for field in fields:
        value = copy.get(field)
        if isinstance(value, str) and value:
            copy[field] = MASKS.get(field, mask)(value)
    return copy


def contact_fields_present(*records: Mapping[str, Any] | None) -> list[str]:
    """Which contact fields hold a value in any of the records (what a reveal shows)."""
    return [f for f in CONTACT_FIELDS if any(r and r.get(f) for r in records)]
