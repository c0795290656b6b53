"""The access matrix of every service's screens, in-process (no broker needed: refusals
happen before any route code, and the screens that render here read an empty store).

Every /app screen and form of every service: without a session, to the sign-in page and
nothing done; with another department's key, 403 from the screens' own check; every form
without its CSRF token (or with a wrong one), 403. Sign-in refuses a key of another
department and sets the cookie HttpOnly, SameSite=Strict, Path=/app."""

from __future__ import annotations

import importlib
import re

import httpx
import pytest

from shared.pages.session import csrf_token
from shared.route_scopes import route_table
from tests.support.stack import StackCredentials

CREDENTIALS = StackCredentials.generate()
# The department of each service's screens, and a key of another department.
SERVICES = {
    "frontdesk": ("frontdesk", "housekeeping"),
    "housekeeping": ("housekeeping", "frontdesk"),
    "reservation": ("reservations", "housekeeping"),
    "feedback": ("feedback", "frontdesk"),
    "loyalty": ("loyalty", "frontdesk"),
}
SHARED = {"/app", "/app/login", "/app/static/{name}"}  # open to all: no data, no change
# Screens that render from an empty store here (the parking lot needs the broker).
RENDERS = {
    "frontdesk": ["/app/frontdesk"],
    "housekeeping": ["/app/housekeeping", "/app/housekeeping/tasks"],
    "reservation": ["/app/reservation", "/app/reservation/search"],
    "feedback": ["/app/feedback", "/app/feedback/satisfaction"],
    "loyalty": ["/app/loyalty"],
}
SCREEN_REFUSAL = "may not open this screen"
CSRF_REFUSAL = "did not come from this screen"


def build(service: str):
    module = importlib.import_module(f"services.{service}.main")
    settings = importlib.import_module(f"services.{service}.config").Settings(
        api_keys=CREDENTIALS.api_keys,
        rate_limit_per_minute=1_000_000,
        rate_limit_burst=100_000,
        outbox_relay_enabled=False,
    )
    return module.create_app(settings)


def screens(app) -> list[tuple[str, str]]:
    found = []
    for _, methods, path in route_table(app.router.routes):
        if path.startswith("/app") and path not in SHARED:
            found += [
                (method, re.sub(r"\{[^}]+\}", "x", path))
                for method in methods or ()
                if method in ("GET", "POST")
            ]
    return sorted(found)


@pytest.fixture(scope="module")
def apps():
    return {service: build(service) for service in SERVICES}


def cookie_for(service: str, scope: str) -> dict[str, str]:
    return {f"hotel_staff_{service}": CREDENTIALS.by_name[scope]}


async def ask(
    app,
    method: str,
    path: str,
    cookies: dict[str, str] | None = None,
    data: dict[str, str] | None = None,
) -> httpx.Response:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://test", cookies=cookies or {}
    ) as http:
        return await http.request(method, path, data=data)


@pytest.mark.parametrize("service", SERVICES)
async def test_no_screen_and_no_form_without_a_key(apps, service: str) -> None:
    app = apps[service]
    routes = screens(app)
    assert len(routes) >= 3, routes
    for method, path in routes:
        answer = await ask(app, method, path, data={"csrf_token": "x"})
        assert answer.status_code == 303, (method, path, answer.status_code)
        assert answer.headers["location"].startswith("/app/login?next="), (method, path)
    bogus = await ask(
        app, "GET", routes[0][1], cookies={f"hotel_staff_{service}": "test-manager.forged"}
    )
    assert bogus.status_code == 303
    print(f"\n{service}: {len(routes)} screens and forms, each sent to sign-in without a key")


@pytest.mark.parametrize("service", SERVICES)
async def test_another_departments_key_opens_no_screen_and_posts_no_form(
    apps, service: str
) -> None:
    app = apps[service]
    own, other = SERVICES[service]
    cookies = cookie_for(service, other)
    refused = 0
    for method, path in screens(app):
        if path.startswith("/app/ops/"):
            continue  # the ops screen: its own test
        data = {"csrf_token": csrf_token(CREDENTIALS.by_name[other])} if method == "POST" else None
        answer = await ask(app, method, path, cookies, data)
        assert answer.status_code == 403 and SCREEN_REFUSAL in answer.text, (
            method,
            path,
            answer.status_code,
        )
        refused += 1
    print(f"\n{service}: a {other} key refused on {refused} screens and forms")


