"""Integrator commands (OTAs, group desks): create, amend or cancel by the channel's own
reference, each answered with a report that rides in the same document write as its
effect (the reservation, or a command record when nothing else was written).

Repeats are harmless: the same channel reference books once (a unique index), and a
repeated command gets the same report again (same report id, so the integrator can
drop the copy).
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Set
from datetime import datetime
from typing import Any

from pydantic import ValidationError

from shared.broker_identity import integrator_channel, sender_of
from shared.clock import Clock
from shared.commands import (
    Command,
    CommandContract,
    ReservationAmendCommand,
    ReservationCancelCommand,
    ReservationCreateCommand,
    ReservationReport,
    report_outbox_entry,
)
from shared.consumer import ProducerNotAllowed, describe_error
from shared.errors import Conflict, DomainError, Refused
from shared.logging import get_logger

from .domain import ReservationCreate, ReservationStatus, ReservationUpdate
from .repository import ReservationRepository
from .service import PRODUCER, NoAvailability, ReservationService, StillInFlight

log = get_logger(__name__)


class Envelope(CommandContract):
    """What every command has, read before its payload so that a bad payload can still
    be answered with a rejection."""

    command_id: uuid.UUID
    type: str
    channel: str
    source_reference: str
    property_id: str
    sent_at: datetime
    correlation_id: str | None = None


class CommandRaced(Exception):
    """The booking changed between this command's read and its write: another copy of the
    same command, or another change, won. The retry reads it again and answers then (a
    repeat of an applied command gets the same answer)."""


class IntegratorCommands:
    def __init__(
        self,
        reservations: ReservationService,
        repository: ReservationRepository,
        clock: Clock,
        *,
        own_login: str | None = None,
        block_channels: Set[str] = frozenset(),
    ) -> None:
        self.reservations = reservations
        self.repository = repository
        self.clock = clock
        self.own_login = own_login
        self.block_channels = block_channels

    def sending_channel(self, raw: Any) -> str:
        """The integrator's channel, from the broker login that sent the command."""
        channel = integrator_channel(
            sender_of(raw.user_id, raw.headers, raw.exchange, self.own_login)
        )
        if channel is None:  # the consumer parks these before: a second line only
            raise ProducerNotAllowed("the command was not sent by an integrator login")
        return channel

    async def handle(
        self, body: dict[str, Any], command_class: type[Command[Any]], raw: Any
    ) -> None:
        if not isinstance(body, dict):
            raise ProducerNotAllowed("a command is a JSON object")
        channel = self.sending_channel(raw)
        claimed = body.get("channel")
        # The channel is who sent it: the body's word is replaced (and a different one
        # refused below, so nobody books, amends or cancels under another channel).
        envelope = Envelope.model_validate({**body, "channel": channel})  # else: parked
        try:
            if claimed != channel:
                raise Refused(f"this login speaks for channel {channel!r} only")
            if envelope.property_id != self.repository.property_id:
                raise Refused(
                    f"this is property {self.repository.property_id!r}, "
                    f"not {envelope.property_id!r}"
                )
            command = command_class.model_validate({**body, "channel": channel})
            block_id = getattr(command.payload, "block_id", None)
            if block_id and channel not in self.block_channels:
                raise Refused(f"channel {channel!r} may not book into group blocks")
            await self._apply(command)
        except (StillInFlight, CommandRaced):
            raise  # another copy is (or was just) at work: retry after it
        except (DomainError, ValidationError) as error:
            reason = error.detail if isinstance(error, DomainError) else describe_error(error)
            await self._reject(envelope, reason)

    async def _apply(self, command: Command[Any]) -> None:
        if isinstance(command, ReservationCreateCommand):
            await self._create(command)
            return
        existing = await self._by_reference(command)
        if existing is None:
            raise Refused(
                f"no reservation with reference {command.source_reference!r} from {command.channel}"
            )
        try:
            await self._change(command, existing)
        except NoAvailability:
            raise
        except Conflict as error:  # checked above on what we read, so it changed since
            raise CommandRaced(error.detail) from error

    async def _change(self, command: Command[Any], existing: dict[str, Any]) -> None:
        if isinstance(command, ReservationAmendCommand):
            if existing["status"] != ReservationStatus.CONFIRMED:
                raise Refused(f"the reservation is {existing['status']}")
            update = ReservationUpdate.model_validate(
                command.payload.model_dump(exclude_none=True, exclude={"reason"})
            )
            amended = await self.reservations.amend_reservation(
                existing["_id"],
                update,
                also_publish=self._accepted(command),
                reason=command.payload.reason or f"changed through channel {command.channel}",
            )
            if amended["version"] == existing["version"]:  # nothing changed: a repeat
                await self.reservations.publish_for(amended, self._accepted(command)(amended))
        elif isinstance(command, ReservationCancelCommand):
            if existing["status"] == ReservationStatus.CANCELLED:  # a repeat: same answer
                await self.reservations.publish_for(existing, self._accepted(command)(existing))
                return
            await self.reservations.cancel_reservation(
                existing["_id"], command.payload.reason, also_publish=self._accepted(command)
            )

    async def _create(self, command: ReservationCreateCommand) -> None:
        payload = command.payload
        request = ReservationCreate.model_validate(
            {
                **payload.model_dump(exclude_none=True, exclude={"segment"}),
                "channel": payload.segment,
                "source_reference": command.source_reference,
            }
        )
        reservation, created = await self.reservations.create_reservation(
            request, channel_name=command.channel, also_publish=self._accepted(command)
        )
        if not created:  # the same channel reference again: the same answer again
            await self.reservations.publish_for(reservation, self._accepted(command)(reservation))
        log.info(
            "integrator booking answered",
            channel=command.channel,
            created=created,
            reservation_id=reservation["_id"],
        )

    async def _by_reference(self, command: Command[Any]) -> dict[str, Any] | None:
        reference = f"{self.repository.property_id}|{command.channel}|{command.source_reference}"
        return await self.repository.by_field("channel_reference", reference)

    def _accepted(self, command: Command[Any]) -> Callable[[dict[str, Any]], list[dict[str, Any]]]:
        def entries(reservation: dict[str, Any]) -> list[dict[str, Any]]:
            report = ReservationReport(
                report_id=ReservationReport.id_for(command.command_id, "accepted"),
                command_id=command.command_id,
                command_type=command.type,
                channel=command.channel,
                source_reference=command.source_reference,
                property_id=self.repository.property_id,
                status="accepted",
                reservation_id=reservation["_id"],
                confirmation_number=reservation["confirmation_number"],
                reservation_status=str(reservation["status"]),
                occurred_at=self.clock(),
            )
            return [
                report_outbox_entry(
                    report, producer=PRODUCER, correlation_id=command.correlation_id
                )
            ]

        return entries

    async def _reject(self, envelope: Envelope, reason: str) -> None:
        report = ReservationReport(
            report_id=ReservationReport.id_for(envelope.command_id, "rejected"),
            command_id=envelope.command_id,
            command_type=envelope.type,
            channel=envelope.channel,
            source_reference=envelope.source_reference,
            property_id=envelope.property_id,
            status="rejected",
            reason=reason,
            occurred_at=self.clock(),
        )
        await self.repository.record_command(
            str(envelope.command_id),
            {
                "type": envelope.type,
                "channel": envelope.channel,
                "source_reference": envelope.source_reference,
                "status": "rejected",
                "reason": reason,
                "recorded_at": self.clock(),
            },
            {
                "outbox": {
                    "$each": [
                        report_outbox_entry(
                            report, producer=PRODUCER, correlation_id=envelope.correlation_id
                        )
                    ]
                }
            },
        )
        self.reservations.events_written()
        log.info(
            "integrator command rejected",
            channel=envelope.channel,
            command_type=envelope.type,
            reason=reason,
        )
