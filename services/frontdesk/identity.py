"""Registration documents: the checks a desk makes before it hands over a key. No I/O.

A Chinese resident identity number (GB 11643-1999) is 18 characters: a 6-digit region
code, the birth date (YYYYMMDD), a 3-digit sequence and a check character computed
from the first 17 digits (ISO 7064 MOD 11-2). A passport must be valid for the whole
stay. Error messages never repeat the number: they reach responses and logs.
"""

from __future__ import annotations

import re
from datetime import date
from enum import StrEnum

_CN_ID = re.compile(r"^\d{17}[\dX]$")
_CN_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
_CN_ID_CHECK = "10X98765432"
_PASSPORT = re.compile(r"^[A-Z0-9]{5,20}$")
_OTHER_DOCUMENT = re.compile(r"^[A-Z0-9-]{4,30}$")


class DocumentType(StrEnum):
    CN_RESIDENT_ID = "cn_resident_id"
    PASSPORT = "passport"
    OTHER = "other"  # e.g. a Mainland travel permit, checked for format only


class DocumentRejected(ValueError):
    """The document cannot register a guest; the message is safe to show and log."""


def normalise_document_number(number: str) -> str:
    return number.strip().replace(" ", "").upper()


def cn_resident_id_check_character(first_17_digits: str) -> str:
    digits = zip(first_17_digits, _CN_ID_WEIGHTS, strict=True)
    total = sum(int(digit) * weight for digit, weight in digits)
    return _CN_ID_CHECK[total % 11]


def check_cn_resident_id(number: str, today: date) -> None:
    if not _CN_ID.match(number):
        raise DocumentRejected("a resident ID number has 17 digits and a check digit or X")
    try:
        born = date(int(number[6:10]), int(number[10:12]), int(number[12:14]))
    except ValueError:
        raise DocumentRejected("the resident ID number holds no valid birth date") from None
    if born > today or born.year < 1900:
        raise DocumentRejected("the resident ID number holds an impossible birth date")
    if cn_resident_id_check_character(number[:17]) != number[17]:
        raise DocumentRejected("the resident ID number's check digit does not match")


def check_document(
    kind: DocumentType, number: str, expires_on: date | None, *, today: date, departure: date
) -> None:
    """Raises DocumentRejected when the document cannot register this stay."""
    if kind is DocumentType.CN_RESIDENT_ID:
        check_cn_resident_id(number, today)
    elif kind is DocumentType.PASSPORT:
        if not _PASSPORT.match(number):
            raise DocumentRejected("a passport number has 5 to 20 letters or digits")
        if expires_on is None:
            raise DocumentRejected("a passport needs its expiry date")
        if expires_on < today:
            raise DocumentRejected("the passport has expired")
        if expires_on < departure:
            raise DocumentRejected("the passport expires before the departure date")
    elif not _OTHER_DOCUMENT.match(number):
        raise DocumentRejected("the document number has 4 to 30 letters, digits or dashes")
    if expires_on is not None and expires_on < today:
        raise DocumentRejected("the document has expired")
