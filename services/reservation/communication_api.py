"""Routes for guest communication (issue 18): reconfirming a tentative booking and the
letters a booking was sent, for the office to answer "did you send me...?"."""

from __future__ import annotations

from fastapi import APIRouter

from shared.auth import CurrentPrincipal
from shared.paging import Listing

from .api import to_public, visible
from .domain import ReservationPublic
from .letters import Letters
from .public import LetterPublic
from .repository import reservation_from_document
from .service import ReservationService
from .tentative import TentativeBookings


def communication_router(
    service: ReservationService, tentative: TentativeBookings, letters: Letters
) -> APIRouter:
    router = APIRouter(tags=["guest communication"])

    @router.post("/reservations/{reservation_id}/reconfirm", response_model=ReservationPublic)
    async def reconfirm(reservation_id: str, principal: CurrentPrincipal) -> ReservationPublic:
        """The guest reconfirmed a tentative booking: it is kept, and the booker is
        thanked once. Repeating it answers the booking as it stands."""
        visible(principal, await service.get_reservation(reservation_id))
        return to_public(reservation_from_document(await tentative.reconfirm(reservation_id)))

    @router.get("/reservations/{reservation_id}/letters")
    async def letters_sent(
        reservation_id: str, principal: CurrentPrincipal
    ) -> Listing[LetterPublic]:
        """Each letter the booking asked for: kind, status, the channels it went by."""
        visible(principal, await service.get_reservation(reservation_id))
        return Listing.of(
            [
                LetterPublic(
                    id=letter["_id"],
                    kind=letter["kind"],
                    status=letter["status"],
                    sent_channels=letter.get("sent_channels", []),
                    attempts=letter.get("attempts", 0),
                    recorded_at=letter.get("recorded_at"),
                    finished_at=letter.get("finished_at"),
                )
                for letter in await letters.of_reservation(reservation_id)
            ]
        )

    return router
