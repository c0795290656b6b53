"""Front desk routes: thin, the use cases do the work."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Annotated, Any

from fastapi import APIRouter, Body, Depends, Header, Query, status

from shared.audit import AuditLog, AuditLogAnswer, RevealRequest, reveal_for
from shared.auth import CurrentPrincipal
from shared.masking import contact_fields_present, masked_contact
from shared.paging import DayList

from .business_day import BusinessDay
from .departure import DepartureDesk
from .domain import (
    AssignmentNotice,
    ChargeCreate,
    CheckIn,
    CheckOut,
    CheckOutRequest,
    ComplaintCreate,
    GuestRequestCreate,
    NightAudit,
    PaymentCreate,
    PreAssign,
    RegistrationPublic,
    RegistrationView,
    RoomAssign,
    RoomMove,
    Settlement,
    StayExtend,
    StayPublic,
    StayShorten,
    WalkIn,
)
from .folio_service import FolioService
from .public import (
    ArrivalAssignment,
    ArrivalPublic,
    AssignmentResult,
    BusinessDate,
    ChargeLine,
    CheckOutAsked,
    ComplaintLine,
    FolioPublic,
    NightAuditRun,
    PaymentLine,
    PreAssignment,
    RequestLine,
    StayRequests,
    StaySummary,
)
from .records import public_payment
from .registration_desk import RegistrationDesk
from .service import FrontDeskService
from .shortening import shorten_stay

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key", max_length=200, description="the same key: the same result, once"
    ),
]
# Who may see a guest's ID number in clear (each time on record, with the reason).
reveal_registration = reveal_for("frontdesk", "manager")
MAX_AUDIT_PAGE = 500
ARRIVAL_FIELDS = (
    "confirmation_number",
    "guest_id",
    "guest_name",
    "room_type",
    "arrival",
    "departure",
    "adults",
    "children",
    "special_requests",
    "status",
    "vip",
    "tier",
    "fast_lane",  # issue 18: the member's tier gives the fast lane
    "expected_arrival_time",  # issue 18
    "expected_departure_time",
    # issue 18: a tentative booking the guest has not reconfirmed yet, or when they did
    "tentative",
    "reconfirmed_at",
)


def to_public(stay: dict[str, Any]) -> StayPublic:
    registration = stay.get("registration")
    return StayPublic(
        stay_id=stay["_id"],
        reservation_id=stay.get("reservation_id"),
        guest_id=stay["guest_id"],
        room_number=stay["room_number"],
        room_type=stay["room_type"],
        occupied_room_type=stay.get("occupied_room_type") or stay["room_type"],
        upgrade=stay.get("upgrade"),
        arrival=stay["arrival"],
        departure=stay["departure"],
        status=stay["status"],
        walk_in=stay.get("walk_in", False),
        assignment=stay.get("assignment"),
        # Never the ciphertext, never the number: the mask is all a response shows; the
        # e-mail and phone masked too (the registration card reveals them, audited).
        registration=RegistrationPublic.model_validate(
            masked_contact(
                {k: v for k, v in registration.items() if k != "document_number_encrypted"}
            )
        )
        if registration
        else None,
        recognition=stay.get("recognition"),
        alerts=stay.get("alerts", []),
    )


def arrival_public(arrival: dict[str, Any]) -> ArrivalPublic:
    assignment = arrival.get("assignment")
    return ArrivalPublic.model_validate(
        {
            "reservation_id": arrival["_id"],
            **{key: arrival.get(key) for key in ARRIVAL_FIELDS},
            "assignment": ArrivalAssignment(
                room_number=assignment["room_number"],
                rule=assignment["rule"],
                explanation=assignment["explanation"],
            )
            if assignment
            else None,
        }
    )


def assignment_result(result: dict[str, Any]) -> AssignmentResult:
    """Not the stay-to-be's id: the stay is made at check-in, the id is internal till then."""
    return AssignmentResult.model_validate({k: v for k, v in result.items() if k != "stay_id"})


def stay_summary(stay: dict[str, Any]) -> StaySummary:
    settlement = stay.get("settlement") or {}
    return StaySummary.model_validate(
        {
            **dict(to_public(stay)),
            "registration": None,  # a list shows no personal details; the stay has them
            "guest_name": stay.get("guest_name"),
            "overstay": bool(stay.get("overstay")),
            "balance": settlement.get("balance"),
            "invoice_number": settlement.get("invoice_number"),
        }
    )


