"""Every booking writes its guest's contact beside its reservation.created, for the same
guest (booking_document.py `_created_events`): loyalty publishes a guest first seen in a
booking only with that contact (services/loyalty/reservation_records.py), so a booking
without it would leave the guest's profile unpublished."""

from __future__ import annotations

from .reservation_harness import booking, office


async def test_every_booking_carries_its_guests_contact() -> None:
    hotel = await office()
    await hotel.room_type("garden", rooms=5)
    web, _ = await hotel.reservations.create_reservation(booking(number=1, room_type="garden"))
    channel, _ = await hotel.reservations.create_reservation(
        booking(number=2, room_type="garden", channel="ota", source_reference="OTA-77"),
        channel_name="ota",
    )
    for reservation in (web, channel):
        document = await hotel.repository.reservations.find_one({"_id": reservation["_id"]})
        events = {entry["type"]: entry["body"] for entry in document["outbox"]}
        assert {"reservation.created", "guest.contact_captured"} <= set(events)
        assert reservation["guest_id"] in events["guest.contact_captured"]
        assert reservation["guest_id"] in events["reservation.created"]
