"""Signing in and out of a service's screens: the sign-in form (its own double-submit
token, before any session exists), the key checked against this service's scopes, the
session cookie set, and sign-out."""

from __future__ import annotations

import hmac
import secrets
from typing import TYPE_CHECKING

from fastapi import Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from shared.logging import get_logger
from shared.pages.rendering import read_form
from shared.pages.session import COOKIE_PATH, CSRF_FIELD, StaffSession, session_from

if TYPE_CHECKING:
    from shared.pages.web import StaffPages

log = get_logger(__name__)


def sign_in_routes(pages: StaffPages) -> None:
    """The home redirect, the sign-in form and its post, and sign-out. A key signs in
    with the screens' scopes or `ops` (the parking lot)."""
    router = pages.router
    allowed = pages.scopes | {"ops"}
    login_cookie = f"{pages.cookie}_login"

    @router.get("")
    async def home() -> Response:
        return RedirectResponse(pages.nav[0][0], status_code=303)

    @router.get("/login")
    async def login_form(request: Request) -> Response:
        # Before a session there is no key to derive a token from: a random one, in a
        # cookie and in the form (double submit), so no other site can sign you in.
        token = secrets.token_urlsafe(24)
        response = pages.render(
            request, None, "login.html", next=_safe_next(request), login_token=token
        )
        _set_cookie(pages, response, login_cookie, token, f"{COOKIE_PATH}/login", 3600)
        return response

    @router.post("/login")
    async def login(request: Request) -> Response:
        form = await read_form(request) or {}
        expected = request.cookies.get(login_cookie, "")
        if not expected or not hmac.compare_digest(form.get(CSRF_FIELD, ""), expected):
            failure = "This sign-in form has expired. Please try again."
            return _login_again(pages, request, 403, failure, "")
        credential = form.get("api_key", "").strip()
        session = session_from(credential, pages.keys)
        if session is None:
            failure = "That key is not valid for this service."
            return _login_again(pages, request, 401, failure, expected)
        if not session.may(allowed):
            failure = f"That key has no access to the {pages.title} screens."
            return _login_again(pages, request, 403, failure, expected)
        response = RedirectResponse(_safe_next(request), status_code=303)
        _set_cookie(pages, response, pages.cookie, credential, COOKIE_PATH, 12 * 3600)
        log.info("staff signed in", key_id=session.principal.key_id)
        return response

    @pages.action("/logout", tuple(allowed))
    async def logout(request: Request, session: StaffSession, form: dict[str, str]) -> Response:
        response = RedirectResponse("/app/login", status_code=303)
        response.delete_cookie(pages.cookie, path=COOKIE_PATH)
        return response


def _set_cookie(
    pages: StaffPages, response: Response, name: str, value: str, path: str, max_age: int
) -> None:
    """Script cannot read it and no other site's request carries it."""
    response.set_cookie(
        name,
        value,
        httponly=True,
        samesite="strict",
        secure=pages.secure_cookie,
        path=path,
        max_age=max_age,
    )


def _login_again(
    pages: StaffPages, request: Request, status: int, failure: str, token: str
) -> HTMLResponse:
    """The sign-in form once more, saying why not (with the form's token, if it still
    holds)."""
    return pages.render(
        request,
        None,
        "login.html",
        status,
        next=_safe_next(request),
        failure=failure,
        login_token=token,
    )


def _safe_next(request: Request) -> str:
    """Only a path of these screens: never an open redirect."""
    target = request.query_params.get("next", "")
    return target if target.startswith("/app/") and "//" not in target else "/app"