@pytest.mark.parametrize("service", SERVICES)
async def test_no_form_without_its_csrf_token(apps, service: str) -> None:
    app = apps[service]
    own, _ = SERVICES[service]
    forms = [path for method, path in screens(app) if method == "POST"]
    assert forms
    for scope in (own, "manager"):
        cookies = cookie_for(service, scope)
        for path in forms:
            needs = "ops" if path.startswith("/app/ops/") else scope
            cookies = cookie_for(service, needs)
            for data in (
                {},
                {"csrf_token": ""},
                {"csrf_token": csrf_token(CREDENTIALS.by_name["manager"] + "x")},
            ):
                answer = await ask(app, "POST", path, cookies, data)
                assert answer.status_code == 403 and CSRF_REFUSAL in answer.text, (
                    path,
                    data,
                    answer.status_code,
                )
    print(f"\n{service}: {len(forms)} forms refused without their CSRF token (none, empty, wrong)")


@pytest.mark.parametrize("service", SERVICES)
async def test_the_departments_own_key_opens_its_screens_and_only_ops_opens_the_parking_lot(
    apps, service: str
) -> None:
    app = apps[service]
    own, other = SERVICES[service]
    for path in RENDERS[service]:
        answer = await ask(app, "GET", path, cookie_for(service, own))
        assert answer.status_code == 200, (path, answer.status_code, answer.text[:300])
        assert answer.headers["content-type"].startswith("text/html")
        assert "frame-ancestors 'none'" in answer.headers["content-security-policy"]
        assert csrf_token(CREDENTIALS.by_name[own]) in answer.text  # its forms carry the token
    parking = await ask(app, "GET", "/app/ops/parking", cookie_for(service, own))
    assert parking.status_code == 403 and SCREEN_REFUSAL in parking.text


async def login_token(app, service: str) -> tuple[dict[str, str], str]:
    """The sign-in form's token and its cookie, as a browser gets them."""
    form = await ask(app, "GET", "/app/login")
    token = re.search(r'name="csrf_token" value="([^"]+)"', form.text)[1]
    return {f"hotel_staff_{service}_login": form.cookies[f"hotel_staff_{service}_login"]}, token


@pytest.mark.parametrize("service", SERVICES)
async def test_sign_in_takes_only_a_key_of_the_department_from_its_own_form(
    apps, service: str
) -> None:
    app = apps[service]
    own, other = SERVICES[service]
    cookies, token = await login_token(app, service)
    wrong = await ask(
        app,
        "POST",
        "/app/login",
        cookies,
        {"api_key": CREDENTIALS.by_name[other], "csrf_token": token},
    )
    assert wrong.status_code == 403 and "set-cookie" not in wrong.headers
    forged = await ask(
        app, "POST", "/app/login", cookies, {"api_key": "test-manager.nope", "csrf_token": token}
    )
    assert forged.status_code == 401 and "set-cookie" not in forged.headers
    # From another site's form: no token, or a token without its cookie.
    for without in ((cookies, {}), ({}, {"csrf_token": token})):
        refused = await ask(
            app,
            "POST",
            "/app/login",
            without[0],
            {"api_key": CREDENTIALS.by_name[own], **without[1]},
        )
        assert refused.status_code == 403 and "set-cookie" not in refused.headers
    right = await ask(
        app,
        "POST",
        f"/app/login?next=/app/{service}",
        cookies,
        {"api_key": CREDENTIALS.by_name[own], "csrf_token": token},
    )
    assert right.status_code == 303 and right.headers["location"] == f"/app/{service}"
    cookie = right.headers["set-cookie"].lower()
    assert f"hotel_staff_{service}=" in cookie
    assert "httponly" in cookie and "samesite=strict" in cookie and "path=/app" in cookie
    away = await ask(
        app,
        "POST",
        "/app/login?next=//evil.example/x",
        cookies,
        {"api_key": CREDENTIALS.by_name[own], "csrf_token": token},
    )
    assert away.headers["location"] == "/app"  # never an open redirect
