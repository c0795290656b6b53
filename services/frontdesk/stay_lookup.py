"""A stay looked up by id for a use case: 404 when there is none, 409 when it has to be
in house and is not. One place, so the desk, the folio and the registration desk answer
alike."""

from __future__ import annotations

from typing import Any

from shared.errors import Conflict, NotFound

from .domain import StayStatus
from .repository import FrontDeskRepository


async def stay_or_404(repository: FrontDeskRepository, stay_id: str) -> dict[str, Any]:
    stay = await repository.stay(stay_id)
    if stay is None:
        raise NotFound(f"no stay {stay_id!r}")
    return stay


async def in_house_stay(
    repository: FrontDeskRepository, stay_id: str, *, closed: str = "is checked out"
) -> dict[str, Any]:
    """`closed`: what the refusal says of a stay no longer in house."""
    stay = await stay_or_404(repository, stay_id)
    if stay["status"] != StayStatus.IN_HOUSE:
        raise Conflict(f"stay {stay_id!r} {closed}")
    return stay
