"""What every service's screens serve besides their own: the shared style sheet and
scripts, and the ops screen of the service's parking lot (poison messages, replayed on
request)."""

from __future__ import annotations

from typing import TYPE_CHECKING
from urllib.parse import quote

from fastapi import Request, Response

from shared.pages.rendering import HERE
from shared.pages.session import StaffSession

if TYPE_CHECKING:
    from shared.pages.web import StaffPages

STATIC = {"pages.css": "text/css", "charts.js": "text/javascript"}


def common_screens(pages: StaffPages) -> None:
    @pages.router.get("/static/{name}")
    async def static(name: str) -> Response:
        if name not in STATIC:
            return Response(status_code=404)
        return Response(
            (HERE / "static" / name).read_bytes(),
            media_type=STATIC[name],
            headers={"cache-control": "max-age=300"},
        )

    @pages.page("/ops/parking", ("ops",))
    async def parking(request: Request, session: StaffSession) -> Response:
        queues = await pages.fetch(request, session, "/admin/parking")
        return pages.render(request, session, "parking.html", queues=queues)

    @pages.action("/ops/parking/{queue}/replay", ("ops",))
    async def replay(request: Request, session: StaffSession, form: dict[str, str]) -> Response:
        queue = request.path_params["queue"]
        answer = await pages.api(request, session, "POST", f"/admin/parking/{quote(queue)}/replay")
        if not answer.ok:
            return pages.error(request, session, answer.status, answer.detail)
        return pages.done(
            "/app/ops/parking", f"{answer.body['replayed']} message(s) of {queue} replayed"
        )
