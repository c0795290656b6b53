"""Reservation routes: thin, the use cases do the work."""

from __future__ import annotations

from datetime import date
from typing import Annotated, Any

from fastapi import APIRouter, Depends, Header, Path, Query, Response, status

from shared.audit import AuditLog, RevealRequest, reveal_for
from shared.auth import CurrentPrincipal, Principal, channel_filter
from shared.errors import NotFound, Unprocessable
from shared.masking import contact_fields_present, masked_contact
from shared.paging import Listing, Page

from .blocks import BlockCreate, BlockService
from .domain import AmendmentRequest, CancelRequest, ReservationCreate, ReservationPublic
from .policies import RatePlanUpsert, RoomTypeUpsert
from .public import Availability, BlockPublic, RatePlanPublic, RoomTypePublic, Trends
from .reports import Reports, ReservationSearch
from .repository import reservation_from_document
from .reservation_aggregate import Reservation
from .service import ReservationService
from .setup import PropertySetupService

IdempotencyKey = Annotated[
    str | None,
    Header(alias="Idempotency-Key", min_length=8, max_length=200, pattern=r"^[A-Za-z0-9_.:-]+$"),
]
CodePath = Annotated[str, Path(pattern=r"^[a-z0-9_-]{1,40}$")]
REPLAYED = "Idempotent-Replayed"
# The guest's e-mail and phone in clear: the office, the desk and the manager, with a
# reason, audited. Integrators read their own bookings masked (they hold the originals).
reveal_contact = reveal_for("reservations", "frontdesk", "manager")


def to_public(reservation: Reservation, *, revealed: bool = False) -> ReservationPublic:
    """The booking as responses show it: the guest's, the booker's and the other
    guests' e-mails and phones masked unless `revealed` (issue 15)."""
    public = {
        **reservation.model_dump(exclude_unset=True),
        "id": reservation.id,
        "contact_revealed": revealed,
    }
    if not revealed:
        public["guest"] = masked_contact(reservation.guest)
        public["booker"] = masked_contact(reservation.booker)
        public["additional_guests"] = [masked_contact(g) for g in reservation.additional_guests]
    return ReservationPublic.model_validate(public)


def contacts_of(reservation: Reservation) -> list[str]:
    people = [reservation.guest, reservation.booker, *reservation.additional_guests]
    return contact_fields_present(*people)


def ensure_visible(principal: Principal, reservation: Reservation) -> Reservation:
    """An integrator sees only its own channel's reservations; another channel's answers
    exactly as a reservation that does not exist, so no id can be probed."""
    if not principal.sees_channel(reservation.channel_name):
        raise NotFound(f"no reservation {reservation.id!r}")
    return reservation


def visible(principal: Principal, document: dict[str, Any]) -> Reservation:
    """The stored booking as the aggregate, if the principal may see it."""
    return ensure_visible(principal, reservation_from_document(document))


async def visible_reservation(
    service: ReservationService, reservation_id: str, principal: Principal
) -> Reservation:
    return visible(principal, await service.get_reservation(reservation_id))


def reservation_router(service: ReservationService, reports: Reports, audit: AuditLog) -> APIRouter:
    """The bookings' routes, in the order the API document lists them."""
    router = APIRouter(tags=["reservations"])
    _booking_route(router, service)
    _lookup_routes(router, service, reports, audit)
    _change_routes(router, service)
    _figure_routes(router, service, reports)
    return router


def _booking_route(router: APIRouter, service: ReservationService) -> None:
    @router.post(
        "/reservations", status_code=status.HTTP_201_CREATED, response_model=ReservationPublic
    )
    async def create_reservation(
        request: ReservationCreate,
        response: Response,
        principal: CurrentPrincipal,
        idempotency_key: IdempotencyKey = None,
    ) -> ReservationPublic:
        """Books every night or none. The same Idempotency-Key again returns the first
        booking (header `Idempotent-Replayed: true`); with another body it is refused.
        An integrator books for its own channel, whatever the body says."""
        channel_name = None
        if principal.bound_to_channel:
            channel_name = principal.channel
            if request.block_id:  # blocks are the office's contracts with companies: unseen
                raise Unprocessable(f"no open block {request.block_id!r}")
            if idempotency_key:  # one channel's keys never meet another's ('/' is no key char)
                idempotency_key = f"{channel_name}/{idempotency_key}"
        reservation, created = await service.create_reservation(
            request, idempotency_key=idempotency_key, channel_name=channel_name
        )
        response.headers[REPLAYED] = str(not created).lower()
        return to_public(visible(principal, reservation))


