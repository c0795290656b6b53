"""Who is calling, and may they: per-department API keys with scopes, deny by default.

A credential is `<key id>.<secret>`, sent as `Authorization: Bearer <credential>` (or
`X-API-Key: <credential>`). Services know only the SHA-256 of each secret, from the
`API_KEYS` setting:

    {"frontdesk-1": {"secret_sha256": "<64 hex>", "scopes": ["frontdesk"]},
     "ota-ctrip":   {"secret_sha256": "<64 hex>", "scopes": ["integrator"], "channel": "ctrip"}}

Secrets are random 256-bit strings (see `new_credential`), so a plain hash is enough
(nothing to brute-force, unlike a password), and it is compared with
`hmac.compare_digest`. Neither the credential nor its hash is ever logged.

Authorisation by function is declarative: each service's `services/<name>/access.py`
lists `POLICY` (method, path pattern, scopes) and `PUBLIC` (method, path pattern);
`create_service_app` applies it to every request through `ApiGuard`, before any route
code runs. The first matching rule wins; `manager` may call every route; a route no rule
names is denied to everyone but `manager`. Authorisation by object (an integrator sees
only its own channel) is for the route to check, with `current_principal` and
`ensure_channel_visible`.
"""

from __future__ import annotations

import hashlib
import hmac
import importlib
import importlib.util
import json
import re
import secrets
from collections.abc import Iterable
from dataclasses import dataclass
from fnmatch import fnmatchcase
from pathlib import Path
from typing import Annotated, Literal

from fastapi import Depends, Request
from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.errors import NotFound
from shared.problems import Problem

Scope = Literal[
    "reservations",
    "frontdesk",
    "housekeeping",
    "feedback",
    "loyalty",
    "manager",
    "integrator",
    "ops",
]
# `ops`: machines that watch the services (Prometheus, the on-call's parking-lot tools).
SCOPES: tuple[str, ...] = Scope.__args__  # type: ignore[attr-defined]
MANAGER = "manager"
KEY_ID = re.compile(r"^[A-Za-z0-9_-]{1,64}$")

# Routes every service has (shared/health.py, shared/runtime.py, FastAPI's own docs).
# The OpenAPI is public on purpose: integrators need it, and it holds no data.
COMMON_PUBLIC: tuple[tuple[str, str], ...] = (
    ("GET", "/livez"),
    ("GET", "/readyz"),
    ("GET", "/openapi.json"),
    ("GET", "/docs"),
    ("GET", "/docs/oauth2-redirect"),
    ("GET", "/redoc"),
    # The staff screens check their own session cookie and scopes (shared/pages/web.py).
    ("*", "/app/**"),
)
COMMON_POLICY: tuple[tuple[str, str, tuple[str, ...]], ...] = (
    ("GET", "/metrics", ("ops",)),
    ("GET", "/asyncapi.json", ("ops",)),
    ("GET", "/admin/parking", ("ops",)),
    ("POST", "/admin/parking/**", ("ops",)),
)


class Forbidden(Problem):
    status = 403
    title = "Forbidden"


class Unauthorized(Problem):
    status = 401
    title = "Unauthorized"


# --- credentials -----------------------------------------------------------------------


