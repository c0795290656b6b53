"""/livez: the process answers. /readyz: its database and its broker answer too."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from typing import Literal

from fastapi import APIRouter
from fastapi.responses import JSONResponse
from pydantic import BaseModel

ReadinessCheck = Callable[[], Awaitable[bool]]


class Liveness(BaseModel):
    status: Literal["alive"] = "alive"


class Readiness(BaseModel):
    """`checks`: each dependency's answer, "ok" or "down" with the error's kind."""

    status: Literal["ready", "not ready"]
    checks: dict[str, str]


def health_router(checks: dict[str, ReadinessCheck]) -> APIRouter:
    router = APIRouter(tags=["health"])

    @router.get("/livez")
    async def livez() -> Liveness:
        return Liveness()

    # 503 with the same body when a dependency is down (a JSONResponse, to set the code).
    @router.get("/readyz", response_model=Readiness, responses={503: {"model": Readiness}})
    async def readyz() -> JSONResponse:
        results: dict[str, str] = {}
        for name, check in checks.items():
            try:
                results[name] = "ok" if await check() else "down"
            except Exception as exc:  # a failing dependency is an answer, not a crash
                results[name] = f"down: {type(exc).__name__}"
        ready = all(result == "ok" for result in results.values())
        report = Readiness(status="ready" if ready else "not ready", checks=results)
        return JSONResponse(report.model_dump(), status_code=200 if ready else 503)

    return router
