"""Credentials, scopes and the deny-by-default gate, on a small app built the way every
service is built (create_service_app), called in process without its lifespan."""

from __future__ import annotations

import hashlib
import json

import httpx
import pytest
from fastapi import APIRouter, Request
from pydantic import BaseModel, ConfigDict, ValidationError

from shared import auth
from shared.auth import (
    AccessPolicy,
    ApiKey,
    KeyRing,
    Principal,
    ensure_channel_visible,
    hash_secret,
    new_credential,
    path_matches,
    principal_of,
)
from shared.errors import NotFound
from shared.guard import TokenBuckets
from shared.runtime import ServiceRuntime, create_service_app
from shared.settings import ServiceSettings


def keyring(**scopes_by_key: list[str]) -> tuple[KeyRing, dict[str, str]]:
    keys, credentials = {}, {}
    for key_id, scopes in scopes_by_key.items():
        credential, digest = new_credential(key_id)
        credentials[key_id] = credential
        keys[key_id] = {
            "secret_sha256": digest,
            "scopes": scopes,
            **({"channel": "web"} if "integrator" in scopes else {}),
        }
    return KeyRing.from_json(json.dumps(keys)), credentials


# --- credentials ---------------------------------------------------------------------------


def test_only_the_hash_of_a_secret_is_kept_and_it_is_sha256() -> None:
    credential, digest = new_credential("frontdesk-1")
    key_id, secret = credential.split(".", 1)
    assert key_id == "frontdesk-1" and len(secret) >= 43  # 32 random bytes
    assert digest == hashlib.sha256(secret.encode()).hexdigest() == hash_secret(secret)
    assert secret not in digest


def test_a_valid_credential_is_the_principal_of_its_key() -> None:
    ring, credentials = keyring(desk=["frontdesk"], ota=["integrator"])
    assert ring.authenticate(credentials["desk"]) == Principal("desk", frozenset({"frontdesk"}))
    assert ring.authenticate(credentials["ota"]).channel == "web"


@pytest.mark.parametrize(
    "tamper",
    [
        lambda c: c[:-1] + ("A" if c[-1] != "A" else "B"),  # wrong secret
        lambda c: "other" + c[c.index(".") :],  # unknown key id
        lambda c: c.split(".")[0],  # no secret
        lambda c: c.split(".")[0] + ".",  # empty secret
        lambda c: "",
    ],
)
def test_a_wrong_credential_is_nobody(tamper) -> None:
    ring, credentials = keyring(desk=["frontdesk"])
    assert ring.authenticate(tamper(credentials["desk"])) is None


def test_secrets_are_compared_in_constant_time_even_for_unknown_key_ids(monkeypatch) -> None:
    calls = []
    real = auth.hmac.compare_digest
    monkeypatch.setattr(
        auth.hmac, "compare_digest", lambda a, b: calls.append((a, b)) or real(a, b)
    )
    ring, credentials = keyring(desk=["frontdesk"])
    ring.authenticate(credentials["desk"])
    ring.authenticate("nobody.secret")
    assert len(calls) == 2  # a comparison for the unknown id too: no timing oracle


@pytest.mark.parametrize(
    "entry",
    [
        {"secret_sha256": "0" * 64, "scopes": ["integrator"]},  # integrator w/o channel
        {"secret_sha256": "0" * 64, "scopes": ["superuser"]},  # unknown scope
        {"secret_sha256": "0" * 64, "scopes": []},  # no scope
        {"secret_sha256": "not-a-hash", "scopes": ["manager"]},
        {"secret": "plain", "scopes": ["manager"]},  # a secret in clear
    ],
)
def test_bad_key_entries_are_refused_at_start_up(entry) -> None:
    with pytest.raises(ValidationError):
        ApiKey.model_validate(entry)


