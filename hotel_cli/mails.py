"""Counting the mails the guests received: the local SMTP sink's log, or Mailpit."""

from __future__ import annotations

import os
import re
from pathlib import Path

import httpx

_RECIPIENT = re.compile(r"^(?:To|X-RcptTo):\s*(.+)$", re.MULTILINE)
_SENDER = re.compile(r"^From:\s*(.+)$", re.MULTILINE)
# The demo counts the mails guest relations sent (the surveys); the reservations office's
# letters (confirmations, notices: issue 18) come from its own sender and are not counted.
RESERVATION_SENDER = os.environ.get(
    "HOTEL_RESERVATION_MAIL_FROM", "reservations@demo-hotel.example"
)


def recipients_in_log(log: Path, skip_sender: str | None = None) -> list[str]:
    """Every recipient the `make run` SMTP sink (aiosmtpd's Debugging handler) printed,
    once per message (not those of mails from `skip_sender`)."""
    if not log.exists():
        return []
    text = log.read_text(errors="replace")
    found: list[str] = []
    for block in text.split("---------- MESSAGE FOLLOWS ----------")[1:]:
        sender = _SENDER.search(block)
        if skip_sender and sender and skip_sender in sender.group(1):
            continue
        match = _RECIPIENT.search(block)
        if match:
            found.append(match.group(1).strip().strip("<>").lower())
    return found


async def recipients_in_mailpit(url: str) -> list[str]:
    async with httpx.AsyncClient(base_url=url, timeout=10) as client:
        body = (await client.get("/api/v1/messages", params={"limit": 1000})).json()
    return [
        to["Address"].lower()
        for message in body.get("messages", [])
        if (message.get("From") or {}).get("Address", "").lower() != RESERVATION_SENDER
        for to in message.get("To", [])[:1]
    ]


async def mails_to(addresses: set[str], smtp_log: Path, mailpit_url: str | None) -> int:
    received = (
        await recipients_in_mailpit(mailpit_url)
        if mailpit_url
        else recipients_in_log(smtp_log, skip_sender=RESERVATION_SENDER)
    )
    return sum(1 for recipient in received if recipient in addresses)
