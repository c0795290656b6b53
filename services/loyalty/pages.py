"""Loyalty's screens (/app/loyalty): find a guest (by id, or by e-mail, phone or member
number, posted so that contact details stay out of URLs and logs), then the guest's
profile, tier and points ledger. All through this service's own API (shared/pages)."""

from __future__ import annotations

from pathlib import Path
from typing import Any
from urllib.parse import quote

from fastapi import APIRouter, Request, Response

from shared.pages import StaffPages, StaffSession

TEMPLATES = Path(__file__).parent / "templates"
HOME = "/app/loyalty"


def loyalty_pages(runtime: Any) -> APIRouter:
    pages = StaffPages(
        runtime,
        service="loyalty",
        title="Loyalty",
        scopes=("loyalty",),
        templates=TEMPLATES,
        nav=[(HOME, "Find a guest")],
    )

    @pages.page("/loyalty")
    async def find(request: Request, session: StaffSession) -> Response:
        guest_id = request.query_params.get("guest_id", "").strip()
        if guest_id:
            return pages.done(f"{HOME}/guests/{quote(guest_id)}", "")
        tiers = (await pages.fetch(request, session, "/segments"))["tiers"]
        return pages.render(request, session, "loyalty/find.html", tiers=tiers)

    @pages.action("/loyalty/lookup")
    async def lookup(request: Request, session: StaffSession, form: dict[str, str]) -> Response:
        body = {
            key: form[key].strip()
            for key in ("email", "phone", "member_number")
            if form.get(key, "").strip()
        }
        answer = await pages.api(request, session, "POST", "/guests/lookup", json=body)
        if not answer.ok:
            return pages.error(request, session, answer.status, answer.detail)
        return pages.done(f"{HOME}/guests/{quote(answer.body['guest_id'])}", "Guest found")

    @pages.page("/loyalty/guests/{guest_id}")
    async def guest(request: Request, session: StaffSession) -> Response:
        guest_id = request.path_params["guest_id"]
        profile = await pages.fetch(request, session, f"/guests/{quote(guest_id)}")
        points = await pages.fetch(request, session, f"/guests/{quote(guest_id)}/points")
        return pages.render(request, session, "loyalty/guest.html", guest=profile, points=points)

    return pages.router
