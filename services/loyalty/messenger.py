"""Sends queued campaign e-mails: greetings, win-back offers, gifts.

A message record names the guest, the channel and the template, never the address: the
address is read from the profile at send time, so a message queued before an erasure or
a withdrawn consent is dropped, not sent. Each message is claimed under a lease, so two
replicas never send it at once; a crash after SMTP accepted it but before it is marked
sent sends it again with the same Message-ID (at-least-once towards SMTP, as for surveys).
Texts (greetings go by SMS as well as e-mail, issue 18) go through the SMS adapter
(shared/sms.py) under the same rules; without one they stay queued.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import make_msgid
from typing import Any

from prometheus_client import Counter

from shared.clock import Clock
from shared.logging import get_logger
from shared.mail import SEND_ERRORS, MailSender
from shared.sms import SmsGateway, SmsMessage
from shared.worker import LeasedWorker

from .config import Settings
from .domain import campaign_mail, campaign_sms, contact_channel
from .repository import LoyaltyRepository

log = get_logger(__name__)
CAMPAIGN_MAILS = Counter("loyalty_campaign_mails_total", "Campaign e-mails accepted by SMTP")
RETRY_AFTER = timedelta(minutes=10)


class CampaignMessenger(LeasedWorker[dict[str, Any], dict[str, Any]]):
    name = "loyalty-messenger"

    def __init__(
        self,
        repository: LoyaltyRepository,
        sender: MailSender,
        settings: Settings,
        *,
        clock: Clock = lambda: datetime.now(UTC),
        sms: SmsGateway | None = None,
    ) -> None:
        super().__init__(settings.messenger_poll_seconds, settings.messenger_lease_seconds, clock)
        self.repository = repository
        self.sender = sender
        self.sms = sms
        self.settings = settings

    async def due(self, now: datetime) -> list[dict[str, Any]]:
        due = await self.repository.due_emails(now, limit=50)
        if self.sms is not None:
            due += await self.repository.due_emails(now, limit=50, channel="sms")
        return due

    async def claim(self, message: dict[str, Any], now: datetime) -> dict[str, Any] | None:
        return await self.repository.claim_message(message["_id"], now, self.lease)

    async def send(self, message: dict[str, Any], now: datetime) -> bool:
        if message.get("channel") == "sms":
            return await self._text(message, now)
        return await self._mail(message, now)

    async def _text(self, message: dict[str, Any], now: datetime) -> bool:
        """The SMS copy: re-reads consent and the number at send time, like the e-mail."""
        assert self.sms is not None
        guest = await self.repository.get(message["guest_id"])
        profile = (guest or {}).get("profile") or {}
        if (
            guest is None
            or guest.get("anonymized_at")
            or contact_channel(profile) is None
            or not profile.get("phone")
        ):
            await self.repository.finish_message(message["_id"], "cancelled")
            return False
        text = SmsMessage(
            message_id=message["_id"],
            to=profile["phone"],
            body=campaign_sms(
                message["template"],
                first_name=profile.get("first_name") or "",
                hotel_name=self.settings.hotel_name,
            ),
        )
        try:
            await self.sms.send(text)
        except SEND_ERRORS as exc:
            await self.repository.release_message(
                message["_id"], now + RETRY_AFTER, error=type(exc).__name__
            )
            return False
        await self.repository.finish_message(message["_id"], "sent", sent_at=self.clock())
        log.info("campaign text sent", message_id=message["_id"], template=message["template"])
        return True

    async def _mail(self, message: dict[str, Any], now: datetime) -> bool:
        guest = await self.repository.get(message["guest_id"])
        profile = (guest or {}).get("profile") or {}
        if guest is None or guest.get("anonymized_at") or contact_channel(profile) != "email":
            await self.repository.finish_message(message["_id"], "cancelled")
            return False
        mail = campaign_mail(
            message["template"],
            to=profile["email"],
            first_name=profile.get("first_name") or "",
            hotel_name=self.settings.hotel_name,
            sender=self.settings.mail_from,
        )
        mail["Message-ID"] = make_msgid(
            idstring=message["_id"].replace("|", "."), domain=self.settings.mail_from.split("@")[-1]
        )
        try:
            await self.sender.send(mail)
        except SEND_ERRORS as exc:
            await self.repository.release_message(
                message["_id"], now + RETRY_AFTER, error=type(exc).__name__
            )
            log.warning(
                "campaign mail failed; will retry",
                message_id=message["_id"],
                error=type(exc).__name__,
            )
            return False
        await self.repository.finish_message(message["_id"], "sent", sent_at=self.clock())
        CAMPAIGN_MAILS.inc()
        log.info("campaign mail sent", message_id=message["_id"], template=message["template"])
        return True
