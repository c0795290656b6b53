"""The `$set` a rule's result needs: a typed aggregate is read, a domain rule returns it
moved, and the repository writes only what changed, under the same guards as before."""

from __future__ import annotations

from typing import Any


def changed_fields(before: dict[str, Any], after: dict[str, Any]) -> dict[str, Any]:
    """The fields of `after` whose value is new against `before` (a field `after` lacks is
    left as stored: a rule never unsets one)."""
    return {name: value for name, value in after.items() if before.get(name, ...) != value}
