"""What the letters to the booker and the guest say (issue 18, seed 002). Pure functions of
the reservation as recorded and the letter's details; no I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from typing import Any

from shared.property_setup import PropertySetup

from .policies import property_zone


@dataclass(frozen=True)
class LetterText:
    subject: str
    body: str
    sms: str  # the same news in one short line


def _name(person: dict[str, Any] | None) -> str:
    if not person:
        return "guest"
    return f"{person.get('first_name', '')} {person.get('last_name', '')}".strip() or "guest"


def _at_hotel(value: Any) -> str:
    if value is None:
        return ""
    moment = value if isinstance(value, datetime) else datetime.fromisoformat(str(value))
    return moment.astimezone(property_zone()).strftime("%Y-%m-%d %H:%M")


def _type_name(setup: PropertySetup, code: str) -> str:
    room_type = setup.room_type(code)
    return room_type.name if room_type else code


def _times(reservation: dict[str, Any]) -> tuple[str, str]:
    arrival = reservation["arrival"]
    departure = reservation["departure"]
    if reservation.get("expected_arrival_time"):
        arrival += f", expected at {reservation['expected_arrival_time'][:5]}"
    if reservation.get("expected_departure_time"):
        departure += f", leaving at {reservation['expected_departure_time'][:5]}"
    return arrival, departure


def confirmation(reservation: dict[str, Any], setup: PropertySetup, hotel: str) -> LetterText:
    """Seed 002 3.2(4): the confirmation with the booking's details and its number."""
    number = reservation["confirmation_number"]
    arrival, departure = _times(reservation)
    lines = [
        f"Dear {_name(reservation.get('booker') or reservation['guest'])},",
        "",
        f"{hotel} confirms booking {number} for {_name(reservation['guest'])}:",
        f"  {reservation.get('room_count', 1)} x {_type_name(setup, reservation['room_type'])}",
        f"  Arrival: {arrival}",
        f"  Departure: {departure}",
        f"  Guests: {reservation['adults']} adult(s), {reservation.get('children', 0)} child(ren)",
        f"  Total: {reservation['total_amount']} {reservation['currency']}",
    ]
    if reservation.get("cancellation_deadline"):
        lines.append(f"  Free cancellation until {_at_hotel(reservation['cancellation_deadline'])}")
    sms = f"{hotel}: booking {number} confirmed, {reservation['arrival']} to "
    sms += f"{reservation['departure']}."
    if reservation.get("tentative"):
        deadline = _at_hotel(reservation.get("reconfirm_by"))
        lines += [
            "",
            f"This booking is tentative: please reconfirm it by {deadline}, or the room is "
            "released.",
        ]
        sms += f" Tentative: please reconfirm by {deadline}."
    lines += ["", "Please keep the booking number for any change or question."]
    return LetterText(f"{hotel}: booking {number} confirmed", "\n".join(lines), sms)


def reconfirmed(reservation: dict[str, Any], setup: PropertySetup, hotel: str) -> LetterText:
    """Seed 002 1.2.2(2): the guest reconfirmed a tentative booking."""
    number = reservation["confirmation_number"]
    body = (
        f"Dear {_name(reservation.get('booker') or reservation['guest'])},\n\n"
        f"thank you: booking {number} ({reservation['arrival']} to "
        f"{reservation['departure']}) is reconfirmed and no longer tentative."
    )
    return LetterText(
        f"{hotel}: booking {number} reconfirmed",
        body,
        f"{hotel}: booking {number} reconfirmed.",
    )


def assignment(
    reservation: dict[str, Any], details: dict[str, Any], setup: PropertySetup, hotel: str
) -> LetterText:
    """Seed 002 4.4: type, room number, bed, floor and orientation, sent before arrival."""
    room = room_description(setup, details["room_number"])
    arrival, departure = _times(reservation)
    body = "\n".join(
        [
            f"Dear {_name(reservation['guest'])},",
            "",
            f"thank you for choosing {hotel}. We have prepared for you:",
            f"  Room type: {_type_name(setup, details['room_type'])}",
            f"  Room number: {details['room_number']}",
            f"  Bed: {room['bed']}",
            f"  Floor: {room['floor']}",
            f"  Orientation: {room['orientation']}",
            f"  Arrival: {arrival}",
            f"  Departure: {departure}",
            "",
            "Please bring your identity document to the front desk on the day of arrival. "
            "Tell us of any special need and we will gladly help.",
        ]
    )
    sms = (
        f"{hotel}: your room for {reservation['arrival']} is {details['room_number']} "
        f"(floor {room['floor']}, {room['bed']} bed)."
    )
    return LetterText(f"{hotel}: your room {details['room_number']}", body, sms)


def registration(
    reservation: dict[str, Any], details: dict[str, Any], setup: PropertySetup, hotel: str
) -> LetterText:
    """Seed 002 6.2(2): the details registered at check-in, for the guest to confirm."""
    body = "\n".join(
        [
            f"Dear {_name(reservation['guest'])},",
            "",
            "welcome. Please check the details we registered for your stay:",
            f"  Name: {_name(reservation['guest'])}",
            f"  Room: {details['room_number']} ({_type_name(setup, details['room_type'])})",
            f"  Arrival: {details['arrival']}",
            f"  Departure: {details['departure']}",
            f"  Booking: {reservation['confirmation_number']}",
            "",
            "If anything is wrong, tell the front desk and we will correct it.",
        ]
    )
    sms = (
        f"{hotel}: registered in room {details['room_number']}, {details['arrival']} to "
        f"{details['departure']}. Anything wrong? Tell the front desk."
    )
    return LetterText(f"{hotel}: your registration, room {details['room_number']}", body, sms)


def room_description(setup: PropertySetup, number: str) -> dict[str, Any]:
    """Floor, bed and orientation from the property's set-up (the same file the desk
    allocates from: a sea-view feature faces the sea, the others the city)."""
    for room_type in setup.room_types:
        for room in room_type.rooms:
            if room.number == number:
                orientation = "sea" if "sea_view" in room.features else "city"
                return {"floor": room.floor, "bed": room_type.bed, "orientation": orientation}
    return {"floor": "-", "bed": "-", "orientation": "-"}
