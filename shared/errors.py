"""What a use case says when it will not do what was asked: domain errors, not HTTP.

Services raise these from their domain and service code; the web layer turns each kind
into a problem+json answer in one place (shared/problems.py), a consumer parks or retries
on them, a page shows them in words. A service names a sharper case by subclassing a kind
(`class NoRoomFree(Conflict)`), with a title of its own where the caller should see it.
"""

from __future__ import annotations

from typing import Any, ClassVar


class DomainError(Exception):
    """`detail` says what and why, for the caller; `extensions` are facts a client can act
    on (the night that is full, the business date in force)."""

    title: ClassVar[str | None] = None  # None: the kind's own title

    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extensions = extensions


class Refused(DomainError):
    """The request cannot be done as asked (a channel booking outside its rights...)."""


class NotAllowed(DomainError):
    """The caller may not do this, whoever signed in (a survey link that is not theirs)."""


class NotFound(DomainError):
    """What the request names does not exist (for this property)."""


class Conflict(DomainError):
    """The state forbids it now: already done, changed meanwhile, no room left."""


class Unprocessable(DomainError):
    """The request is well formed but breaks a rule (a period ending before it starts)."""
