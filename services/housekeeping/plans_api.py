"""Routes for the daily plan: generated (idempotent) and read back."""

from __future__ import annotations

from datetime import date

from fastapi import APIRouter

from .public import PlanGenerated, PlanPublic
from .schemas import PlanCreate
from .tasks import TaskService


def plans_router(tasks: TaskService) -> APIRouter:
    router = APIRouter()

    @router.post("/plans/{day}")
    async def generate_plan(day: date, request: PlanCreate | None = None) -> PlanGenerated:
        """Generates the day's stay-over tasks, priorities and assignments; idempotent."""
        return PlanGenerated.of(await tasks.plan_day(day, request.attendants if request else None))

    @router.get("/plans/{day}")
    async def get_plan(day: date) -> PlanPublic:
        return PlanPublic.of(await tasks.plan(day))

    return router
