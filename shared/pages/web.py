"""The plumbing of a service's staff screens: sign-in and out, the session check on every
page, CSRF on every form, in-process calls to the service's own API with the signed-in
key, templates, security headers, the shared style sheet and scripts, and the ops screen.

A page is registered with `pages.page(path, scopes)` (GET) or `pages.action(path, scopes)`
(POST, form-encoded, CSRF-checked). Without a session: to the sign-in page. With a key
lacking the scopes: 403. The API call then applies the very same access policy again.

What the screens answer with is rendering.py, the API call own_api.py, signing in and out
sign_in.py, the style sheet and the parking lot common_screens.py.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request, Response
from fastapi.responses import HTMLResponse, RedirectResponse

from shared.auth import KeyRing
from shared.logging import get_logger
from shared.pages.common_screens import common_screens
from shared.pages.own_api import call_own_api
from shared.pages.rendering import PageExit, html, read_form, templates_for
from shared.pages.session import COOKIE, CSRF_FIELD, StaffSession, session_from
from shared.pages.sign_in import sign_in_routes

# A screen's handler: (request, session[, form]) -> the response.
Handler = Callable[..., Awaitable[Response]]

log = get_logger(__name__)


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
        sign_in_routes(self)
        common_screens(self)

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

    # This service's own API, in-process, as the signed-in key (own_api.py).
    api = staticmethod(call_own_api)

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
