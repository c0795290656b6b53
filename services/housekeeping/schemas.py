"""What the housekeeping API accepts: strict inputs, so bad input writes nothing."""

from __future__ import annotations

from decimal import Decimal
from typing import Annotated, Literal, get_args

from pydantic import AfterValidator, AwareDatetime, BaseModel, ConfigDict, Field

from shared.sensitive import FreeText, refuse_sensitive_numbers

from .domain import RoomStatus
from .maintenance_requests import CATEGORIES

Name = Annotated[str, Field(min_length=1, max_length=80)]
# Free text a card or ID number could be typed into: refused with a 422 naming the field.
Description = Annotated[
    str, Field(min_length=1, max_length=500), AfterValidator(refuse_sensitive_numbers)
]
Category = Literal["air_conditioning", "tv", "network", "bathroom", "furniture", "safety", "other"]
assert set(CATEGORIES) == set(get_args(Category))  # one list of categories
Priority = Literal["low", "normal", "high", "urgent"]


class Strict(BaseModel):
    model_config = ConfigDict(extra="forbid")


class TaskStart(Strict):
    attendant: Name


class TaskFinish(Strict):
    completed_items: list[Name] = Field(
        description="the checklist items done; every item of the task's checklist is required"
    )


class MaintenanceIssue(Strict):
    category: Category
    description: Description
    priority: Priority = "normal"


class InspectionCreate(Strict):
    inspector: Name | None = (
        None  # ignored: the signed-in credential is the acting person (issue 15)
    )
    passed: bool
    notes: Annotated[str, FreeText(1000)] | None = None
    failed_items: list[Name] = []
    maintenance: list[MaintenanceIssue] = Field(
        default=[],
        description=("faults found: each becomes a maintenance request from the inspection"),
    )


class ChargeIn(Strict):
    description: Annotated[
        str, Field(min_length=1, max_length=200), AfterValidator(refuse_sensitive_numbers)
    ]
    quantity: Annotated[int, Field(ge=1, le=100)] = 1
    amount: Annotated[Decimal, Field(ge=0, max_digits=12, decimal_places=2)]


class RoomCheckCreate(Strict):
    checked_by: Name | None = (
        None  # ignored: the signed-in credential is the acting person (issue 15)
    )
    damages: list[ChargeIn] = []
    missing_items: list[ChargeIn] = []
    minibar: list[ChargeIn] = []
    currency: Annotated[str, Field(pattern=r"^[A-Z]{3}$")] = "CNY"


class MaintenanceCreate(Strict):
    room_number: Name
    category: Category
    priority: Priority = "normal"
    description: Description
    reported_by: Name | None = (
        None  # ignored: the signed-in credential is the acting person (issue 15)
    )
    source: Literal["guest", "staff", "inspection"] = "staff"


class MaintenanceUpdate(Strict):
    status: Literal["in_progress", "resolved", "cancelled"]


class PeriodCreate(Strict):
    kind: Literal["out_of_order", "out_of_service"] = "out_of_order"
    start: AwareDatetime
    end: AwareDatetime
    reason: Annotated[
        str, Field(min_length=1, max_length=300), AfterValidator(refuse_sensitive_numbers)
    ]
    return_status: RoomStatus | None = Field(
        default=None,
        description=("the status when the period ends; by default the cleanliness it had before"),
    )
    request_id: str | None = None


class PeriodEndChange(Strict):
    """A running (or scheduled) period ended early or extended: its new end. An end at
    or before now ends it at once."""

    end: AwareDatetime | None = Field(default=None, description="omit to end it now")


class DoNotDisturb(Strict):
    on: bool


class PlanCreate(Strict):
    attendants: list[Name] | None = Field(default=None, min_length=1, max_length=100)


MAX_STOCK = 10_000_000  # and a whole number MongoDB can store (64-bit)


class StockUpdate(Strict):
    on_hand: Annotated[int, Field(ge=0, le=MAX_STOCK)] | None = None
    reorder_point: Annotated[int, Field(ge=0, le=MAX_STOCK)] | None = None


class StockReceipt(Strict):
    quantity: Annotated[int, Field(ge=1, le=100000)]
