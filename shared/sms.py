"""Text messages to guests through an SMS gateway: the interface every service that texts
guests shares, and the local gateway used by `make run` and the tests.

A real gateway (Aliyun SMS, Tencent Cloud SMS, Twilio...) plugs in behind `SmsGateway`:
`send` must raise one of `SMS_ERRORS` when the gateway refuses or cannot be reached, so
the caller's worker retries later, and should pass `message_id` on as the gateway's
idempotency or client reference where it has one, so a retried send is not texted twice.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from shared.crypto import mask

# What a failed send raises; the senders' workers retry these later.
SMS_ERRORS = (OSError, ConnectionError, TimeoutError)


@dataclass(frozen=True)
class SmsMessage:
    to: str  # the phone number, as the guest gave it
    body: str
    message_id: str  # stable per message: a retry sends the same id


class SmsGateway(Protocol):
    async def send(self, message: SmsMessage) -> None: ...


class FileSmsGateway:
    """Writes each text as a JSON line, the number only masked (the file is a log, the
    number personal data); the same message_id twice is written once, as a gateway that
    honours client references would text it once."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = asyncio.Lock()

    async def send(self, message: SmsMessage) -> None:
        async with self._lock:
            await asyncio.to_thread(self._append, message)

    def sent(self) -> list[dict[str, str]]:
        if not self.path.exists():
            return []
        lines = self.path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    def _append(self, message: SmsMessage) -> None:
        if any(entry["message_id"] == message.message_id for entry in self.sent()):
            return
        line = json.dumps(
            {
                "message_id": message.message_id,
                "to": mask(message.to),
                "body": message.body,
                "at": datetime.now(UTC).isoformat(),
            },
            ensure_ascii=False,
        )
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as out:
            out.write(line + "\n")
