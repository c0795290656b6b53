"""Counting the mails the guests received: the local SMTP sink's log, or Mailpit."""

from __future__ import annotations

import re
from pathlib import Path

import httpx

_RECIPIENT = re.compile(r"^(?:To|X-RcptTo):\s*(.+)$", re.MULTILINE)


def recipients_in_log(log: Path) -> list[str]:
    """Every recipient the `make run` SMTP sink (aiosmtpd's Debugging handler) printed,
    once per message."""
    if not log.exists():
        return []
    text = log.read_text(errors="replace")
    found: list[str] = []
    for block in text.split("---------- MESSAGE FOLLOWS ----------")[1:]:
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
        for to in message.get("To", [])[:1]
    ]


async def mails_to(addresses: set[str], smtp_log: Path, mailpit_url: str | None) -> int:
    received = (
        await recipients_in_mailpit(mailpit_url) if mailpit_url else recipients_in_log(smtp_log)
    )
    return sum(1 for recipient in received if recipient in addresses)
