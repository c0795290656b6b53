"""Recognising ID and payment card numbers in text, to keep them out of free-text fields.

A guest types "please charge my card 4111 1111 1111 1111" into special requests: stored
as is, a card number lands in a database outside any PCI scope, and travels in events.
`FreeText` refuses such input at the edge (a 422 naming the field, never the value):

    special_requests: list[Annotated[str, FreeText(200)]]
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import date
from typing import Annotated

from annotated_types import GroupedMetadata, MaxLen, MinLen
from pydantic import AfterValidator

# A PRC resident ID: 17 digits and a digit or X, not inside a longer number.
ID_NUMBER = re.compile(r"(?<![0-9])\d{17}[0-9Xx](?![0-9])")
# The same 18 characters written in groups ("110105 19491231 002X", "110105.19491231.002X",
# "110105/19491231/002X"): taken for an ID number only when its birth date and check
# digit are valid, since a list of room numbers ("101 102 103 104 105 106") has 18 digits
# and separators too.
SEPARATED_ID_CANDIDATE = re.compile(
    r"(?<![0-9A-Za-z])(?<![0-9A-Za-z]-)(?<![0-9][ ./])"
    r"\d(?:[ ./-]?\d){16}[ ./-]?[0-9Xx]"
    r"(?![ ./-]?[0-9])(?![A-Za-z])(?!-[A-Za-z])"
)
_ID_WEIGHTS = (7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2)
# 13-19 digits, spaces or dashes between, not part of a longer digit run and not glued
# to letters (a UUID's all-digit segments, "e3-3567-4123-8234-1a", are no card), passing
# the Luhn check: a payment card number.
# Separators: space, dash, dot or slash ("4111.1111.1111.1111", "4111/1111/...").
CARD_CANDIDATE = re.compile(
    r"(?<![0-9A-Za-z])(?<![0-9A-Za-z]-)(?<![0-9][ ./])"
    r"\d(?:[ ./-]?\d){12,18}"
    r"(?![ ./-]?[0-9])(?![A-Za-z])(?!-[A-Za-z])"
)


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def id_number_valid(characters: str) -> bool:
    """A PRC resident ID's birth date (characters 7-14) and check digit (ISO 7064)."""
    try:
        born = date(int(characters[6:10]), int(characters[10:12]), int(characters[12:14]))
    except ValueError:
        return False
    weighted = sum(int(c) * w for c, w in zip(characters[:17], _ID_WEIGHTS, strict=True))
    check = "10X98765432"[weighted % 11]
    return born.year >= 1900 and characters[17].upper() == check


def sensitive_numbers(text: str) -> list[str]:
    """The kinds of sensitive numbers in `text`, one entry per finding."""
    found = ["ID number" for _ in ID_NUMBER.finditer(text)]
    found += [
        "ID number"
        for match in SEPARATED_ID_CANDIDATE.finditer(text)
        if re.search(r"[ ./-]", match.group())  # unseparated ones were found above
        and id_number_valid(re.sub(r"[ ./-]", "", match.group()))
    ]
    found += [
        "card number"
        for match in CARD_CANDIDATE.finditer(text)
        if luhn_valid(re.sub(r"\D", "", match.group()))
    ]
    return found


def refuse_sensitive_numbers(text: str) -> str:
    if kinds := sensitive_numbers(text):
        raise ValueError(
            f"must not contain {'an' if kinds[0][0] in 'aeiouAEIOU' else 'a'} {kinds[0]}; "
            "the desk takes those in person"
        )
    return text


@dataclass(frozen=True)
class FreeText(GroupedMetadata):
    """A free-text field: bounded, and never a card or ID number (a 422 naming the
    field). Metadata for pydantic: `Annotated[str, FreeText(200)]`."""

    max_length: int

    def __iter__(self) -> Iterator[object]:
        yield MaxLen(self.max_length)
        yield AfterValidator(refuse_sensitive_numbers)

    def __class_getitem__(cls, max_length: int) -> object:
        # The older spelling `FreeText[200]`, kept working for branches written before it
        # it changed; mypy refuses it (an int is no type), so new code writes Annotated.
        return Annotated[str, cls(max_length)]


@dataclass(frozen=True)
class Reference(GroupedMetadata):
    """A reference or token field (a ticket number, the payment provider's token
    reference): bounded, not empty, and never a card or ID number (a 422 naming the
    field). Metadata for pydantic: `Annotated[str, Reference(100)]`."""

    max_length: int

    def __iter__(self) -> Iterator[object]:
        yield MinLen(1)
        yield MaxLen(self.max_length)
        yield AfterValidator(refuse_sensitive_numbers)

    def __class_getitem__(cls, max_length: int) -> object:
        return Annotated[str, cls(max_length)]
