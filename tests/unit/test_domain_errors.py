"""Domain errors become problem+json in one place (shared/problems.py): each kind its
status, a service's subclass its own title, the extensions beside the detail."""

from __future__ import annotations

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient

from shared.errors import Conflict, DomainError, NotAllowed, NotFound, Refused, Unprocessable
from shared.problems import PROBLEM_JSON, install_problem_handlers


class RoomTaken(Conflict):
    title = "Room taken"


def app_raising(error: DomainError) -> TestClient:
    app = FastAPI()
    install_problem_handlers(app)

    @app.get("/act")
    async def act() -> None:
        raise error

    return TestClient(app, raise_server_exceptions=False)


@pytest.mark.parametrize(
    ("error", "status", "title"),
    [
        (Refused("not on this channel"), 400, "Bad request"),
        (NotAllowed("not your survey"), 403, "Forbidden"),
        (NotFound("no stay s-1"), 404, "Not found"),
        (Conflict("already checked in"), 409, "Conflict"),
        (Unprocessable("ends before it starts"), 422, "Unprocessable request"),
        (RoomTaken("room 301 is promised", night="2027-03-10"), 409, "Room taken"),
    ],
)
def test_each_kind_of_domain_error_answers_its_status_as_problem_json(
    error: DomainError, status: int, title: str
) -> None:
    response = app_raising(error).get("/act")
    assert response.status_code == status
    assert response.headers["content-type"] == PROBLEM_JSON
    body = response.json()
    assert (body["status"], body["title"], body["detail"]) == (status, title, error.detail)
    assert {key: body[key] for key in error.extensions} == error.extensions
