"""Finds personal data where it must not be: ID numbers, card numbers, given phone numbers."""

from __future__ import annotations

import re
from collections.abc import Iterable
from pathlib import Path

from shared.sensitive import sensitive_numbers


def find_personal_data(text: str, phones: Iterable[str] = ()) -> list[str]:
    """What in `text` is an ID number, a card number or one of `phones` in clear (in any
    spacing). Returns the kinds found, one entry per finding."""
    found = sensitive_numbers(text)
    digits_only = re.sub(r"[ ()-]", "", text)
    found += [
        "phone"
        for phone in phones
        for _ in re.finditer(re.escape(re.sub(r"\D", "", phone)), digits_only)
    ]
    return found


def read_tree(folder: Path) -> dict[str, str]:
    """Every file under `folder` as text (BSON journals included: their strings are UTF-8)."""
    return {
        str(path.relative_to(folder)): path.read_bytes().decode("utf-8", "replace")
        for path in sorted(folder.rglob("*"))
        if path.is_file()
    }
