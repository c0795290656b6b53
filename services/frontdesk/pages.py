"""The front desk's screens (/app/frontdesk): the day's arrivals, in-house guests and
departures; room assignment with the rule that chose the room; check-in with the
registration; the folio; check-out with the settlement. Every figure and every change goes
through this service's own API, as the signed-in key (shared/pages)."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from datetime import date
from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request, Response

from shared.pages import StaffPages, StaffSession

TEMPLATES = Path(__file__).parent / "templates"
HOME = "/app/frontdesk"


def _registration(form: dict[str, str]) -> dict[str, Any] | None:
    """The registration card from the check-in form; None when the desk left it empty."""
    if not form.get("last_name") and not form.get("document_number"):
        return None
    document = {
        "type": form.get("document_type", "passport"),
        "number": form.get("document_number", ""),
        "expires_on": form.get("document_expires_on") or None,
    }
    return {
        "first_name": form.get("first_name", ""),
        "last_name": form.get("last_name", ""),
        "gender": form.get("gender", "undisclosed"),
        "nationality": form.get("nationality", "").upper(),
        "document": document,
    }


def frontdesk_pages(runtime: Any, today: Callable[[], Awaitable[date]]) -> APIRouter:
    """`today`: the business date the front desk's API works with."""
    pages = StaffPages(
        runtime,
        service="frontdesk",
        title="Front desk",
        scopes=("frontdesk",),
        templates=TEMPLATES,
        nav=[(HOME, "Today")],
    )

    async def day_of(request: Request) -> date:
        try:
            return date.fromisoformat(request.query_params.get("date", ""))
        except ValueError:
            return await today()

    _day_pages(pages, day_of)
    _arrival_actions(pages)
    _folio_pages(pages)
    _check_out_page(pages)
    return pages.router


def _day_pages(pages: StaffPages, day_of: Callable[[Request], Awaitable[date]]) -> None:
    """The day's board (arrivals, in house, departures) and one arrival of the day."""

    @pages.page("/frontdesk")
    async def board(request: Request, session: StaffSession) -> Response:
        day = await day_of(request)
        lists = {
            name: (await pages.fetch(request, session, f"/{name}", {"date": day.isoformat()}))[
                "items"
            ]
            for name in ("arrivals", "in-house", "departures")
        }
        return pages.render(
            request,
            session,
            "frontdesk/board.html",
            day=day,
            **{
                "arrivals": lists["arrivals"],
                "in_house": lists["in-house"],
                "departures": lists["departures"],
            },
        )

    @pages.page("/frontdesk/arrivals/{reservation_id}")
    async def arrival(request: Request, session: StaffSession) -> Response:
        reservation_id = request.path_params["reservation_id"]
        day = await day_of(request)
        items = (await pages.fetch(request, session, "/arrivals", {"date": day.isoformat()}))[
            "items"
        ]
        found = next((a for a in items if a["reservation_id"] == reservation_id), None)
        if found is None:
            return pages.error(
                request, session, 404, f"No arrival {reservation_id} on {day.isoformat()}."
            )
        return pages.render(request, session, "frontdesk/arrival.html", day=day, arrival=found)


def _arrival_actions(pages: StaffPages) -> None:
    """A room assigned to an arrival, and the check-in with the registration card."""

    @pages.action("/frontdesk/arrivals/{reservation_id}/assignment")
    async def assign(request: Request, session: StaffSession, form: dict[str, str]) -> Response:
        reservation_id = request.path_params["reservation_id"]
        room = form.get("room_number", "").strip() or None
        answer = await pages.api(
            request,
            session,
            "POST",
            f"/arrivals/{reservation_id}/assignment",
            json={"room_number": room},
        )
        if not answer.ok:
            return pages.error(request, session, answer.status, answer.detail)
        back = f"{HOME}/arrivals/{quote(reservation_id)}?date={form.get('date', '')}"
        return pages.done(
            back,
            f"Room {answer.body['room_number']} assigned "
            f"(rule: {answer.body['rule']}). {answer.body['explanation']}",
        )

    @pages.action("/frontdesk/arrivals/{reservation_id}/check-in")
    async def check_in(request: Request, session: StaffSession, form: dict[str, str]) -> Response:
        body = {
            "reservation_id": request.path_params["reservation_id"],
            "room_number": form.get("room_number", "").strip() or None,
            "registration": _registration(form),
            "agent": session.principal.key_id,
        }
        answer = await pages.api(request, session, "POST", "/stays", json=body)
        if not answer.ok:
            return pages.error(request, session, answer.status, answer.detail)
        stay = answer.body
        assignment = stay.get("assignment") or {}
        return pages.done(
            f"{HOME}/stays/{stay['stay_id']}",
            f"Checked in to room {stay['room_number']}"
            + (f" (rule: {assignment['rule']})" if assignment.get("rule") else ""),
        )


def _folio_pages(pages: StaffPages) -> None:
    """The stay and its folio, a charge and a payment posted on it."""

    @pages.page("/frontdesk/stays/{stay_id}")
    async def stay(request: Request, session: StaffSession) -> Response:
        stay_id = request.path_params["stay_id"]
        found = await pages.fetch(request, session, f"/stays/{stay_id}")
        folio = await pages.fetch(request, session, f"/stays/{stay_id}/folio")
        return pages.render(request, session, "frontdesk/stay.html", stay=found, folio=folio)

    @pages.action("/frontdesk/stays/{stay_id}/charges")
    async def charge(request: Request, session: StaffSession, form: dict[str, str]) -> Response:
        stay_id = request.path_params["stay_id"]
        answer = await pages.api(
            request,
            session,
            "POST",
            f"/stays/{stay_id}/charges",
            json={
                "category": form.get("category"),
                "amount": form.get("amount"),
                "description": form.get("description"),
            },
        )
        if not answer.ok:
            return pages.error(request, session, answer.status, answer.detail)
        return pages.done(f"{HOME}/stays/{stay_id}", "Charge posted")

    @pages.action("/frontdesk/stays/{stay_id}/payments")
    async def payment(request: Request, session: StaffSession, form: dict[str, str]) -> Response:
        stay_id = request.path_params["stay_id"]
        answer = await pages.api(
            request,
            session,
            "POST",
            f"/stays/{stay_id}/payments",
            json={
                "kind": form.get("kind", "payment"),
                "amount": form.get("amount"),
                "method": form.get("method", "card"),
            },
        )
        if not answer.ok:
            return pages.error(request, session, answer.status, answer.detail)
        return pages.done(f"{HOME}/stays/{stay_id}", "Payment recorded")


def _check_out_page(pages: StaffPages) -> None:
    """The check-out, answered with the settlement."""

    @pages.action("/frontdesk/stays/{stay_id}/checkout")
    async def check_out(request: Request, session: StaffSession, form: dict[str, str]) -> Response:
        stay_id = request.path_params["stay_id"]
        answer = await pages.api(
            request,
            session,
            "POST",
            f"/stays/{stay_id}/checkout",
            json={"waive_late_fee": form.get("waive_late_fee") == "on"},
        )
        if not answer.ok:
            return pages.error(request, session, answer.status, answer.detail)
        return pages.render(
            request, session, "frontdesk/settlement.html", stay_id=stay_id, settlement=answer.body
        )
