"""What the front desk's routers share: the Idempotency-Key header, and the stored
documents turned into the public models the routes answer with."""

from __future__ import annotations

from typing import Annotated, Any

from fastapi import Header

from shared.masking import masked_contact

from .domain import RegistrationPublic, StayPublic
from .public import ArrivalAssignment, ArrivalPublic, AssignmentResult, StaySummary
from .stay_store import stay_from_document

IdempotencyKey = Annotated[
    str | None,
    Header(
        alias="Idempotency-Key", max_length=200, description="the same key: the same result, once"
    ),
]

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


def to_public(document: dict[str, Any]) -> StayPublic:
    """The stay as every route shows it, read through the aggregate (stay_aggregate.py)."""
    stay = stay_from_document(document)
    registration = stay.registration
    # validated from the stored shapes: ISO dates, the status, the assignment, upgrade and
    # recognition as stored
    return StayPublic.model_validate(
        {
            "stay_id": stay.id,
            "reservation_id": stay.reservation_id,
            "guest_id": stay.guest_id,
            "room_number": stay.room_number,
            "room_type": stay.room_type,
            "occupied_room_type": stay.occupied_room_type or stay.room_type,
            "upgrade": stay.upgrade,
            "arrival": stay.arrival,
            "departure": stay.departure,
            "status": stay.status,
            "walk_in": stay.walk_in,
            "assignment": stay.assignment,
            # Never the ciphertext, never the number: the mask is all a response shows;
            # the e-mail and phone masked too (the registration card reveals them, audited).
            "registration": RegistrationPublic.model_validate(
                masked_contact(
                    {k: v for k, v in registration.items() if k != "document_number_encrypted"}
                )
            )
            if registration
            else None,
            "recognition": stay.recognition,
            "alerts": stay.alerts,
        }
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


def stay_summary(listed: dict[str, Any]) -> StaySummary:
    """`overstay`: the day's list flags a guest past the departure (desk_lists.py); the
    flag is the list's, not the stay's."""
    document = {k: v for k, v in listed.items() if k != "overstay"}
    stay = stay_from_document(document)
    settlement = stay.settlement or {}
    return StaySummary.model_validate(
        {
            **dict(to_public(document)),
            "registration": None,  # a list shows no personal details; the stay has them
            "guest_name": stay.guest_name,
            "overstay": bool(listed.get("overstay")),
            "balance": settlement.get("balance"),
            "invoice_number": settlement.get("invoice_number"),
        }
    )