def _lookup_routes(
    router: APIRouter, service: ReservationService, reports: Reports, audit: AuditLog
) -> None:
    @router.get("/reservations")
    async def search_reservations(
        criteria: Annotated[ReservationSearch, Query()], principal: CurrentPrincipal
    ) -> Page[ReservationPublic]:
        """By guest or booker name, confirmation number, arrival dates, status, channel.
        An integrator finds only its own channel's reservations."""
        found = await reports.search(criteria, within=channel_filter(principal, "channel_name"))
        return found.map(lambda document: to_public(reservation_from_document(document)))

    @router.get("/reservations/{reservation_id}", response_model=ReservationPublic)
    async def get_reservation(
        reservation_id: str,
        principal: CurrentPrincipal,
        reveal: RevealRequest | None = Depends(reveal_contact),
    ) -> ReservationPublic:
        """Contact details masked; `?reveal=true` with the reason in `X-Reveal-Reason`
        shows them (office, desk, manager), recorded in the audit log first."""
        reservation = await visible_reservation(service, reservation_id, principal)
        if reveal is not None:
            await audit.record_reveal(
                reveal,
                subject_type="reservation",
                subject_id=reservation_id,
                fields=contacts_of(reservation),
            )
        return to_public(reservation, revealed=reveal is not None)


def _change_routes(router: APIRouter, service: ReservationService) -> None:
    @router.patch("/reservations/{reservation_id}", response_model=ReservationPublic)
    async def amend_reservation(
        reservation_id: str, update: AmendmentRequest, principal: CurrentPrincipal
    ) -> ReservationPublic:
        """Dates, room type, rooms, guests, requests, expected times: re-checked and
        re-priced; the new nights are taken before the old ones are given back. `reason`
        is required: it is kept in the booking's `amendments` and sent with the event."""
        await visible_reservation(service, reservation_id, principal)  # a channel never changes
        amended = await service.amend_reservation(
            reservation_id, update.update(), reason=update.reason
        )
        return to_public(reservation_from_document(amended))

    @router.post("/reservations/{reservation_id}/cancel", response_model=ReservationPublic)
    async def cancel_reservation(
        reservation_id: str, principal: CurrentPrincipal, request: CancelRequest | None = None
    ) -> ReservationPublic:
        """Free until the deadline, then the plan's fee; the refund is recorded."""
        await visible_reservation(service, reservation_id, principal)
        cancelled = await service.cancel_reservation(
            reservation_id, request.reason if request else None
        )
        return to_public(reservation_from_document(cancelled))

    @router.post("/reservations/{reservation_id}/no-show", response_model=ReservationPublic)
    async def mark_no_show(reservation_id: str, principal: CurrentPrincipal) -> ReservationPublic:
        await visible_reservation(service, reservation_id, principal)
        return to_public(reservation_from_document(await service.mark_no_show(reservation_id)))


def _figure_routes(router: APIRouter, service: ReservationService, reports: Reports) -> None:
    @router.get("/availability")
    async def availability(
        arrival: Annotated[date, Query()], departure: Annotated[date, Query()]
    ) -> Availability:
        """Rooms left per room type for every night from arrival to departure."""
        room_types = await service.availability(arrival, departure)
        return Availability.model_validate(
            {"arrival": arrival, "departure": departure, "room_types": room_types}
        )

    @router.get("/reports")
    async def trends(
        first: Annotated[date, Query(alias="from")], last: Annotated[date, Query(alias="to")]
    ) -> Trends:
        """Occupancy, pickup, channel mix, cancellations and lead time over the nights
        from..to (inclusive)."""
        return Trends.model_validate(await reports.trends(first, last))


def property_router(setup: PropertySetupService, blocks: BlockService) -> APIRouter:
    router = APIRouter(tags=["property set-up"])

    @router.get("/room-types")
    async def room_types() -> Listing[RoomTypePublic]:
        return Listing.of([RoomTypePublic.of(t) for t in await setup.room_types()])

    @router.get("/room-types/{code}")
    async def room_type(code: str) -> RoomTypePublic:
        return RoomTypePublic.of(await setup.room_type(code))

    @router.put("/room-types/{code}")
    async def save_room_type(code: CodePath, request: RoomTypeUpsert) -> RoomTypePublic:
        return RoomTypePublic.of(await setup.save_room_type(code, request))

    @router.get("/rate-plans")
    async def rate_plans() -> Listing[RatePlanPublic]:
        return Listing.of([RatePlanPublic.of(p) for p in await setup.rate_plans()])

    @router.get("/rate-plans/{code}")
    async def rate_plan(code: str) -> RatePlanPublic:
        return RatePlanPublic.of(await setup.rate_plan(code))

    @router.put("/rate-plans/{code}")
    async def save_rate_plan(code: CodePath, request: RatePlanUpsert) -> RatePlanPublic:
        return RatePlanPublic.of(await setup.save_rate_plan(code, request))

    @router.post("/blocks", status_code=status.HTTP_201_CREATED)
    async def create_block(
        request: BlockCreate, response: Response, idempotency_key: IdempotencyKey = None
    ) -> BlockPublic:
        """Holds the allotment on every night at once, or refuses."""
        block, created = await blocks.create_block(request, idempotency_key=idempotency_key)
        response.headers[REPLAYED] = str(not created).lower()
        return BlockPublic.of(await blocks.get_block(block["_id"]))

    @router.get("/blocks/{block_id}")
    async def get_block(block_id: str) -> BlockPublic:
        return BlockPublic.of(await blocks.get_block(block_id))

    @router.post("/blocks/{block_id}/release")
    async def release_block(block_id: str) -> BlockPublic:
        """Now rather than at the release date: unpicked rooms go back on sale."""
        await blocks.release_block(block_id)
        return BlockPublic.of(await blocks.get_block(block_id))

    return router