def hash_secret(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def new_credential(key_id: str) -> tuple[str, str]:
    """A fresh credential to hand out, and the hash to put in API_KEYS."""
    if not KEY_ID.match(key_id):
        raise ValueError("a key id is 1-64 letters, digits, '-' or '_'")
    secret = secrets.token_urlsafe(32)
    return f"{key_id}.{secret}", hash_secret(secret)


class ApiKey(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    secret_sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    scopes: tuple[Scope, ...] = Field(min_length=1)
    channel: str | None = None

    @model_validator(mode="after")
    def _integrators_name_their_channel(self) -> ApiKey:
        if "integrator" in self.scopes and not self.channel:
            raise ValueError("an integrator key needs the channel it books for")
        return self


@dataclass(frozen=True)
class Principal:
    """The caller a request was authenticated as."""

    key_id: str
    scopes: frozenset[str]
    channel: str | None = None

    def has_any(self, scopes: Iterable[str]) -> bool:
        return bool(self.scopes & set(scopes))

    @property
    def bound_to_channel(self) -> bool:
        """An integrator key (and no staff scope): it sees only its own channel."""
        return not (self.scopes - {"integrator"})

    def sees_channel(self, channel: str | None) -> bool:
        """Staff see every channel's records; an integrator only its own channel's."""
        return not self.bound_to_channel or (self.channel is not None and channel == self.channel)


class KeyRing:
    """The API keys a service accepts, by key id."""

    _NO_SUCH_KEY = hash_secret("no such key")  # compared anyway: unknown ids take as long

    def __init__(self, keys: dict[str, ApiKey]) -> None:
        for key_id in keys:
            if not KEY_ID.match(key_id):
                raise ValueError(f"bad API key id {key_id!r}")
        self._keys = dict(keys)

    @classmethod
    def from_json(cls, text: str | None) -> KeyRing:
        raw = json.loads(text) if text else {}
        return cls({key_id: ApiKey.model_validate(entry) for key_id, entry in raw.items()})

    def __len__(self) -> int:
        return len(self._keys)

    def authenticate(self, credential: str) -> Principal | None:
        key_id, _, secret = credential.partition(".")
        key = self._keys.get(key_id)
        expected = key.secret_sha256 if key else self._NO_SUCH_KEY
        matches = hmac.compare_digest(hash_secret(secret), expected)
        if key is None or not matches or not secret:
            return None
        return Principal(key_id, frozenset(key.scopes), key.channel)


def presented_credential(headers: dict[str, str]) -> str | None:
    """The credential from `Authorization: Bearer ...` or `X-API-Key`, if any."""
    authorization = headers.get("authorization", "")
    scheme, _, value = authorization.partition(" ")
    if scheme.lower() == "bearer" and value.strip():
        return value.strip()
    return headers.get("x-api-key") or None


# --- policy ----------------------------------------------------------------------------

PUBLIC = None  # what `AccessPolicy.required_scopes` answers for a public route


@dataclass(frozen=True)
class Rule:
    method: str
    path: str
    scopes: frozenset[str]

    def matches(self, method: str, path: str) -> bool:
        return self.method in ("*", method) and path_matches(self.path, path)


def path_matches(pattern: str, path: str) -> bool:
    """Segment by segment: `*` is one segment, a final `**` any number (none too), other
    segments are shell patterns (`reservations*`). `/stays/*` matches `/stays/{stay_id}`
    but not `/stays/{stay_id}/folio`."""
    wanted = pattern.strip("/").split("/")
    actual: list[str | None] = [*path.strip("/").split("/")]
    if wanted and wanted[-1] == "**":
        wanted = wanted[:-1]
        actual = actual[: len(wanted)] if len(actual) >= len(wanted) else actual + [None]
    if len(wanted) != len(actual):
        return False
    return all(
        part is not None and fnmatchcase(part, want)
        for want, part in zip(wanted, actual, strict=True)
    )


class AccessPolicy:
    """Which scopes reach which route. Paths are route templates (`/stays/{stay_id}`)
    matched by `path_matches`; methods are exact or `*`."""

    def __init__(
        self,
        rules: Iterable[tuple[str, str, Iterable[str]]] = (),
        public: Iterable[tuple[str, str]] = (),
    ) -> None:
        self.rules = tuple(
            Rule(method.upper(), path, frozenset(scopes))
            for method, path, scopes in (*rules, *COMMON_POLICY)
        )
        self.public = tuple(
            Rule(method.upper(), path, frozenset()) for method, path in (*public, *COMMON_PUBLIC)
        )
        unknown = {scope for rule in self.rules for scope in rule.scopes} - set(SCOPES)
        if unknown:
            raise ValueError(f"unknown scopes in the access policy: {sorted(unknown)}")

    @classmethod
    def for_service(cls, service_name: str) -> AccessPolicy:
        """The policy in `services/<name>/access.py`; without one, only the common routes."""
        module_name = f"services.{service_name}.access"
        if (
            importlib.util.find_spec(f"services.{service_name}") is None
            or importlib.util.find_spec(module_name) is None
        ):
            return cls()
        module = importlib.import_module(module_name)
        return cls(getattr(module, "POLICY", ()), getattr(module, "PUBLIC", ()))

    def required_scopes(self, method: str, path: str) -> frozenset[str] | None:
        """None for a public route; else the scopes of which the caller needs one."""
        if method == "HEAD":
            method = "GET"
        if any(rule.matches(method, path) for rule in self.public):
            return PUBLIC
        for rule in self.rules:
            if rule.matches(method, path):
                return rule.scopes | {MANAGER}
        return frozenset({MANAGER})


# --- for routes --------------------------------------------------------------------------


def principal_of(request: Request) -> Principal:
    """The authenticated caller of a request (ApiGuard put it there)."""
    principal = request.scope.get("state", {}).get("principal")
    if not isinstance(principal, Principal):
        raise Unauthorized("this route needs a credential")
    return principal


async def current_principal(request: Request) -> Principal:
    """A FastAPI dependency: the authenticated caller. A coroutine because FastAPI runs a
    plain `def` dependency in its thread pool: a worker thread woken and its answer handed
    back to the loop on every authenticated request, 0.2 ms of CPU each (issue 14)."""
    return principal_of(request)


CurrentPrincipal = Annotated[Principal, Depends(current_principal)]


def acting_person(taken_by: str | None) -> str:
    """Who acted, as a route recorded it from the signed-in credential (never the body's
    word): a use case that finds none was called by a route that forgot to name it."""
    if not taken_by:
        raise RuntimeError("the route must name the acting credential")
    return taken_by


def ensure_channel_visible(principal: Principal, channel: str | None, what: str = "record") -> None:
    """Object-level check for records that belong to a booking channel. Answers 404, not
    403, so an integrator cannot learn which ids exist on other channels."""
    if not principal.sees_channel(channel):
        raise NotFound(f"{what} not found")


def channel_filter(principal: Principal, field: str = "channel") -> dict[str, str]:
    """For list routes: the query filter that keeps an integrator to its own channel
    ({} for staff). An integrator key without a channel is refused at start-up."""
    return {field: principal.channel or ""} if principal.bound_to_channel else {}


# --- a local run's keys ----------------------------------------------------------------


def development_credentials(
    env_file: Path, channel: str = "ota-demo"
) -> tuple[dict[str, str], bool]:
    """One credential per scope for a local run, kept in `env_file` (created on first
    use, mode 0600). Returns {scope: credential} and whether the file was just made."""
    created = not env_file.exists()
    if created:
        lines = [
            "# API keys of this local run (make run). Send one as 'Authorization: Bearer <key>'."
        ]
        for scope in SCOPES:
            credential, _ = new_credential(f"local-{scope}")
            lines.append(f"HOTEL_KEY_{scope.upper()}={credential}")
        env_file.parent.mkdir(parents=True, exist_ok=True)
        env_file.touch(mode=0o600)
        env_file.write_text("\n".join(lines) + "\n")
    credentials = {}
    for line in env_file.read_text().splitlines():
        name, sep, value = line.partition("=")
        if sep and name.startswith("HOTEL_KEY_"):
            credentials[name.removeprefix("HOTEL_KEY_").lower()] = value.strip()
    return credentials, created


def api_keys_setting(credentials: dict[str, str], channel: str = "ota-demo") -> str:
    """The API_KEYS value that accepts `credentials` ({scope: credential})."""
    keys = {}
    for scope, credential in credentials.items():
        key_id, _, secret = credential.partition(".")
        keys[key_id] = {
            "secret_sha256": hash_secret(secret),
            "scopes": [scope],
            **({"channel": channel} if scope == "integrator" else {}),
        }
    return json.dumps(keys)


def main(argv: list[str] | None = None) -> None:
    """`python -m shared.auth <key id> <scope>... [--channel C]`: a new credential (give it
    to the department, once) and the API_KEYS entry that accepts it (for the services)."""
    import argparse

    parser = argparse.ArgumentParser(prog="python -m shared.auth", description=main.__doc__)
    parser.add_argument("key_id")
    parser.add_argument("scopes", nargs="+", choices=SCOPES)
    parser.add_argument("--channel", help="the booking channel of an integrator key")
    args = parser.parse_args(argv)
    credential, digest = new_credential(args.key_id)
    entry = ApiKey(secret_sha256=digest, scopes=tuple(args.scopes), channel=args.channel)
    print(f"credential (for the caller, shown once): {credential}")
    print(f"API_KEYS entry: {json.dumps({args.key_id: entry.model_dump(exclude_none=True)})}")


if __name__ == "__main__":
    main()
