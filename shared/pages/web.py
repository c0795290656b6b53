"""The plumbing of a service's staff screens: sign-in and out, the session check on every
page, CSRF on every form, in-process calls to the service's own API with the signed-in
key, templates, security headers, the shared style sheet and scripts, and the ops screen.

A page is registered with `pages.page(path, scopes)` (GET) or `pages.action(path, scopes)`
(POST, form-encoded, CSRF-checked). Without a session: to the sign-in page. With a key
lacking the scopes: 403. The API call then applies the very same access policy again.
"""

from __future__ import annotations

import hmac
import logging
import secrets
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import parse_qs, quote

import httpx
from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

from shared.auth import KeyRing
from shared.logging import get_logger
from shared.pages.session import COOKIE, COOKIE_PATH, CSRF_FIELD, StaffSession, session_from

# A screen's handler: (request, session[, form]) -> the response.
Handler = Callable[..., Awaitable[Response]]

log = get_logger(__name__)
# httpx logs every request's URL at INFO; the screens' in-process calls carry search
# criteria (a guest's name) in theirs, and personal data is never logged.
logging.getLogger("httpx").setLevel(logging.WARNING)

HERE = Path(__file__).parent
STATIC = {"pages.css": "text/css", "charts.js": "text/javascript"}
# No inline script or style, nothing from elsewhere; no page in a frame; no referrer (a
# survey link's token must not leak to another site).
SECURITY_HEADERS = {
    "content-security-policy": "default-src 'self'; script-src 'self'; style-src 'self'; "
    "img-src 'self' data:; frame-ancestors 'none'; form-action 'self'",
    "x-frame-options": "DENY",
    "x-content-type-options": "nosniff",
    "referrer-policy": "no-referrer",
    "cache-control": "no-store",
}
MAX_FORM_BYTES = 64 * 1024


def templates_for(*directories: Path) -> Environment:
    """The service's templates first, then the shared ones (base layout, sign-in, errors)."""
    loaders = [FileSystemLoader(str(d)) for d in (*directories, HERE / "templates")]
    return Environment(loader=ChoiceLoader(loaders), autoescape=select_autoescape(["html"]))


def html(
    environment: Environment, template: str, status: int = 200, **context: Any
) -> HTMLResponse:
    body = environment.get_template(template).render(**context)
    return HTMLResponse(body, status_code=status, headers=SECURITY_HEADERS)


async def read_form(request: Request) -> dict[str, str] | None:
    """A url-encoded form, the last value of each field; None when too large."""
    body = await request.body()
    if len(body) > MAX_FORM_BYTES:
        return None
    fields = parse_qs(body.decode("utf-8", "replace"), keep_blank_values=True)
    return {name: values[-1] for name, values in fields.items()}


class PageExit(Exception):
    """Ends a page early with this response (sign-in redirect, 403, an error page)."""

    def __init__(self, response: Response) -> None:
        self.response = response


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


