"""How a message reaches a guest: one interface, a sender per channel.

E-mail goes over SMTP (aiosmtplib). SMS goes through the project's one SMS gateway
interface (`shared/sms.py`, shared with reservation and loyalty): `FileSmsGateway` writes
each text to a local file with the number masked, for local runs and tests; a deployment
plugs in its gateway there, once for every service that texts guests.
"""

from __future__ import annotations

from email.message import Message
from email.mime.text import MIMEText
from typing import Protocol

from shared.mail import SmtpSender as SmtpTransport
from shared.sms import SmsGateway, SmsMessage

from .config import Settings
from .messages import GuestMessage


class MessageSender(Protocol):
    async def send(self, message: GuestMessage) -> None: ...


class SmtpSender:
    """A guest message as an e-mail, through the shared SMTP transport."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings
        self.transport = SmtpTransport(settings)

    def email(self, message: GuestMessage) -> Message:
        """A text/plain mail in UTF-8, on the compat32 classes: EmailMessage runs every
        header it is given through the header registry, 0.9 ms of CPU per mail against
        0.2 here (flattening included), most of the mailer's own cost in a burst of
        check-outs. A value that is not ASCII is written as an RFC 2047 encoded word, as
        EmailMessage writes it (tests/unit/test_feedback_mail_format.py)."""
        mail = MIMEText(message.body, "plain", "utf-8")
        mail["From"] = self.settings.mail_from
        mail["To"] = message.to
        mail["Subject"] = message.subject
        mail["Message-ID"] = f"<{message.message_id}@{self.settings.mail_from.split('@')[-1]}>"
        return mail

    async def send(self, message: GuestMessage) -> None:
        await self.transport.send(self.email(message))


class SmsSender:
    """A guest message as a text, through the shared gateway. The message id goes with it
    as the gateway's client reference, so a resend after a crash is texted once."""

    def __init__(self, gateway: SmsGateway) -> None:
        self.gateway = gateway

    async def send(self, message: GuestMessage) -> None:
        await self.gateway.send(
            SmsMessage(to=message.to, body=message.body, message_id=message.message_id)
        )


class ChannelSender:
    """The one sender the workers use: routes each message to its channel's sender."""

    def __init__(self, email: MessageSender, sms: SmsGateway) -> None:
        self.by_channel: dict[str, MessageSender] = {"email": email, "sms": SmsSender(sms)}

    async def send(self, message: GuestMessage) -> None:
        await self.by_channel[message.channel].send(message)
