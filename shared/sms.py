"""Text messages to guests: one small interface, a local sender, a place for a gateway.

`SmsSender.send` is all a service needs. `FileSmsSender` appends each text as a JSON line
to a local file with the number masked (it is personal data and the file is a log), for
local runs and tests, which read the file to see what went out. A deployment plugs in its
SMS gateway (Aliyun SMS, Tencent Cloud SMS, Twilio, ...) as another class with the same
`send`: it posts `to` and `body` to the provider's API with the provider's credentials,
raises on refusal so the caller retries, and is wired in the service's main.py.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from typing import Protocol

from shared.crypto import mask


@dataclass(frozen=True)
class Sms:
    message_id: str  # stable: a resend after a crash is recognisably the same text
    to: str  # the phone number
    body: str


class SmsSender(Protocol):
    async def send(self, sms: Sms) -> None: ...


class FileSmsSender:
    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)

    async def send(self, sms: Sms) -> None:
        line = json.dumps(
            {
                "message_id": sms.message_id,
                "to": mask(sms.to),
                "body": sms.body,
                "at": datetime.now(UTC).isoformat(),
            },
            ensure_ascii=False,
        )
        await asyncio.to_thread(self._append, line)

    def _append(self, line: str) -> None:
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as out:
            out.write(line + "\n")

    def sent(self) -> list[dict]:
        """What went out so far (tests read it)."""
        if not self.path.exists():
            return []
        return [json.loads(line) for line in self.path.read_text("utf-8").splitlines() if line]
