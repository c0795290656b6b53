"""The staff session: the department's API key, kept in an HttpOnly cookie, and the CSRF
token derived from it.

No server-side session store: the cookie holds the credential itself (HttpOnly, so no
script reads it; SameSite=Strict, so no other site's page sends it; Path=/app). The CSRF
token is an HMAC of a fixed label under the credential: a page of this service can put it
in its forms, another site cannot compute it, and nothing needs to be stored.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass

from shared.auth import KeyRing, Principal

COOKIE = "hotel_staff"
COOKIE_PATH = "/app"
CSRF_FIELD = "csrf_token"
_CSRF_LABEL = b"hotel-pages-csrf-v1"


def csrf_token(credential: str) -> str:
    return hmac.new(credential.encode(), _CSRF_LABEL, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class StaffSession:
    credential: str
    principal: Principal

    @property
    def csrf(self) -> str:
        return csrf_token(self.credential)

    def csrf_matches(self, presented: str | None) -> bool:
        return presented is not None and hmac.compare_digest(presented, self.csrf)

    def may(self, scopes: frozenset[str]) -> bool:
        return self.principal.has_any(scopes | {"manager"})


def session_from(cookie: str | None, keys: KeyRing) -> StaffSession | None:
    """The signed-in session, if the cookie holds a key the service accepts now (a key
    withdrawn from API_KEYS ends its sessions at once)."""
    if not cookie:
        return None
    principal = keys.authenticate(cookie)
    return StaffSession(cookie, principal) if principal else None