def test_an_integrator_sees_only_its_own_channel_and_staff_see_all() -> None:
    ota = Principal("ota", frozenset({"integrator"}), "web")
    desk = Principal("desk", frozenset({"frontdesk"}))
    assert ota.sees_channel("web") and not ota.sees_channel("phone")
    assert desk.sees_channel("phone")
    ensure_channel_visible(ota, "web")
    with pytest.raises(NotFound):
        ensure_channel_visible(ota, "phone", "reservation")
    assert auth.channel_filter(ota) == {"channel": "web"}
    assert auth.channel_filter(desk) == {}
    both = Principal("both", frozenset({"integrator", "reservations"}), "web")
    assert auth.channel_filter(both) == {}  # a staff scope sees every channel


# --- policy --------------------------------------------------------------------------------


def test_path_patterns_match_segment_by_segment() -> None:
    assert path_matches("/stays/*", "/stays/{stay_id}")
    assert not path_matches("/stays/*", "/stays/{stay_id}/folio")
    assert path_matches("/stays/**", "/stays")
    assert path_matches("/stays/**", "/stays/{stay_id}/folio/charges")
    assert not path_matches("/stays/**", "/staysfoo")
    assert path_matches("/guests/*/points", "/guests/{guest_id}/points")


def test_the_first_matching_rule_wins_manager_always_and_unlisted_is_manager_only() -> None:
    policy = AccessPolicy(
        [("GET", "/rooms/**", ["housekeeping", "frontdesk"]), ("*", "/rooms/**", ["housekeeping"])],
        public=[("GET", "/surveys/*")],
    )
    assert policy.required_scopes("GET", "/rooms/{n}") == {"housekeeping", "frontdesk", "manager"}
    assert policy.required_scopes("POST", "/rooms/{n}") == {"housekeeping", "manager"}
    assert policy.required_scopes("GET", "/folios/{id}") == {"manager"}
    assert policy.required_scopes("GET", "/surveys/{id}") is None
    assert policy.required_scopes("GET", "/livez") is None
    assert policy.required_scopes("GET", "/metrics") == {"ops", "manager"}


def test_a_policy_naming_an_unknown_scope_fails_at_start_up() -> None:
    with pytest.raises(ValueError, match="unknown scopes"):
        AccessPolicy([("GET", "/x", ["cleaners"])])


def test_every_service_has_a_policy_module_with_known_scopes() -> None:
    for name in ("reservation", "frontdesk", "housekeeping", "feedback", "loyalty"):
        policy = AccessPolicy.for_service(name)
        assert len(policy.rules) > len(auth.COMMON_POLICY), name


# --- the gate, through create_service_app ------------------------------------------------


class Note(BaseModel):
    model_config = ConfigDict(extra="forbid")
    text: str


def small_app(
    ring: KeyRing, *, per_minute: int = 6000, burst: int = 1000, max_body_bytes: int = 2048
):
    settings = ServiceSettings(
        service_name="reservation",
        http_port=1,
        rate_limit_per_minute=per_minute,
        rate_limit_burst=burst,
        max_body_bytes=max_body_bytes,
    )
    runtime = ServiceRuntime(settings, outbox_collections=())
    runtime.access_policy = AccessPolicy(
        [("GET", "/rooms/**", ["housekeeping", "frontdesk"]), ("POST", "/notes", ["frontdesk"])],
        public=[("GET", "/surveys/*")],
    )
    runtime.api_keys = ring
    router = APIRouter()

    @router.get("/rooms/{number}")
    async def room(number: str, request: Request) -> dict:
        return {"number": number, "caller": principal_of(request).key_id}

    @router.post("/notes")
    async def note(body: Note) -> dict:
        return {"text": body.text}

    @router.get("/surveys/{survey_id}")
    async def survey(survey_id: str) -> dict:
        return {"survey_id": survey_id}

    @router.get("/folios/{folio_id}")  # in no rule: manager only
    async def folio(folio_id: str) -> dict:
        return {"folio_id": folio_id}

    async def nothing() -> None:
        return None

    return create_service_app(runtime, title="t", routers=[router], prepare_database=nothing)


