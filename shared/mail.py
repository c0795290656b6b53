"""E-mail to guests over SMTP (aiosmtplib): the settings and the sender every service
that writes to guests shares. What to write, and when, stays in the services.

The sender keeps one SMTP connection open and sends each mail over it (a connect, EHLO,
STARTTLS and login per mail was most of a mail's cost under load); mails are sent one at
a time on it, as SMTP requires. A connection the server dropped (idle timeout, restart)
is noticed on the next send, which reconnects and tries once more."""

from __future__ import annotations

import asyncio
import contextlib
from email.message import Message
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
    async def send(self, message: Message) -> None: ...


class SmtpSender:
    def __init__(self, settings: SmtpSettings) -> None:
        self.settings = settings
        self._client: aiosmtplib.SMTP | None = None
        self._lock = asyncio.Lock()
        self.connections_opened = 0  # for tests and the curious: reuse is observable

    async def send(self, message: Message) -> None:
        async with self._lock:
            try:
                await (await self._connected()).send_message(message)
            except (aiosmtplib.SMTPServerDisconnected, ConnectionError):
                await self._drop()  # a stale connection: once more on a fresh one
                await (await self._connected()).send_message(message)
            except BaseException:
                await self._drop()  # its state is unknown: never reuse it
                raise

    async def close(self) -> None:
        async with self._lock:
            if self._client is not None and self._client.is_connected:
                with contextlib.suppress(*SEND_ERRORS):
                    await self._client.quit()
            self._client = None

    async def _connected(self) -> aiosmtplib.SMTP:
        if self._client is None or not self._client.is_connected:
            client = aiosmtplib.SMTP(
                hostname=self.settings.smtp_host,
                port=self.settings.smtp_port,
                username=self.settings.smtp_username,
                password=self.settings.smtp_password,
                start_tls=self.settings.smtp_start_tls,
                timeout=self.settings.smtp_timeout_seconds,
            )
            await client.connect()
            self._client = client
            self.connections_opened += 1
        return self._client

    async def _drop(self) -> None:
        if self._client is not None:
            self._client.close()
            self._client = None
