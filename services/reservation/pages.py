"""The reservations office's screens (/app/reservation): the availability calendar (rooms
left per room type per night), the booking form and the search. All through this
service's own API, as the signed-in key (shared/pages)."""

from __future__ import annotations

from datetime import date, timedelta
from pathlib import Path
from typing import Any

from fastapi import APIRouter, Request, Response

from shared.clock import PropertyClock, business_date, wall_clock_from
from shared.pages import StaffPages, StaffSession

TEMPLATES = Path(__file__).parent / "templates"
HOME = "/app/reservation"
CALENDAR_NIGHTS = 14
SEARCH_FIELDS = ("name", "confirmation_number", "arrival_from", "arrival_to", "status")


def _date(text: str | None, default: date) -> date:
    try:
        return date.fromisoformat(text or "")
    except ValueError:
        return default


def booking_body(form: dict[str, str]) -> dict[str, Any]:
    return {
        "guest": {
            "first_name": form.get("first_name", ""),
            "last_name": form.get("last_name", ""),
            "email": form.get("email", ""),
            **({"phone": form["phone"]} if form.get("phone") else {}),
        },
        "room_type": form.get("room_type", ""),
        "arrival": form.get("arrival", ""),
        "departure": form.get("departure", ""),
        "adults": form.get("adults") or 1,
        "children": form.get("children") or 0,
        "channel": form.get("channel", "phone"),
    }


def office_pages(runtime: Any) -> StaffPages:
    """The office's pages for the reservations scope, with their navigation."""
    return StaffPages(
        runtime,
        service="reservation",
        title="Reservations",
        scopes=("reservations",),
        templates=TEMPLATES,
        nav=[
            (HOME, "Availability"),
            (f"{HOME}/bookings/new", "New booking"),
            (f"{HOME}/search", "Search"),
        ],
    )


def hotel_clock(runtime: Any) -> PropertyClock:
    settings = runtime.settings
    return PropertyClock(wall_clock_from(settings.test_clock_file), settings.property_timezone)


def reservation_pages(runtime: Any) -> APIRouter:
    pages = office_pages(runtime)
    clock = hotel_clock(runtime)

    @pages.page("/reservation")
    async def calendar(request: Request, session: StaffSession) -> Response:
        # From the hotel's business date by default, not the server's UTC date.
        first = _date(request.query_params.get("from"), business_date(None, clock))
        nights = [first + timedelta(days=n) for n in range(CALENDAR_NIGHTS)]
        found = await pages.fetch(
            request,
            session,
            "/availability",
            {
                "arrival": first.isoformat(),
                "departure": (nights[-1] + timedelta(days=1)).isoformat(),
            },
        )
        return pages.render(
            request,
            session,
            "reservation/calendar.html",
            first=first,
            nights=nights,
            room_types=found["room_types"],
            earlier=(first - timedelta(days=CALENDAR_NIGHTS)).isoformat(),
            later=(first + timedelta(days=CALENDAR_NIGHTS)).isoformat(),
        )

    @pages.page("/reservation/bookings/new")
    async def booking_form(request: Request, session: StaffSession) -> Response:
        room_types = (await pages.fetch(request, session, "/room-types"))["items"]
        return pages.render(
            request,
            session,
            "reservation/booking.html",
            room_types=room_types,
            values=dict(request.query_params),
        )

    @pages.action("/reservation/bookings")
    async def book(request: Request, session: StaffSession, form: dict[str, str]) -> Response:
        answer = await pages.api(request, session, "POST", "/reservations", json=booking_body(form))
        if not answer.ok:
            return pages.error(request, session, answer.status, answer.detail)
        booked = answer.body
        return pages.done(
            f"{HOME}/search?confirmation_number={booked['confirmation_number']}",
            f"Booked: confirmation {booked['confirmation_number']}",
        )

    @pages.page("/reservation/search")
    async def search(request: Request, session: StaffSession) -> Response:
        criteria = {k: v for k, v in request.query_params.items() if k in SEARCH_FIELDS and v}
        found = await pages.fetch(request, session, "/reservations", criteria) if criteria else None
        return pages.render(
            request, session, "reservation/search.html", criteria=criteria, found=found
        )

    return pages.router
