"""The guest is told when what they asked for is done (issue 12).

The desk publishes guest.request_completed when housekeeping's task closes a request;
guest relations holds the guest's contact, so it sends the message: once per request (the
request names the notice), by e-mail or SMS as the guest can be reached, retried after a
failure, claimed under a lease so two replicas never send it at once. A guest who cannot
be reached is recorded as such; the desk's own notice on the stay remains.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime
from typing import Any

from pymongo import ReturnDocument
from pymongo.errors import DuplicateKeyError

from shared.clock import Clock
from shared.events import GuestRequestCompleted
from shared.logging import get_logger
from shared.mail import SEND_ERRORS
from shared.worker import LeasedWorker

from .channels import MessageSender
from .config import Settings
from .domain import language_of, next_attempt_after
from .messages import GuestMessage, guest_name, reachable
from .repository import FeedbackRepository

log = get_logger(__name__)


def request_done_message(
    notice: dict[str, Any], channel: str, to: str, name: str, hotel: str
) -> GuestMessage:
    if channel == "sms":
        body = f"{hotel}: {notice['message']}"
    else:
        body = f"Dear {name},\n\n{notice['message']}\n\nReception, {hotel}\n"
    return GuestMessage(
        message_id=f"request-{notice['_id']}-done",
        channel=channel,  # type: ignore[arg-type]
        to=to,
        subject=f"{hotel}: your request",
        body=body,
    )


class RequestNotices:
    def __init__(
        self,
        repository: FeedbackRepository,
        *,
        clock: Clock,
        notices_due: Callable[[], None],
    ) -> None:
        self.collection = repository.request_notices
        self.repository = repository
        self.clock = clock
        self.notices_due = notices_due

    async def record(self, event: GuestRequestCompleted) -> bool:
        done = event.payload
        try:
            await self.collection.insert_one(
                {
                    "_id": done.request_id,
                    "guest_id": await self.repository.current_guest_id(done.guest_id),
                    "stay_id": done.stay_id,
                    "kind": done.kind,
                    "message": done.message,
                    "status": "pending",
                    "next_attempt_at": self.clock(),
                    "failures": 0,
                }
            )
        except DuplicateKeyError:
            return False  # told already (or being told)
        self.notices_due()
        return True


def _due(now: datetime) -> dict[str, Any]:
    """Waiting for its time, or claimed by a pass whose lease ran out."""
    return {
        "$or": [
            {"status": "pending", "next_attempt_at": {"$lte": now}},
            {"status": "sending", "lease_until": {"$lte": now}},
        ]
    }


class RequestNoticeSender(LeasedWorker[dict[str, Any], dict[str, Any]]):
    name = "request-notices"

    def __init__(
        self,
        notices: RequestNotices,
        sender: MessageSender,
        settings: Settings,
        *,
        clock: Clock,
    ) -> None:
        super().__init__(settings.mailer_poll_seconds, settings.mailer_lease_seconds, clock)
        self.notices = notices
        self.sender = sender
        self.settings = settings

    async def due(self, now: datetime) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = (
            await self.notices.collection.find(_due(now), {"_id": 1})
            .limit(self.settings.mailer_batch_size)
            .to_list(None)
        )
        return found

    async def claim(self, notice: dict[str, Any], now: datetime) -> dict[str, Any] | None:
        claimed: dict[str, Any] | None = await self.notices.collection.find_one_and_update(
            {"_id": notice["_id"], **_due(now)},
            {"$set": {"status": "sending", "lease_until": now + self.lease}},
            return_document=ReturnDocument.AFTER,
        )
        return claimed

    async def send(self, notice: dict[str, Any], now: datetime) -> bool:
        contact = await self.notices.repository.contact(notice["guest_id"])
        route = reachable(contact)
        if route is None:
            await self._finish(notice, {"status": "unreachable"})
            return False
        channel, address = route
        language = language_of(contact)
        message = request_done_message(
            notice, channel, address, guest_name(contact, language), self.settings.hotel_name
        )
        try:
            await self.sender.send(message)
        except SEND_ERRORS as exc:
            failures = notice.get("failures", 0) + 1
            await self._finish(
                notice,
                {
                    "status": "pending",
                    "failures": failures,
                    "last_error": type(exc).__name__,
                    "next_attempt_at": next_attempt_after(failures, self.clock()),
                },
            )
            return False
        await self._finish(notice, {"status": "sent", "sent_at": self.clock(), "channel": channel})
        log.info("guest told the request is done", request_id=notice["_id"], channel=channel)
        return True

    async def _finish(self, notice: dict[str, Any], fields: dict[str, Any]) -> None:
        await self.notices.collection.update_one(
            {"_id": notice["_id"], "status": "sending"}, {"$set": {**fields, "lease_until": None}}
        )
