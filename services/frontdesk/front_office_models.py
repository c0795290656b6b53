"""What the front office is asked: an opinion at check-out, a walk to a partner hotel, a
log entry and a shift handover (the routes' bodies, front_office_api.py)."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field

from shared.sensitive import FreeText

from .domain import Money, _Input


class OpinionCreate(_Input):
    score: int = Field(ge=1, le=5, description="1 (very unhappy) to 5 (delighted)")
    comment: Annotated[str, FreeText(1000)] | None = None
    # ignored: the signed-in credential asked (issue 15), as for complaints
    taken_by: str | None = Field(default=None, max_length=100)


class WalkCreate(_Input):
    partner_hotel: str = Field(min_length=2, max_length=120)
    nights: int = Field(ge=1, le=30)
    room_cost: Money = Field(ge=0, max_digits=12, decimal_places=2)
    transport_cost: Money = Field(default=Decimal("0"), ge=0, max_digits=12, decimal_places=2)
    reason: Annotated[str, FreeText(300)] = Field(min_length=3)


class LogEntryCreate(_Input):
    kind: Literal["note", "follow_up"] = "note"
    text: Annotated[str, FreeText(1000)] = Field(min_length=1)
    stay_id: str | None = Field(default=None, max_length=60)
    reservation_id: str | None = Field(default=None, max_length=60)


class HandoverCreate(_Input):
    shift: str = Field(min_length=1, max_length=40, description="e.g. morning, evening, night")
    notes: Annotated[str, FreeText(2000)] | None = None