class StaffPages:
    def __init__(
        self,
        runtime: Any,
        *,
        service: str,
        title: str,
        scopes: tuple[str, ...],
        templates: Path,
        nav: list[tuple[str, str]],
    ) -> None:
        self.service = service
        self.title = title
        self.scopes = frozenset(scopes)
        self.keys: KeyRing = runtime.api_keys
        self.cookie = f"{COOKIE}_{service}"  # cookies ignore ports: one per service
        self.secure_cookie = not runtime.settings.http_host.startswith("127.")
        self.nav = [*nav, ("/app/ops/parking", "Parking lot")]
        self.templates = templates_for(templates)
        self.router = APIRouter(prefix="/app", include_in_schema=False)
        self._common_routes(runtime)

    # --- registering pages --------------------------------------------------------------

    def page(
        self, path: str, scopes: tuple[str, ...] | None = None
    ) -> Callable[[Handler], Handler]:
        """A GET screen: `handler(request, session) -> Response`."""
        needed = frozenset(scopes) if scopes is not None else self.scopes

        def register(handler: Handler) -> Handler:
            async def endpoint(request: Request) -> Response:
                try:
                    session = self._session_for(request, needed)
                    return await handler(request, session)
                except PageExit as exit_:
                    return exit_.response

            self.router.add_api_route(path, endpoint, methods=["GET"])
            return handler

        return register

    def action(
        self, path: str, scopes: tuple[str, ...] | None = None
    ) -> Callable[[Handler], Handler]:
        """A POST form: `handler(request, session, form) -> Response`; the CSRF token is
        checked before the handler runs."""
        needed = frozenset(scopes) if scopes is not None else self.scopes

        def register(handler: Handler) -> Handler:
            async def endpoint(request: Request) -> Response:
                try:
                    session = self._session_for(request, needed)
                    form = await read_form(request)
                    if form is None:
                        raise PageExit(self.error(request, session, 413, "The form is too large."))
                    if not session.csrf_matches(form.pop(CSRF_FIELD, None)):
                        log.warning(
                            "form refused: CSRF token",
                            key_id=session.principal.key_id,
                            path=request.url.path,
                        )
                        raise PageExit(
                            self.error(
                                request,
                                session,
                                403,
                                "This form has expired or did not come from "
                                "this screen. Open the page again.",
                            )
                        )
                    return await handler(request, session, form)
                except PageExit as exit_:
                    return exit_.response

            self.router.add_api_route(path, endpoint, methods=["POST"])
            return handler

        return register

    def _session_for(self, request: Request, needed: frozenset[str]) -> StaffSession:
        session = session_from(request.cookies.get(self.cookie), self.keys)
        if session is None:
            target = quote(request.url.path, safe="/")
            raise PageExit(RedirectResponse(f"/app/login?next={target}", status_code=303))
        if not session.may(needed):
            log.warning(
                "screen refused: scope", key_id=session.principal.key_id, path=request.url.path
            )
            raise PageExit(
                self.error(
                    request,
                    session,
                    403,
                    f"This key may not open this screen (it needs one of "
                    f"{', '.join(sorted(needed | {'manager'}))}).",
                )
            )
        return session

    # --- answering ----------------------------------------------------------------------

    def render(
        self,
        request: Request,
        session: StaffSession | None,
        template: str,
        status: int = 200,
        **context: Any,
    ) -> HTMLResponse:
        return html(
            self.templates,
            template,
            status,
            request=request,
            session=session,
            app_title=self.title,
            nav=self.nav,
            csrf_field=CSRF_FIELD,
            notice=request.query_params.get("notice"),
            **context,
        )

    def error(
        self, request: Request, session: StaffSession | None, status: int, message: str
    ) -> HTMLResponse:
        return self.render(
            request, session, "error.html", status, status_code=status, message=message
        )

    @staticmethod
    def done(path: str, notice: str) -> RedirectResponse:
        """After a form: back to a screen (303, so a reload does not post again)."""
        joiner = "&" if "?" in path else "?"
        return RedirectResponse(f"{path}{joiner}notice={quote(notice)}", status_code=303)

    async def api(
        self,
        request: Request,
        session: StaffSession,
        method: str,
        path: str,
        *,
        json: Any = None,
        params: dict[str, Any] | None = None,
    ) -> ApiAnswer:
        """This service's own API, in-process, as the signed-in key: the API's scopes,
        validation and rules apply unchanged."""
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

    async def fetch(
        self,
        request: Request,
        session: StaffSession,
        path: str,
        params: dict[str, Any] | None = None,
    ) -> Any:
        """A GET the screen cannot do without: its error becomes the page's."""
        answer = await self.api(request, session, "GET", path, params=params)
        if not answer.ok:
            raise PageExit(self.error(request, session, answer.status, answer.detail))
        return answer.body

    # --- sign-in, sign-out, static files, the parking lot ----------------------------------

    def _common_routes(self, runtime: Any) -> None:
        router = self.router
        allowed = self.scopes | {"ops"}

        @router.get("")
        async def home() -> Response:
            return RedirectResponse(self.nav[0][0], status_code=303)

        login_cookie = f"{self.cookie}_login"

        @router.get("/login")
        async def login_form(request: Request) -> Response:
            # Before a session there is no key to derive a token from: a random one, in a
            # cookie and in the form (double submit), so no other site can sign you in.
            token = secrets.token_urlsafe(24)
            response = self.render(
                request, None, "login.html", next=_safe_next(request), login_token=token
            )
            response.set_cookie(
                login_cookie,
                token,
                httponly=True,
                samesite="strict",
                secure=self.secure_cookie,
                path=f"{COOKIE_PATH}/login",
                max_age=3600,
            )
            return response

        @router.post("/login")
        async def login(request: Request) -> Response:
            form = await read_form(request) or {}
            expected = request.cookies.get(login_cookie, "")
            if not expected or not hmac.compare_digest(form.get(CSRF_FIELD, ""), expected):
                return self.render(
                    request,
                    None,
                    "login.html",
                    403,
                    next=_safe_next(request),
                    failure="This sign-in form has expired. Please try again.",
                    login_token="",
                )
            credential = form.get("api_key", "").strip()
            session = session_from(credential, self.keys)
            if session is None:
                return self.render(
                    request,
                    None,
                    "login.html",
                    401,
                    next=_safe_next(request),
                    failure="That key is not valid for this service.",
                    login_token=expected,
                )
            if not session.may(allowed):
                return self.render(
                    request,
                    None,
                    "login.html",
                    403,
                    next=_safe_next(request),
                    failure=f"That key has no access to the {self.title} screens.",
                    login_token=expected,
                )
            response = RedirectResponse(_safe_next(request), status_code=303)
            response.set_cookie(
                self.cookie,
                credential,
                httponly=True,
                samesite="strict",
                secure=self.secure_cookie,
                path=COOKIE_PATH,
                max_age=12 * 3600,
            )
            log.info("staff signed in", key_id=session.principal.key_id)
            return response

        @self.action("/logout", tuple(allowed))
        async def logout(request: Request, session: StaffSession, form: dict[str, str]) -> Response:
            response = RedirectResponse("/app/login", status_code=303)
            response.delete_cookie(self.cookie, path=COOKIE_PATH)
            return response

        @router.get("/static/{name}")
        async def static(name: str) -> Response:
            if name not in STATIC:
                return Response(status_code=404)
            return Response(
                (HERE / "static" / name).read_bytes(),
                media_type=STATIC[name],
                headers={"cache-control": "max-age=300"},
            )

        @self.page("/ops/parking", ("ops",))
        async def parking(request: Request, session: StaffSession) -> Response:
            queues = await self.fetch(request, session, "/admin/parking")
            return self.render(request, session, "parking.html", queues=queues)

        @self.action("/ops/parking/{queue}/replay", ("ops",))
        async def replay(request: Request, session: StaffSession, form: dict[str, str]) -> Response:
            queue = request.path_params["queue"]
            answer = await self.api(
                request, session, "POST", f"/admin/parking/{quote(queue)}/replay"
            )
            if not answer.ok:
                return self.error(request, session, answer.status, answer.detail)
            return self.done(
                "/app/ops/parking", f"{answer.body['replayed']} message(s) of {queue} replayed"
            )


def _safe_next(request: Request) -> str:
    """Only a path of these screens: never an open redirect."""
    target = request.query_params.get("next", "")
    return target if target.startswith("/app/") and "//" not in target else "/app"
