"""Every JSON answer of every service is a declared model (issue 17): the OpenAPI document
names its fields, so a client, the schemathesis run and a reader know what comes back. A
route typed `dict[str, Any]` (or untyped) documents a free-form object and fails here.

There is no allow-list: every route is typed, and a new route answering a free-form object
fails here until it declares its model."""

from __future__ import annotations

import importlib
from typing import Any

import pytest
from fastapi import FastAPI
from pydantic import BaseModel

from shared.services import SERVICE_NAMES

Route = tuple[str, str, str]  # service, method, path


def free_form(schema: dict[str, Any]) -> bool:
    """True when the schema says nothing of the fields: `{}`, an object of anything, or a
    list or union of those. A $ref (a model), a scalar or a typed map is declared."""
    if "$ref" in schema:
        return False
    if not schema:
        return True
    if "anyOf" in schema:
        return any(free_form(part) for part in schema["anyOf"] if part.get("type") != "null")
    if schema.get("type") == "array":
        return free_form(schema.get("items", {}))
    if schema.get("type") == "object" and "properties" not in schema:
        values = schema.get("additionalProperties", True)
        return values is True or values == {} or (isinstance(values, dict) and free_form(values))
    return False


def free_form_routes(service: str, app: FastAPI) -> set[Route]:
    found = set()
    for path, operations in app.openapi()["paths"].items():
        for method, operation in operations.items():
            for code, response in operation.get("responses", {}).items():
                json = response.get("content", {}).get("application/json")
                if code.startswith("2") and json is not None and free_form(json.get("schema", {})):
                    found.add((service, method.upper(), path))
    return found


class Thing(BaseModel):
    name: str


def test_the_check_tells_a_free_form_answer_from_a_model() -> None:
    app = FastAPI()

    @app.get("/loose")
    async def loose() -> dict[str, Any]:
        return {}

    @app.get("/loose-list")
    async def loose_list() -> list[dict[str, Any]]:
        return []

    @app.get("/typed")
    async def typed() -> Thing:
        return Thing(name="x")

    @app.get("/typed-map")
    async def typed_map() -> dict[str, list[Thing]]:
        return {}

    assert free_form_routes("t", app) == {("t", "GET", "/loose"), ("t", "GET", "/loose-list")}


@pytest.mark.parametrize("service", SERVICE_NAMES)
def test_every_json_answer_is_a_declared_model(service: str) -> None:
    app = importlib.import_module(f"services.{service}.main").create_app()
    found = free_form_routes(service, app)
    assert not found, f"routes answering a free-form object: {sorted(found)}"
