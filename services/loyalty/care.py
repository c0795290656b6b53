"""Care for the guest between stays (issue 18; seeds 000 一(四), 二(二); 001 一, 十).

- Greetings on the Chinese festivals (Spring Festival, Mid-Autumn) beside the birthday and
  the fixed-date holidays, by SMS as well as e-mail, each once per guest and occasion
  (the action id names the occasion and the year; guests.py records one message per
  channel under it).
- A post-stay card for VIPs (high-value guests included) and guests who celebrated during
  the stay, and a gift task for guest relations.
- Follow-up calls planned for high-value guests, one a quarter, with a due date; problem
  (at-risk) guests get a guest-relations owner and a recovery contact task.

Rules only here (no I/O), plus the staff routes over the `care_tasks` collection.
"""

from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Query
from pydantic import Field
from pymongo import ReturnDocument

from shared.auth import CurrentPrincipal
from shared.errors import Conflict, NotFound
from shared.paging import Listing

from .domain import CELEBRATION_REQUESTS, Input, projection, request_kinds
from .public import CareTaskPublic

# The lunar festivals fall on a different Gregorian day each year. No Chinese-calendar
# library is installed in this project, so the dates are a table (from the published
# Chinese calendar), valid through 2030: extend it, or replace it with a library such as
# `lunardate`, before then. A year missing here simply sends no lunar greeting.
LUNAR_FESTIVALS: dict[date, str] = {
    # 春节 Spring Festival, 1st day of the 1st lunar month
    date(2026, 2, 17): "spring-festival",
    date(2027, 2, 6): "spring-festival",
    date(2028, 1, 26): "spring-festival",
    date(2029, 2, 13): "spring-festival",
    date(2030, 2, 3): "spring-festival",
    # 中秋节 Mid-Autumn Festival, 15th day of the 8th lunar month
    date(2026, 9, 25): "mid-autumn",
    date(2027, 9, 15): "mid-autumn",
    date(2028, 10, 3): "mid-autumn",
    date(2029, 9, 22): "mid-autumn",
    date(2030, 9, 12): "mid-autumn",
}
GREETING_TEMPLATES = frozenset(
    {
        "birthday-greeting",
        "new-year-greeting",
        "christmas-greeting",
        "spring-festival-greeting",
        "mid-autumn-greeting",
    }
)
FOLLOW_UP_DAYS_TO_CALL = 7  # the call is due a week after it is planned
RELATIONS_OWNER = "guest-relations"


def festival_actions(guest: dict[str, Any], today: date) -> list[dict[str, str]]:
    """Today's lunar-festival greeting for a guest who has stayed and is not lost."""
    festival = LUNAR_FESTIVALS.get(today)
    if festival is None or not guest.get("stays") or guest.get("lifecycle") == "lost":
        return []
    return [
        {
            "action_id": f"festival|{festival}|{today.year}|{guest['_id']}",
            "template": f"{festival}-greeting",
        }
    ]


def celebrated(guest: dict[str, Any], reservation_id: str) -> bool:
    return any(
        r["reservation_id"] == reservation_id and request_kinds(r) & CELEBRATION_REQUESTS
        for r in guest.get("reservations", [])
    )


def post_stay_care(
    guest: dict[str, Any], *, stay_id: str, reservation_id: str, departure: date
) -> tuple[list[dict[str, str]], list[dict[str, Any]]]:
    """The card (a message) and the gift (a task) after the stay of a VIP or of a guest
    who celebrated during it; keyed by the stay, so once."""
    reasons = []
    if projection(guest)["vip"] or "high-value" in (guest.get("segments") or []):
        reasons.append("vip")
    if celebrated(guest, reservation_id):
        reasons.append("celebration")
    if not reasons:
        return [], []
    task = care_task(
        f"gift|{stay_id}",
        guest,
        kind="post_stay_gift",
        reason=" and ".join(reasons),
        due_on=departure + timedelta(days=3),
        stay_id=stay_id,
    )
    return [{"action_id": f"post-stay-card|{stay_id}", "template": "post-stay-card"}], [task]


def relationship_care(guest: dict[str, Any], today: date) -> list[dict[str, Any]]:
    """Follow-up calls for high-value guests, one per calendar quarter; a recovery
    contact for a problem guest, one per problem (keyed by its date)."""
    tasks = []
    segments = guest.get("segments") or []
    if "high-value" in segments:
        quarter = f"{today.year}Q{(today.month - 1) // 3 + 1}"
        tasks.append(
            care_task(
                f"follow-up|{guest['_id']}|{quarter}",
                guest,
                kind="follow_up_call",
                reason="high-value guest: regular follow-up",
                due_on=today + timedelta(days=FOLLOW_UP_DAYS_TO_CALL),
            )
        )
    problem_at = (guest.get("feedback") or {}).get("last_problem_at")
    if "at-risk" in segments and problem_at:
        tasks.append(
            care_task(
                f"recovery|{guest['_id']}|{problem_at.date().isoformat()}",
                guest,
                kind="recovery_contact",
                reason="problem guest: a low score or a complaint",
                due_on=today + timedelta(days=2),
            )
        )
    return tasks


def care_task(
    task_id: str, guest: dict[str, Any], *, kind: str, reason: str, due_on: date, **extra: Any
) -> dict[str, Any]:
    return {
        "_id": task_id,
        "guest_id": guest["_id"],
        "property_id": guest.get("property_id"),
        "kind": kind,
        "reason": reason,
        "owner": RELATIONS_OWNER,
        "due_on": due_on.isoformat(),
        "status": "open",
        **extra,
    }


# --- routes: guest relations works its list ------------------------------------------


class TaskDone(Input):
    outcome: Annotated[str, Field(min_length=1, max_length=1000)]


def care_router(tasks: Any, clock: Any) -> APIRouter:
    """`tasks` is the `care_tasks` collection."""
    router = APIRouter(tags=["loyalty"])

    @router.get("/care/tasks")
    async def list_tasks(
        kind: str | None = None,
        status: str = "open",
        due_before: date | None = None,
        limit: Annotated[int, Query(ge=1, le=200)] = 50,
    ) -> Listing[CareTaskPublic]:
        """Gifts to send, follow-up calls and recovery contacts, by due date."""
        query: dict[str, Any] = {"status": status}
        if kind:
            query["kind"] = kind
        if due_before:
            query["due_on"] = {"$lt": due_before.isoformat()}
        items = await tasks.find(query).sort("due_on", 1).to_list(limit)
        return Listing.of([CareTaskPublic.of(task) for task in items])

    @router.post("/care/tasks/{task_id}/done")
    async def task_done(
        task_id: str, done: TaskDone, principal: CurrentPrincipal
    ) -> CareTaskPublic:
        """The call made, the gift sent: who did it is the credential's word."""
        now: datetime = clock()
        saved = await tasks.find_one_and_update(
            {"_id": task_id, "status": "open"},
            {
                "$set": {
                    "status": "done",
                    "outcome": done.outcome,
                    "done_by": principal.key_id,
                    "done_at": now,
                }
            },
            return_document=ReturnDocument.AFTER,
        )
        if saved is None:
            if await tasks.find_one({"_id": task_id}) is None:
                raise NotFound(f"care task {task_id!r} does not exist")
            raise Conflict(f"care task {task_id!r} is already done")
        return CareTaskPublic.of(saved)

    return router
