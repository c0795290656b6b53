"""What every screen answers with and reads: templates (the service's, then the shared
base layout), an HTML response with the security headers, a bounded url-encoded form, and
the early exit a page takes to answer otherwise (sign-in, 403, an error page)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import parse_qs

from fastapi import Request, Response
from fastapi.responses import HTMLResponse
from jinja2 import ChoiceLoader, Environment, FileSystemLoader, select_autoescape

HERE = Path(__file__).parent
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