def frontdesk_router(
    service: FrontDeskService,
    folio_desk: FolioService,
    audit: AuditLog,
    business_day: BusinessDay,
    departure_desk: DepartureDesk | None = None,
    registrations: RegistrationDesk | None = None,
) -> APIRouter:
    router = APIRouter(tags=["front desk"])

    # --- lists ---------------------------------------------------------------------------

    @router.get("/arrivals")
    async def arrivals(day: Annotated[date, Query(alias="date")]) -> DayList[ArrivalPublic]:
        items = await service.arrivals_on(day)
        return DayList.of(day, [arrival_public(a) for a in items])

    @router.get("/in-house")
    async def in_house(day: Annotated[date, Query(alias="date")]) -> DayList[StaySummary]:
        items = await service.in_house_on(day)
        return DayList.of(day, [stay_summary(s) for s in items])

    @router.get("/departures")
    async def departures(day: Annotated[date, Query(alias="date")]) -> DayList[StaySummary]:
        """Who leaves on the day, with the guest-relations alerts to settle first."""
        items = await service.departures_on(day)
        return DayList.of(day, [stay_summary(s) for s in items])

    # --- allocation ----------------------------------------------------------------------

    @router.post("/arrivals/pre-assignment")
    async def pre_assign(request: Annotated[PreAssign | None, Body()] = None) -> PreAssignment:
        """Rooms for a day's arrivals (tomorrow by default), VIPs and long stays first."""
        day = (
            request.arrival_date
            if request and request.arrival_date
            else await service.today() + timedelta(days=1)
        )
        results = await service.pre_assign(day)
        return PreAssignment(
            date=day,
            assigned=sum(1 for r in results if r["room_number"]),
            items=[assignment_result(r) for r in results],
        )

    @router.post("/arrivals/{reservation_id}/assignment", status_code=status.HTTP_201_CREATED)
    async def assign(
        reservation_id: str, request: Annotated[RoomAssign | None, Body()] = None
    ) -> AssignmentResult:
        result = await service.assign(reservation_id, request.room_number if request else None)
        return assignment_result(result)

    @router.get("/arrivals/{reservation_id}/notice", response_model=AssignmentNotice)
    async def assignment_notice(reservation_id: str) -> AssignmentNotice:
        return await service.assignment_notice(reservation_id)

    # --- check-in and the stay --------------------------------------------------------------

    @router.post("/stays", status_code=status.HTTP_201_CREATED, response_model=StayPublic)
    async def check_in(request: CheckIn) -> StayPublic:
        """Safe to retry: a repeat answers with the stay the first call made."""
        stay = await service.check_in(request)
        return to_public(stay).model_copy(update={"notice": await service.notice_for_stay(stay)})

    @router.post("/walk-ins", status_code=status.HTTP_201_CREATED, response_model=StayPublic)
    async def walk_in(request: WalkIn, idempotency_key: IdempotencyKey = None) -> StayPublic:
        stay = await service.walk_in(request, idempotency_key)
        return to_public(stay).model_copy(update={"notice": await service.notice_for_stay(stay)})

    @router.get("/stays/{stay_id}", response_model=StayPublic)
    async def get_stay(stay_id: str) -> StayPublic:
        return to_public(await service.get_stay(stay_id))

    @router.get("/stays/{stay_id}/registration", response_model=RegistrationView)
    async def registration(
        stay_id: str, reveal: RevealRequest | None = Depends(reveal_registration)
    ) -> RegistrationView:
        """The registration card, the ID number, e-mail and phone masked. `?reveal=true`
        with the reason in `X-Reveal-Reason` shows them in clear (front desk, manager),
        recorded in the audit log (who, what, when, why) before it leaves."""
        stay = await service.registered_stay(stay_id)
        card = to_public(stay).registration
        assert card is not None  # registered_stay refuses a stay without a registration
        number = card.document_number_masked
        if reveal is not None:
            await audit.record_reveal(
                reveal,
                subject_type="stay",
                subject_id=stay_id,
                fields=["document_number", *contact_fields_present(stay["registration"])],
            )
            number = service.document_number(stay)
            card = card.model_copy(
                update={k: stay["registration"].get(k) for k in ("email", "phone")}
            )
        return RegistrationView(
            **card.model_dump(),
            stay_id=stay_id,
            document_number=number,
            revealed=reveal is not None,
        )

    @router.get("/audit-log")
    async def audit_log(
        subject_id: Annotated[str | None, Query(max_length=100)] = None,
        limit: Annotated[int, Query(ge=1, le=MAX_AUDIT_PAGE)] = 100,
    ) -> AuditLogAnswer:
        """Who revealed which personal data, when and why (for the manager)."""
        return AuditLogAnswer.of(await audit.records(subject_id, limit), limit)

    @router.post("/stays/{stay_id}/move", response_model=StayPublic)
    async def move_room(stay_id: str, request: RoomMove) -> StayPublic:
        return to_public(await service.move_room(stay_id, request))

    @router.post("/stays/{stay_id}/extension", response_model=StayPublic)
    async def extend(stay_id: str, request: StayExtend) -> StayPublic:
        return to_public(await service.extend(stay_id, request))

    @router.post("/stays/{stay_id}/shortening", response_model=StayPublic)
    async def shorten(stay_id: str, request: StayShorten) -> StayPublic:
        """The guest in house leaves earlier (before check-out): the nights from the new
        departure are given back. 409 when the new departure is today or before (those
        nights have begun: leaving today is a check-out); 422 when it is not earlier."""
        return to_public(await shorten_stay(service, stay_id, request))

    @router.post("/stays/{stay_id}/requests", status_code=status.HTTP_201_CREATED)
    async def guest_request(
        stay_id: str,
        request: GuestRequestCreate,
        principal: CurrentPrincipal,
        idempotency_key: IdempotencyKey = None,
    ) -> RequestLine:
        """For housekeeping; the desk agent who took it (the signed-in credential) owns it."""
        acting = request.model_copy(update={"taken_by": principal.key_id})
        return RequestLine.model_validate(
            await service.raise_request(stay_id, acting, idempotency_key)
        )

    @router.get("/stays/{stay_id}/requests")
    async def guest_requests(stay_id: str) -> StayRequests:
        """The stay's requests (open or done: housekeeping's finished task closes them) and
        what the guest was told."""
        stay = await service.get_stay(stay_id)
        return StayRequests(
            stay_id=stay_id,
            items=stay.get("requests", []),
            guest_notices=stay.get("guest_notices", []),
        )

    @router.post("/stays/{stay_id}/complaints", status_code=status.HTTP_201_CREATED)
    async def complaint(
        stay_id: str,
        request: ComplaintCreate,
        principal: CurrentPrincipal,
        idempotency_key: IdempotencyKey = None,
    ) -> ComplaintLine:
        """For guest relations; the desk agent who took it (the signed-in credential) is
        the first responder."""
        acting = request.model_copy(update={"taken_by": principal.key_id})
        return ComplaintLine.model_validate(
            await service.raise_complaint(stay_id, acting, idempotency_key)
        )

    # --- the folio ------------------------------------------------------------------------------

    @router.get("/stays/{stay_id}/folio")
    async def folio(stay_id: str) -> FolioPublic:
        return FolioPublic.model_validate(await folio_desk.folio(stay_id))

    @router.post("/stays/{stay_id}/charges", status_code=status.HTTP_201_CREATED)
    async def post_charge(stay_id: str, request: ChargeCreate) -> ChargeLine:
        return ChargeLine.model_validate(await folio_desk.post_charge(stay_id, request))

    @router.post("/stays/{stay_id}/payments", status_code=status.HTTP_201_CREATED)
    async def post_payment(stay_id: str, request: PaymentCreate) -> PaymentLine:
        payment = await folio_desk.post_payment(stay_id, request)
        return PaymentLine.model_validate(public_payment(payment))

    @router.get("/business-date")
    async def get_business_date() -> BusinessDate:
        """The hotel's business date: the day the night audit has not closed yet."""
        return BusinessDate(business_date=await business_day.today())

    @router.post("/night-audit")
    async def night_audit(request: Annotated[NightAudit | None, Body()] = None) -> NightAuditRun:
        """Closes the business date (or re-audits a closed night): posts the night's room
        charges, rolls the date and publishes business_day.closed (no-shows follow)."""
        closed = await business_day.close(request.night if request else None)
        return NightAuditRun.model_validate(closed)

    @router.post("/stays/{stay_id}/checkout", response_model=Settlement)
    async def check_out(
        stay_id: str, request: Annotated[CheckOut | None, Body()] = None
    ) -> Settlement:
        """Safe to retry: a repeat answers with the settlement the first call made."""
        if registrations is not None:  # issue 18: the document and deposit receipt first
            await registrations.ensure_checked(stay_id)
        stay = await folio_desk.check_out(stay_id, request)
        return Settlement.model_validate(stay["settlement"])

    if departure_desk is not None:

        @router.post("/stays/{stay_id}/checkout-request", status_code=status.HTTP_202_ACCEPTED)
        async def request_check_out(
            stay_id: str, request: Annotated[CheckOutRequest | None, Body()] = None
        ) -> CheckOutAsked:
            """The guest asks to leave: housekeeping checks the room; the folio is settled
            when the check arrives or after ROOM_CHECK_WAIT_SECONDS (GET the stay's folio
            or settlement to see it). Asking twice asks once."""
            stay = await departure_desk.request_checkout(stay_id, request)
            return CheckOutAsked(
                stay_id=stay_id,
                status=stay["status"],
                checkout_request=stay.get("checkout_request"),
                settlement=stay.get("settlement"),
            )

    return router