@pytest.fixture
def gate():
    ring, credentials = keyring(
        hk=["housekeeping"], desk=["frontdesk"], boss=["manager"], ota=["integrator"], ops=["ops"]
    )
    app = small_app(ring)

    def call(method: str, path: str, key: str | None = None, **kwargs) -> httpx.Response:
        headers = {"authorization": f"Bearer {credentials[key]}"} if key else {}
        headers.update(kwargs.pop("headers", {}))

        async def go():
            async with httpx.AsyncClient(
                transport=httpx.ASGITransport(app=app), base_url="http://t"
            ) as client:
                return await client.request(method, path, headers=headers, **kwargs)

        import asyncio

        return asyncio.run(go())

    call.credentials = credentials
    return call


def test_no_credential_is_401_problem_json_with_a_challenge(gate) -> None:
    response = gate("GET", "/rooms/101")
    assert response.status_code == 401
    assert response.headers["content-type"] == "application/problem+json"
    assert response.headers["www-authenticate"].startswith("Bearer")
    assert response.json()["status"] == 401


def test_a_bad_credential_is_401_and_the_x_api_key_header_works_too(gate) -> None:
    assert (
        gate("GET", "/rooms/101", headers={"authorization": "Bearer hk.wrong"}).status_code == 401
    )
    good = gate.credentials["hk"]
    assert gate("GET", "/rooms/101", headers={"x-api-key": good}).status_code == 200


def test_a_scope_reaches_only_its_routes(gate) -> None:
    assert gate("GET", "/rooms/101", "hk").json() == {"number": "101", "caller": "hk"}
    assert gate("GET", "/rooms/101", "desk").status_code == 200
    forbidden = gate("POST", "/notes", "hk", json={"text": "x"})
    assert forbidden.status_code == 403
    assert forbidden.headers["content-type"] == "application/problem+json"
    assert gate("POST", "/notes", "desk", json={"text": "x"}).status_code == 200
    assert gate("GET", "/rooms/101", "ota").status_code == 403


def test_a_route_in_no_rule_is_denied_to_all_but_manager(gate) -> None:
    for key in ("hk", "desk", "ota", "ops"):
        assert gate("GET", "/folios/f1", key).status_code == 403, key
    assert gate("GET", "/folios/f1", "boss").status_code == 200


def test_public_and_health_routes_need_no_credential_and_ops_routes_need_ops(gate) -> None:
    assert gate("GET", "/surveys/s1").status_code == 200
    assert gate("GET", "/livez").status_code == 200
    assert gate("GET", "/openapi.json").status_code == 200
    assert gate("GET", "/metrics").status_code == 401
    assert gate("GET", "/metrics", "hk").status_code == 403
    assert gate("GET", "/metrics", "ops").status_code == 200


def test_an_unknown_path_tells_an_anonymous_caller_nothing(gate) -> None:
    assert gate("GET", "/no/such/route").status_code == 401
    assert gate("GET", "/no/such/route", "hk").status_code == 404


def test_a_body_over_the_cap_is_413_and_unknown_fields_are_422(gate) -> None:
    big = gate("POST", "/notes", "desk", json={"text": "x" * 5000})
    assert big.status_code == 413 and big.headers["content-type"] == "application/problem+json"

    async def chunks():  # no content-length: the cap counts what arrives
        yield b'{"text": "'
        for _ in range(10):
            yield b"x" * 500
        yield b'"}'

    assert (
        gate(
            "POST", "/notes", "desk", content=chunks(), headers={"content-type": "application/json"}
        ).status_code
        == 413
    )
    assert gate("POST", "/notes", "desk", json={"text": "x", "admin": True}).status_code == 422


