"""Idempotency-Key on every POST: a client that lost an answer sends the same request
with the same key and gets the first answer again, and the work is done once.

A pure ASGI middleware inside the access gate (so the key is scoped to the caller's
credential). The first request with a key claims it in the service's own database, runs,
and stores its answer (status, content type, body); a repeat with the same body replays
that answer, with another body is refused (422), and while the first is still running
waits for it (up to `wait_seconds`) and gets its answer, else 409 with Retry-After. A
claim whose request died (the process crashed mid-request) lapses with its process's
lease (shared/process_lease.py: seconds after the crash, at once after a restart of that
instance), or at the latest after `lease_seconds`, and the next retry runs the request
again: routes whose effect has a natural key of its own (a stay per reservation, a
charge per ticket, a booking per key) stay exactly-once even then. Answers of 5xx are
not kept: a retry runs
again. Kept answers expire after `keep_hours`.
"""

from __future__ import annotations

import asyncio
import hashlib
import json
from datetime import UTC, datetime, timedelta
from typing import Any

from pymongo.errors import DuplicateKeyError
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from shared.problems import PROBLEM_JSON
from shared.process_lease import ProcessLease

HEADER = b"idempotency-key"
COLLECTION = "idempotency_keys"


class IdempotentRequests:
    def __init__(
        self,
        app: ASGIApp,
        database: Any,
        lease_seconds: float = 60,
        keep_hours: float = 24,
        wait_seconds: float = 10,
        lease: ProcessLease | None = None,
    ) -> None:
        self.app = app
        self.process = lease
        self.keys = database[COLLECTION]
        self.lease = timedelta(seconds=lease_seconds)
        self.keep = timedelta(hours=keep_hours)
        self.wait_seconds = wait_seconds
        self._indexed = False

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        key = _header(scope, HEADER) if scope["type"] == "http" else None
        if key is None or scope["method"] != "POST":
            await self.app(scope, receive, send)
            return
        if not 1 <= len(key) <= 200:
            await _problem(send, 422, "Idempotency-Key must be 1 to 200 characters")
            return
        body = await _read_body(receive)
        principal = scope.get("state", {}).get("principal")
        caller = principal.key_id if principal is not None else "anonymous"
        claim_id = hashlib.sha256(f"{caller}|{scope['path']}|{key}".encode()).hexdigest()
        fingerprint = hashlib.sha256(body).hexdigest()
        verdict = await self._claim(claim_id, fingerprint)
        if verdict is not None:
            await verdict(send)
            return
        status, headers, chunks = await self._run(scope, body)
        if status >= 500:
            await self.keys.delete_one({"_id": claim_id})
        else:
            content_type = dict(headers).get(b"content-type", b"application/json")
            await self.keys.update_one(
                {"_id": claim_id},
                {
                    "$set": {
                        "status": status,
                        "content_type": content_type.decode("latin-1"),
                        "body": b"".join(chunks),
                        "done": True,
                    }
                },
            )
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": b"".join(chunks)})

    async def _claim(self, claim_id: str, fingerprint: str) -> Any:
        """None: this request holds the key and runs. Else the answer to send instead."""
        if not self._indexed:
            await self.keys.create_index("expires_at", expireAfterSeconds=0)
            self._indexed = True
        now = datetime.now(UTC)
        claim = {
            "_id": claim_id,
            "fingerprint": fingerprint,
            "done": False,
            "owner": self.process.owner if self.process else None,
            "claimed_at": now,
            "expires_at": now + self.keep,
        }
        try:
            await self.keys.insert_one(claim)
            return None
        except DuplicateKeyError:
            pass
        held = await self.keys.find_one({"_id": claim_id})
        if not (held and not held["done"] and await self._owner_died(held)):
            held = await self._first_answer(claim_id)
        if held is None:  # expired between the two calls: a fresh claim next time
            return _answer(409, PROBLEM_JSON, _problem_body(409, "retry the request"))
        if held["fingerprint"] != fingerprint:
            return _answer(
                422,
                PROBLEM_JSON,
                _problem_body(422, "this Idempotency-Key was used for a different request"),
            )
        if held["done"]:
            return _answer(held["status"], held["content_type"], held["body"], replayed=True)
        if _aware(held["claimed_at"]) + self.lease > now and not await self._owner_died(held):
            return _answer(
                409,
                PROBLEM_JSON,
                _problem_body(409, "the same request is still being handled; retry shortly"),
                retry_after=1,
            )
        # The first request died holding the key: this one takes it over and runs.
        taken = await self.keys.find_one_and_update(
            {"_id": claim_id, "done": False, "claimed_at": held["claimed_at"]},
            {"$set": {"claimed_at": now, "owner": claim["owner"]}},
        )
        if taken is None:
            return _answer(
                409, PROBLEM_JSON, _problem_body(409, "retry the request"), retry_after=1
            )
        return None

    async def _owner_died(self, held: dict[str, Any]) -> bool:
        return self.process is not None and await self.process.lapsed(held.get("owner"))

    async def _first_answer(self, claim_id: str) -> dict[str, Any] | None:
        """The claim as it stands once its request finished, or after `wait_seconds`."""
        deadline = asyncio.get_running_loop().time() + self.wait_seconds
        while True:
            held: dict[str, Any] | None = await self.keys.find_one({"_id": claim_id})
            if held is None or held["done"] or asyncio.get_running_loop().time() > deadline:
                return held
            await asyncio.sleep(0.05)

    async def _run(self, scope: Scope, body: bytes) -> tuple[int, list[Any], list[bytes]]:
        started: dict[str, Any] = {}
        chunks: list[bytes] = []
        delivered = False

        async def replay_body() -> Message:
            nonlocal delivered
            if delivered:
                return {"type": "http.disconnect"}
            delivered = True
            return {"type": "http.request", "body": body, "more_body": False}

        async def capture(message: Message) -> None:
            if message["type"] == "http.response.start":
                started.update(message)
            elif message["type"] == "http.response.body":
                chunks.append(message.get("body", b""))

        await self.app(scope, replay_body, capture)
        return started["status"], list(started.get("headers", [])), chunks


def _aware(moment: datetime) -> datetime:
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def _header(scope: Scope, name: bytes) -> str | None:
    for key, value in scope.get("headers", []):
        if key.lower() == name:
            return bytes(value).decode("latin-1")
    return None


async def _read_body(receive: Receive) -> bytes:
    parts = []
    while True:
        message = await receive()
        parts.append(message.get("body", b""))
        if not message.get("more_body"):
            return b"".join(parts)


def _problem_body(status: int, detail: str) -> bytes:
    title = {409: "Conflict", 422: "Unprocessable request"}.get(status, "Error")
    return json.dumps(
        {"type": "about:blank", "title": title, "status": status, "detail": detail}
    ).encode()


def _answer(
    status: int,
    content_type: str,
    body: bytes,
    replayed: bool = False,
    retry_after: int | None = None,
) -> Any:
    headers = [(b"content-type", content_type.encode("latin-1"))]
    if replayed:
        headers.append((b"idempotent-replayed", b"true"))
    if retry_after is not None:
        headers.append((b"retry-after", str(retry_after).encode()))

    async def send_it(send: Send) -> None:
        await send({"type": "http.response.start", "status": status, "headers": headers})
        await send({"type": "http.response.body", "body": body})

    return send_it


async def _problem(send: Send, status: int, detail: str) -> None:
    await _answer(status, PROBLEM_JSON, _problem_body(status, detail))(send)
