"""RFC 9457 problem details for every error a service returns: the one place where a
domain error (shared/errors.py) becomes an HTTP status."""

from __future__ import annotations

from typing import Any

from fastapi import FastAPI, Request
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException

from shared.errors import Conflict, DomainError, NotAllowed, NotFound, Refused, Unprocessable
from shared.logging import get_logger

log = get_logger(__name__)

PROBLEM_JSON = "application/problem+json"


# Each kind of domain error, its status and title; a subclass answers as its kind does.
STATUS_OF_KIND: dict[type[DomainError], tuple[int, str]] = {
    Refused: (400, "Bad request"),
    NotAllowed: (403, "Forbidden"),
    NotFound: (404, "Not found"),
    Conflict: (409, "Conflict"),
    Unprocessable: (422, "Unprocessable request"),
}


def status_of(error: DomainError) -> tuple[int, str]:
    """The HTTP status and title a domain error answers with."""
    for kind in type(error).__mro__:
        if kind in STATUS_OF_KIND:
            status, title = STATUS_OF_KIND[kind]
            return status, error.title or title
    return 400, error.title or "Bad request"  # DomainError itself: a plain refusal


class Problem(Exception):
    """A failure of the HTTP layer itself (no credential, a scope missing): the web code
    raises it with its status; use cases raise domain errors instead."""

    status = 400
    title = "Bad request"

    def __init__(self, detail: str, **extensions: Any) -> None:
        super().__init__(detail)
        self.detail = detail
        self.extensions = extensions


def problem_response(
    status: int, title: str, detail: str, request: Request, **extensions: Any
) -> JSONResponse:
    body = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
        "instance": request.url.path,
        **extensions,
    }
    return JSONResponse(body, status_code=status, media_type=PROBLEM_JSON)


def install_problem_handlers(app: FastAPI) -> None:
    @app.exception_handler(Problem)
    async def on_problem(request: Request, exc: Problem) -> JSONResponse:
        return problem_response(exc.status, exc.title, exc.detail, request, **exc.extensions)

    @app.exception_handler(DomainError)
    async def on_domain_error(request: Request, exc: DomainError) -> JSONResponse:
        status, title = status_of(exc)
        return problem_response(status, title, exc.detail, request, **exc.extensions)

    @app.exception_handler(RequestValidationError)
    async def on_invalid(request: Request, exc: RequestValidationError) -> JSONResponse:
        errors = [
            {"location": list(error["loc"]), "message": error["msg"]} for error in exc.errors()
        ]
        detail = "; ".join(f"{'.'.join(map(str, e['location']))}: {e['message']}" for e in errors)
        return problem_response(422, "Invalid request", detail, request, errors=errors)

    @app.exception_handler(Exception)
    async def on_unexpected(request: Request, exc: Exception) -> JSONResponse:
        # The traceback goes to the log (with the correlation id), not to the caller.
        log.exception("unhandled error", path=request.url.path)
        return problem_response(
            500, "Internal error", "the service failed to handle the request; it is logged", request
        )

    @app.exception_handler(StarletteHTTPException)
    async def on_http(request: Request, exc: StarletteHTTPException) -> JSONResponse:
        return problem_response(exc.status_code, str(exc.detail), str(exc.detail), request)
