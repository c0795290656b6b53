"""Finds personal data where it must not be: ID numbers, card numbers, given phone numbers."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

# A PRC resident ID: 17 digits and a digit or X, not inside a longer number.
ID_NUMBER = re.compile(r"(?<![0-9])\d{17}[0-9Xx](?![0-9])")
# 13-19 digits, spaces or dashes between, passing the Luhn check: a payment card.
# (Not part of a longer digit run, separators included: a UUID's digits are no card.)
CARD_CANDIDATE = re.compile(r"(?<![0-9])(?<![0-9][ -])\d(?:[ -]?\d){12,18}(?![ -]?[0-9])")


def luhn_valid(digits: str) -> bool:
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char)
        if position % 2:
            value = value * 2 - 9 if value > 4 else value * 2
        total += value
    return total % 10 == 0


def find_personal_data(text: str, phones: Iterable[str] = ()) -> list[str]:
    """What in `text` is an ID number, a card number or one of `phones` in clear (in any
    spacing). Returns the kinds found, one entry per finding."""
    found = ["id number" for _ in ID_NUMBER.finditer(text)]
    found += ["card number" for match in CARD_CANDIDATE.finditer(text)
              if luhn_valid(re.sub(r"\D", "", match.group()))]
    digits_only = re.sub(r"[ ()-]", "", text)
    found += ["phone" for phone in phones
              for _ in re.finditer(re.escape(re.sub(r"\D", "", phone)), digits_only)]
    return found


def read_tree(folder: Path) -> dict[str, str]:
    """Every file under `folder` as text (BSON journals included: their strings are UTF-8)."""
    return {str(path.relative_to(folder)): path.read_bytes().decode("utf-8", "replace")
            for path in sorted(folder.rglob("*")) if path.is_file()}
