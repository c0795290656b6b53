"""E-mail to guests over SMTP (aiosmtplib): the settings and the sender every service
that writes to guests shares. What to write, and when, stays in the services."""

from __future__ import annotations

from email.message import EmailMessage
from typing import Protocol

import aiosmtplib
from pydantic_settings import BaseSettings

# What a failed send raises; the senders' workers retry these later.
SEND_ERRORS = (aiosmtplib.SMTPException, OSError)


class SmtpSettings(BaseSettings):
    """Mixed into a service's Settings: `class Settings(ServiceSettings, SmtpSettings)`."""

    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_start_tls: bool = False
    smtp_timeout_seconds: float = 10.0
    mail_from: str = "guest-relations@demo-hotel.example"
    hotel_name: str = "Demo Hotel"


class MailSender(Protocol):
    async def send(self, message: EmailMessage) -> None: ...


class SmtpSender:
    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings

    async def send(self, message: EmailMessage) -> None:
        await aiosmtplib.send(
            message, hostname=self.settings.smtp_host, port=self.settings.smtp_port,
            username=self.settings.smtp_username, password=self.settings.smtp_password,
            start_tls=self.settings.smtp_start_tls, timeout=self.settings.smtp_timeout_seconds)
