"""Integrator commands and their reports: OTA-style messages on `hotel.commands`.

An integrator (an OTA, a group desk, a channel manager) publishes a command to
`hotel.commands` with the command type as routing key (`reservation.create`,
`reservation.amend`, `reservation.cancel`). Every command names the channel's own
reference for the booking (`source_reference`): the same reference twice is one booking.
The hotel answers each command with a report on `hotel.reports`, routing key
`reservation.report.<channel>`: accepted (with the confirmation number) or rejected
(with the reason). Reports are answered at least once: an integrator dedupes them by
`report_id`, which is the same for every answer to one command.

Like events, commands and reports ignore fields they do not know (versioning: adding
an optional field keeps the version). Payment travels as a token, never a card number.
"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime
from typing import Annotated, Any, ClassVar, Generic, Literal, TypeVar

from pydantic import BaseModel, ConfigDict, EmailStr, Field

from shared.sensitive import Reference
from shared.topology import REPORTS_EXCHANGE

ChannelName = Annotated[str, Field(pattern=r"^[a-z0-9][a-z0-9-]{1,39}$")]
SourceReference = Annotated[str, Field(min_length=1, max_length=80, pattern=r"^[A-Za-z0-9_.:/-]+$")]


class CommandContract(BaseModel):
    model_config = ConfigDict(extra="ignore", frozen=True)


P = TypeVar("P", bound=CommandContract)


class Command(CommandContract, Generic[P]):
    """The envelope. `command_id` is also the AMQP message_id; `type` the routing key."""

    command_type: ClassVar[str]

    command_id: uuid.UUID
    type: str
    channel: ChannelName  # who sent it: "booking-com", "expedia", "acme-travel"
    source_reference: SourceReference  # the channel's own id for the booking
    property_id: str
    sent_at: datetime
    correlation_id: str | None = None
    schema_version: int = 1
    payload: P


class CommandGuest(CommandContract):
    first_name: str
    last_name: str
    email: EmailStr
    phone: str | None = None


class CommandBooker(CommandContract):
    first_name: str
    last_name: str
    email: EmailStr | None = None
    phone: str | None = None
    company: str | None = None


class CommandPayment(CommandContract):
    method: str
    token: Annotated[str, Reference(200)] | None = (
        None  # the payment provider's token, never a card number
    )


class CreateReservationPayload(CommandContract):
    guest: CommandGuest
    booker: CommandBooker | None = None
    room_type: str
    arrival: date
    departure: date
    adults: int
    children: int = 0
    room_count: int = 1
    rate_plan: str | None = None
    segment: Literal["ota", "group", "corporate"] = "ota"
    block_id: str | None = None
    payment: CommandPayment | None = None
    special_requests: list[str] = []


class ReservationCreateCommand(Command[CreateReservationPayload]):
    command_type = "reservation.create"
    type: Literal["reservation.create"] = "reservation.create"


class AmendReservationPayload(CommandContract):
    arrival: date | None = None
    departure: date | None = None
    room_type: str | None = None
    adults: int | None = None
    children: int | None = None
    room_count: int | None = None
    special_requests: list[str] | None = None
    # issue 18: why the guest changed the booking; absent, the channel's own change
    reason: str | None = Field(default=None, max_length=200)


class ReservationAmendCommand(Command[AmendReservationPayload]):
    command_type = "reservation.amend"
    type: Literal["reservation.amend"] = "reservation.amend"


class CancelReservationPayload(CommandContract):
    reason: str | None = None


class ReservationCancelCommand(Command[CancelReservationPayload]):
    command_type = "reservation.cancel"
    type: Literal["reservation.cancel"] = "reservation.cancel"


ALL_COMMANDS: tuple[type[Command[Any]], ...] = (
    ReservationCreateCommand,
    ReservationAmendCommand,
    ReservationCancelCommand,
)
COMMANDS_BY_TYPE = {command.command_type: command for command in ALL_COMMANDS}


class ReservationReport(CommandContract):
    """The answer to one command."""

    report_id: uuid.UUID
    type: Literal["reservation.report"] = "reservation.report"
    command_id: uuid.UUID
    command_type: str
    channel: str
    source_reference: str
    property_id: str
    status: Literal["accepted", "rejected"]
    reservation_id: str | None = None
    confirmation_number: str | None = None
    reservation_status: str | None = None
    reason: str | None = None
    occurred_at: datetime = Field(default_factory=lambda: datetime.now(UTC))

    @staticmethod
    def id_for(command_id: uuid.UUID, status: str) -> uuid.UUID:
        """Every answer to one command with one outcome has one id."""
        return uuid.uuid5(command_id, status)

    @property
    def routing_key(self) -> str:
        return f"reservation.report.{self.channel}"


def report_outbox_entry(
    report: ReservationReport, *, producer: str, correlation_id: str | None = None
) -> dict[str, Any]:
    """An outbox entry the relay publishes to `hotel.reports` (see shared/outbox.py).
    Each sending is its own message (message_id); a repeated answer keeps its report_id."""
    return {
        "event_id": str(uuid.uuid4()),
        "type": report.type,
        "correlation_id": correlation_id or str(report.command_id),
        "producer": producer,
        "occurred_at": report.occurred_at,
        "body": report.model_dump_json(),
        "exchange": REPORTS_EXCHANGE,
        "routing_key": report.routing_key,
    }
