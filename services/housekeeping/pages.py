"""Housekeeping's screens (/app/housekeeping): the room board (every room a tile coloured
by status, out-of-order and do-not-disturb marked) and the tasks per attendant, started,
finished against the checklist and inspected. All through this service's API."""

from __future__ import annotations

from collections import defaultdict
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request, Response

from shared.pages import StaffPages, StaffSession

TEMPLATES = Path(__file__).parent / "templates"
HOME = "/app/housekeeping"
TASKS = f"{HOME}/tasks"
# Work still to do or to inspect, in the order a supervisor reads it.
ACTIVE = ("in_progress", "paused", "open", "done")
STATUS_WORDS = {
    "vacant_dirty": "Vacant dirty",
    "vacant_clean": "Vacant clean",
    "vacant_inspected": "Vacant inspected",
    "occupied_dirty": "Occupied dirty",
    "occupied_clean": "Occupied clean",
    "occupied_inspected": "Occupied inspected",
    "out_of_order": "Out of order",
    "out_of_service": "Out of service",
}


def by_attendant(tasks: list[dict[str, Any]]) -> dict[str, list[dict[str, Any]]]:
    groups: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for task in tasks:
        groups[task.get("attendant") or task.get("assigned_to") or "Unassigned"].append(task)
    return dict(sorted(groups.items(), key=lambda item: (item[0] == "Unassigned", item[0])))


def housekeeping_pages(runtime: Any) -> APIRouter:
    pages = StaffPages(
        runtime,
        service="housekeeping",
        title="Housekeeping",
        scopes=("housekeeping",),
        templates=TEMPLATES,
        nav=[(HOME, "Room board"), (TASKS, "Tasks")],
    )
    _board(pages)
    _task_list(pages)
    _task_actions(pages)
    return pages.router


def _board(pages: StaffPages) -> None:
    @pages.page("/housekeeping")
    async def board(request: Request, session: StaffSession) -> Response:
        rooms = await pages.fetch(request, session, "/rooms")
        floors: dict[int, list[dict[str, Any]]] = defaultdict(list)
        for room in rooms:
            floors[room["floor"]].append(room)
        return pages.render(
            request,
            session,
            "housekeeping/board.html",
            floors=dict(sorted(floors.items())),
            words=STATUS_WORDS,
            counts={s: sum(r["status"] == s for r in rooms) for s in STATUS_WORDS},
        )


def _task_list(pages: StaffPages) -> None:
    @pages.page("/housekeeping/tasks")
    async def tasks(request: Request, session: StaffSession) -> Response:
        found: list[dict[str, Any]] = []
        for status in ACTIVE:
            found += (
                await pages.fetch(request, session, "/tasks", {"status": status, "limit": 200})
            )["items"]
        return pages.render(
            request,
            session,
            "housekeeping/tasks.html",
            groups=by_attendant(found),
            total=len(found),
        )


def _task_actions(pages: StaffPages) -> None:
    """Started, finished against the checklist, inspected: each through the task's API."""

    async def task_change(
        request: Request, session: StaffSession, verb: str, body: dict[str, Any], notice: str
    ) -> Response:
        task_id = request.path_params["task_id"]
        answer = await pages.api(request, session, "POST", f"/tasks/{task_id}/{verb}", json=body)
        if not answer.ok:
            return pages.error(request, session, answer.status, answer.detail)
        return pages.done(TASKS, notice.format(room=answer.body["room_number"]))

    @pages.action("/housekeeping/tasks/{task_id}/start")
    async def start(request: Request, session: StaffSession, form: dict[str, str]) -> Response:
        return await task_change(
            request,
            session,
            "start",
            {"attendant": form.get("attendant", "").strip()},
            "Room {room}: started",
        )

    @pages.action("/housekeeping/tasks/{task_id}/finish")
    async def finish(request: Request, session: StaffSession, form: dict[str, str]) -> Response:
        done = [name.removeprefix("item:") for name in form if name.startswith("item:")]
        return await task_change(
            request, session, "finish", {"completed_items": done}, "Room {room}: finished"
        )

    @pages.action("/housekeeping/tasks/{task_id}/inspection")
    async def inspect(request: Request, session: StaffSession, form: dict[str, str]) -> Response:
        passed = form.get("verdict") == "pass"
        body = {
            "inspector": form.get("inspector", "").strip(),
            "passed": passed,
            "notes": form.get("notes") or None,
        }
        return await task_change(
            request,
            session,
            "inspection",
            body,
            "Room {room}: " + ("inspected" if passed else "failed, to clean again"),
        )
