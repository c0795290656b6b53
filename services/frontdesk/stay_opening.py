"""The stay document a check-in or a walk-in opens: the registration checked and its ID
number sealed, the recognition of a known guest, and the check-in's events."""

from __future__ import annotations

from datetime import date
from typing import Any

from shared.crypto import mask
from shared.events import Event, StayCheckedIn, StayCheckedInPayload

from .booking_money import booking_money
from .desk_context import DeskContext, DocumentInvalid
from .domain import DepositCreate, RegistrationCreate, StayStatus, greeting
from .folio import PaymentKind
from .identity import DocumentRejected, check_document, normalise_document_number
from .records import (
    document_number_binding,
    origin,
    payment_event,
    payment_line,
    sealed_token,
    stay_ref,
)


class StayOpening(DeskContext):
    def _check_registration(
        self, registration: RegistrationCreate, departure: date, today: date
    ) -> None:
        document = registration.document
        try:
            check_document(
                document.type,
                normalise_document_number(document.number),
                document.expires_on,
                today=today,
                departure=departure,
            )
        except DocumentRejected as rejected:
            raise DocumentInvalid(str(rejected)) from None

    def _new_stay(
        self,
        stay_id: str,
        arrival: dict[str, Any],
        assignment: dict[str, Any],
        registration: RegistrationCreate | None,
        profile: dict[str, Any] | None,
        agent: str | None,
    ) -> dict[str, Any]:
        room = assignment["room_number"]
        stay = {
            "_id": stay_id,
            "property_id": arrival["property_id"],
            "guest_id": arrival["guest_id"],
            "guest_name": arrival.get("guest_name"),
            "room_number": room,
            "room_type": arrival["room_type"],
            "arrival": arrival["arrival"],
            "departure": arrival["departure"],
            "nightly_rates": arrival["nightly_rates"],
            "currency": arrival["currency"],
            "status": StayStatus.IN_HOUSE.value,
            "checked_in_at": self.clock(),
            "checked_in_by": agent,
            "walk_in": False,
            "vip": bool((profile or {}).get("vip")),
            # the membership perks as at check-in (issue 18): late check-out at departure
            "perks": list((profile or {}).get("perks") or []),
            "assignment": assignment,
            "registration": self._registration(stay_id, registration) if registration else None,
            "recognition": _recognition(profile, registration),
            "charges": [],
            "payments": [],
            "item_checks": [],
            "alerts": [],
            "requests": [],
            "complaints": [],
            "moves": [],
        }
        if arrival.get("_id"):
            stay["reservation_id"] = arrival["_id"]
            stay["booking_money"] = {
                **{key: arrival.get(key, "0") for key in ("deposit_paid", "amendment_fees")},
                "room_count": arrival.get("room_count", 1),
                "allowances": arrival.get("allowances", []),
            }
        if registration and not stay["guest_name"]:
            stay["guest_name"] = f"{registration.first_name} {registration.last_name}"
        return stay

    def _registration(self, stay_id: str, registration: RegistrationCreate) -> dict[str, Any]:
        number = normalise_document_number(registration.document.number)
        return {
            "first_name": registration.first_name,
            "last_name": registration.last_name,
            "gender": registration.gender,
            "nationality": registration.nationality,
            "document_type": registration.document.type.value,
            # Bound to this stay's registration: copied elsewhere it does not decrypt.
            "document_number_encrypted": self.cipher.encrypt(
                number, bound=document_number_binding(stay_id)
            ),
            "document_number_masked": mask(number),
            "document_expires_on": (
                registration.document.expires_on.isoformat()
                if registration.document.expires_on
                else None
            ),
            "email": registration.email,
            "phone": registration.phone,
        }

    def _check_in_events(
        self, stay: dict[str, Any], deposit: DepositCreate | None
    ) -> list[Event[Any]]:
        events: list[Event[Any]] = [
            StayCheckedIn.new(
                StayCheckedInPayload(
                    **stay_ref(stay),
                    departure=stay["departure"],
                    vip=stay["vip"],
                    occupied_room_type=stay.get("occupied_room_type"),
                ),
                **origin(stay),
            )
        ]
        if deposit:
            payment = payment_line(
                PaymentKind.DEPOSIT,
                deposit.amount,
                deposit.method,
                sealed_token(self.cipher, stay["_id"], deposit.token_reference),
                self.clock(),
                pre_authorisation=deposit.pre_authorisation,
            )
            stay["payments"].append(payment)
            events.append(payment_event(stay, payment))
        events += booking_money(stay, self.clock())
        return events


def _recognition(
    profile: dict[str, Any] | None, registration: RegistrationCreate | None
) -> dict[str, Any]:
    if profile and not profile.get("erased"):
        return {
            "greeting": greeting(
                profile.get("first_name"),
                profile.get("last_name"),
                profile.get("tier"),
                bool(profile.get("vip")),
                bool(profile.get("returning")),
            ),
            "member_number": profile.get("member_number"),
            "tier": profile.get("tier"),
            "vip": bool(profile.get("vip")),
            "preferences": profile.get("preferences") or {},
            "last_feedback": profile.get("last_feedback"),
        }
    first, last = (
        (registration.first_name, registration.last_name) if registration else (None, None)
    )
    return {"greeting": greeting(first, last, None, False, False)}
