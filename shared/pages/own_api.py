"""A screen's call to its own service's API, in-process, as the signed-in key: the API's
scopes, validation and rules apply unchanged, and no service calls another."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from typing import Any

import httpx
from fastapi import Request

from shared.pages.session import StaffSession

# httpx logs every request's URL at INFO; the screens' in-process calls carry search
# criteria (a guest's name) in theirs, and personal data is never logged.
logging.getLogger("httpx").setLevel(logging.WARNING)


@dataclass(frozen=True)
class ApiAnswer:
    status: int
    body: Any

    @property
    def ok(self) -> bool:
        return self.status < 400

    @property
    def detail(self) -> str:
        if isinstance(self.body, dict):
            errors = self.body.get("errors")
            detail = str(self.body.get("detail") or self.body.get("title") or "")
            if isinstance(errors, list) and errors:
                detail += ": " + "; ".join(
                    str(e.get("msg", e)) if isinstance(e, dict) else str(e) for e in errors[:5]
                )
            return detail
        return str(self.body)[:300]


async def call_own_api(
    request: Request,
    session: StaffSession,
    method: str,
    path: str,
    *,
    json: Any = None,
    params: dict[str, Any] | None = None,
) -> ApiAnswer:
    """This service's own API, in-process, as the signed-in key: the API's scopes,
    validation and rules apply unchanged (`StaffPages.api`)."""
    transport = httpx.ASGITransport(app=request.app)
    async with httpx.AsyncClient(
        transport=transport,
        base_url="http://pages.internal",
        headers={
            "authorization": f"Bearer {session.credential}",
            "x-correlation-id": request.headers.get("x-correlation-id", ""),
        },
    ) as client:
        answer = await client.request(method, path, json=json, params=params)
    try:
        body = answer.json()
    except ValueError:
        body = answer.text
    return ApiAnswer(answer.status_code, body)