def test_the_rate_limit_is_per_credential_with_retry_after() -> None:
    ring, credentials = keyring(hk=["housekeeping"], desk=["frontdesk"])
    app = small_app(ring, per_minute=60, burst=3)

    async def run() -> list[httpx.Response]:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t"
        ) as client:
            hk = {"authorization": f"Bearer {credentials['hk']}"}
            desk = {"authorization": f"Bearer {credentials['desk']}"}
            return [await client.get("/rooms/1", headers=hk) for _ in range(5)] + [
                await client.get("/rooms/1", headers=desk)
            ]

    import asyncio

    responses = asyncio.run(run())
    assert [r.status_code for r in responses] == [200, 200, 200, 429, 429, 200]
    assert responses[3].headers["retry-after"] == "1"
    assert responses[3].headers["content-type"] == "application/problem+json"


def test_token_buckets_refill_at_the_rate() -> None:
    now = [0.0]
    buckets = TokenBuckets(per_minute=60, burst=2, clock=lambda: now[0])
    assert [buckets.take("a"), buckets.take("a")] == [0, 0]
    assert buckets.take("a") == pytest.approx(1.0)
    now[0] = 1.0
    assert buckets.take("a") == 0
    assert buckets.take("b") == 0  # another caller has its own bucket


def test_a_local_run_makes_its_keys_once_and_the_services_accept_them(tmp_path) -> None:
    env_file = tmp_path / ".run" / "api-keys.env"
    credentials, created = auth.development_credentials(env_file)
    again, created_again = auth.development_credentials(env_file)
    assert created and not created_again and again == credentials
    assert set(credentials) == set(auth.SCOPES)
    assert env_file.stat().st_mode & 0o077 == 0  # readable by its owner only
    ring = KeyRing.from_json(auth.api_keys_setting(credentials))
    for scope, credential in credentials.items():
        assert ring.authenticate(credential).scopes == {scope}
    assert credentials["manager"].split(".")[1] not in auth.api_keys_setting(credentials)


def test_a_small_chunked_body_still_reaches_the_route(gate) -> None:
    async def chunks():
        yield b'{"text": '
        yield b'"hello"}'

    response = gate(
        "POST", "/notes", "desk", content=chunks(), headers={"content-type": "application/json"}
    )
    assert response.status_code == 200 and response.json() == {"text": "hello"}


def test_the_openapi_documents_the_credential_and_the_public_routes(gate) -> None:
    schema = gate("GET", "/openapi.json").json()
    assert schema["components"]["securitySchemes"]["apiKey"]["scheme"] == "bearer"
    assert schema["security"] == [{"apiKey": []}]
    assert schema["paths"]["/surveys/{survey_id}"]["get"]["security"] == []
    assert "security" not in schema["paths"]["/rooms/{number}"]["get"]


def test_a_request_that_takes_too_long_is_answered_503() -> None:
    import asyncio

    ring, credentials = keyring(boss=["manager"])
    settings = ServiceSettings(service_name="reservation", http_port=1, request_timeout_seconds=0.2)
    runtime = ServiceRuntime(settings, outbox_collections=())
    runtime.api_keys = ring
    router = APIRouter()

    @router.get("/slow")
    async def slow() -> dict:
        await asyncio.Event().wait()  # a handler that never answers
        return {}

    async def nothing() -> None:
        return None

    app = create_service_app(runtime, title="t", routers=[router], prepare_database=nothing)

    async def run() -> httpx.Response:
        async with httpx.AsyncClient(
            transport=httpx.ASGITransport(app=app), base_url="http://t"
        ) as client:
            return await client.get(
                "/slow", headers={"authorization": f"Bearer {credentials['boss']}"}
            )

    response = asyncio.run(run())
    assert response.status_code == 503
    assert response.headers["content-type"] == "application/problem+json"


def test_ops_mint_a_key_whose_entry_the_services_accept(capsys) -> None:
    auth.main(["ota-ctrip", "integrator", "--channel", "ctrip"])
    lines = capsys.readouterr().out.splitlines()
    credential = lines[0].rsplit(" ", 1)[1]
    ring = KeyRing.from_json(lines[1].split(": ", 1)[1])
    assert ring.authenticate(credential) == Principal(
        "ota-ctrip", frozenset({"integrator"}), "ctrip"
    )
