"""Reveals of personal data and other staff actions on it (exports, erasures, merges),
each one on record: who, what, when, why.

Personal data (ID numbers, phones, e-mails) is masked in every response by default. A
route that can show it in clear takes the `reveal` dependency:

    reveal_id = reveal_for("frontdesk")          # module level: the scopes that need it

    @router.get("/stays/{stay_id}/identity")
    async def identity(stay_id: str, reveal: Annotated[RevealRequest | None, Depends(reveal_id)]):
        stay = await service.stay(stay_id)
        if reveal is None:
            return {"id_number": mask(...)}
        await audit.record_reveal(reveal, subject_type="stay", subject_id=stay_id,
                                  fields=["id_number"])          # before the data leaves
        return {"id_number": cipher.decrypt(...)}

(Routes defined inside a factory function, with `from __future__ import annotations`,
cannot name a local in `Annotated[...]`: write `reveal: RevealRequest | None =
Depends(reveal_id)` there.) The caller asks with `?reveal=true` and says why in the
`X-Reveal-Reason` header. A scope not named gets 403, a missing reason 422. The record
goes to the service's own `audit_log` collection before the data is returned: no record,
no reveal.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Annotated, Any

from fastapi import APIRouter, Header, Query, Request
from pydantic import BaseModel, JsonValue

from shared.auth import Forbidden, Principal, principal_of
from shared.clock import Clock
from shared.errors import Unprocessable
from shared.logging import current_correlation_id, get_logger, mask_text
from shared.public import PublicDocument

log = get_logger(__name__)

AUDIT_COLLECTION = "audit_log"
REASON_HEADER = "X-Reveal-Reason"
MAX_REASON = 500


@dataclass(frozen=True)
class RevealRequest:
    principal: Principal
    reason: str


def reveal_for(*scopes: str) -> Callable[..., Any]:
    """A FastAPI dependency: None unless the caller asked for `?reveal=true`, is allowed
    to, and gave a reason."""
    allowed = frozenset(scopes)

    async def reveal_requested(
        request: Request,
        reveal: Annotated[
            bool, Query(description="show personal data in clear (audited; needs X-Reveal-Reason)")
        ] = False,
        x_reveal_reason: Annotated[str | None, Header(max_length=MAX_REASON)] = None,
    ) -> RevealRequest | None:
        if not reveal:
            return None
        principal = principal_of(request)
        if not principal.has_any(allowed):
            raise Forbidden(f"revealing personal data needs one of the scopes {sorted(allowed)}")
        if not x_reveal_reason or not x_reveal_reason.strip():
            raise Unprocessable(f"a reveal needs its reason in the {REASON_HEADER} header")
        return RevealRequest(principal, x_reveal_reason.strip())

    return reveal_requested


class AuditLog:
    def __init__(
        self,
        database: Any,
        property_id: str,
        clock: Clock = lambda: datetime.now(UTC),
    ) -> None:
        self.collection = database[AUDIT_COLLECTION]
        self.property_id = property_id
        self.clock = clock

    async def prepare(self) -> None:
        await self.collection.create_index([("subject_id", 1), ("at", 1)])
        await self.collection.create_index([("key_id", 1), ("at", 1)])
        await self.collection.create_index([("action", 1), ("at", 1)])

    async def record_reveal(
        self, reveal: RevealRequest, *, subject_type: str, subject_id: str, fields: Sequence[str]
    ) -> str:
        return await self.record(
            reveal.principal,
            "reveal",
            subject_type=subject_type,
            subject_id=subject_id,
            reason=reveal.reason,
            fields=fields,
        )

    async def record(
        self,
        principal: Principal,
        action: str,
        *,
        subject_type: str,
        subject_id: str,
        reason: str = "",
        fields: Sequence[str] = (),
        details: dict[str, Any] | None = None,
    ) -> str:
        """One staff action on personal data (a reveal, an export, an erasure, a merge of
        two profiles...): who, what, when, why. Written before the action's answer
        leaves, so an action without its record never reaches the caller."""
        record_id = str(uuid.uuid4())
        await self.collection.insert_one(
            {
                "_id": record_id,
                "action": action,
                "at": self.clock().isoformat(),
                "key_id": principal.key_id,
                "scopes": sorted(principal.scopes),
                "subject_type": subject_type,
                "subject_id": subject_id,
                "fields": list(fields),
                # Free text: whatever personal data someone typed into it stays out.
                "reason": mask_text(reason)[:MAX_REASON],
                "details": details or {},
                "correlation_id": current_correlation_id(),
                "property_id": self.property_id,
            }
        )
        log.info(
            "personal data action recorded",
            action=action,
            key_id=principal.key_id,
            subject_type=subject_type,
            subject_id=subject_id,
            fields=list(fields),
        )
        return record_id

    async def records(
        self, subject_id: str | None = None, limit: int = 100, action: str | None = None
    ) -> list[dict[str, Any]]:
        query: dict[str, Any] = {"subject_id": subject_id} if subject_id else {}
        if action:
            query["action"] = action
        records: list[dict[str, Any]] = (
            await self.collection.find(query).sort("at", 1).limit(limit).to_list(limit)
        )
        return records


MAX_AUDIT_PAGE = 500


class AuditRecordPublic(PublicDocument):
    """One staff action on personal data: who (the credential), what, when, why."""

    id_field = "record_id"

    record_id: str
    action: str
    at: str  # ISO instant
    key_id: str
    scopes: list[str]
    subject_type: str
    subject_id: str
    fields: list[str]
    reason: str  # masked: personal data typed into it stays out
    details: dict[str, JsonValue]
    correlation_id: str | None = None
    property_id: str | None = None


class AuditLogAnswer(BaseModel):
    """The oldest `limit` records that match, `count` of them."""

    count: int
    limit: int
    items: list[AuditRecordPublic]

    @classmethod
    def of(cls, records: Sequence[dict[str, Any]], limit: int) -> AuditLogAnswer:
        return cls(
            count=len(records), limit=limit, items=[AuditRecordPublic.of(r) for r in records]
        )


def audit_log_router(audit: AuditLog) -> APIRouter:
    """GET /audit-log: the service's record of reveals, exports, erasures and merges. No
    access rule names it, so it is the manager's alone."""
    router = APIRouter(tags=["audit"])

    @router.get("/audit-log")
    async def audit_log(
        subject_id: Annotated[str | None, Query(max_length=100)] = None,
        action: Annotated[str | None, Query(max_length=40)] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_AUDIT_PAGE)] = 100,
    ) -> AuditLogAnswer:
        """Who did what with which guest's personal data, when and why."""
        return AuditLogAnswer.of(await audit.records(subject_id, limit, action), limit)

    return router
