"""Each service's retention job anonymises its own old records and leaves recent ones.
(The fields it overwrites are the ones erasure overwrites, which the cross-department
erasure test proves leave no trace of the guest.)"""

from __future__ import annotations

import uuid
from datetime import date, timedelta

from services.frontdesk.config import Settings as FrontDeskSettings
from services.frontdesk.main import retention_job as frontdesk_retention
from services.reservation.config import Settings as ReservationSettings
from services.reservation.main import retention_job as reservation_retention
from shared.mongo import connect_database

RECENT = (date.today() - timedelta(days=30)).isoformat()
GUEST = {"first_name": "Old", "last_name": "Guest", "email": "old@example.com", "phone": "+86 1"}


async def test_reservations_past_retention_lose_their_guests_only() -> None:
    settings = ReservationSettings(mongodb_database=f"retention-res-{uuid.uuid4().hex[:8]}")
    database = connect_database(settings)
    for key, departure in (("old", "2020-01-03"), ("recent", RECENT)):
        await database["reservations"].insert_one(
            {
                "_id": key,
                "departure": departure,
                "guest": GUEST,
                "booker": GUEST,
                "additional_guests": [GUEST],
                "total_amount": "960.00",
            }
        )

    assert await reservation_retention(database, settings).work_once() == 1

    old = await database["reservations"].find_one({"_id": "old"})
    assert (
        old["guest"]["email"] is None and old["booker"] is None and old["additional_guests"] == []
    )
    assert old["total_amount"] == "960.00" and "anonymised_at" in old
    assert (await database["reservations"].find_one({"_id": "recent"}))["guest"] == GUEST
    assert await reservation_retention(database, settings).work_once() == 0  # once


async def test_stays_past_retention_lose_name_registration_and_recognition_not_the_invoice() -> (
    None
):
    settings = FrontDeskSettings(mongodb_database=f"retention-fd-{uuid.uuid4().hex[:8]}")
    database = connect_database(settings)
    for key, departure in (("old", "2020-01-03"), ("recent", RECENT)):
        await database["stays"].insert_one(
            {
                "_id": key,
                "departure": departure,
                "guest_name": "Old Guest",
                "registration": {"document": {"number_encrypted": "v1:..."}},
                "recognition": {"tier": "Gold"},
                "settlement": {"invoice_number": "INV-1", "billed_to": "Old Guest"},
            }
        )
        await database["arrivals"].insert_one(
            {
                "_id": key,
                "departure": departure,
                "guest_name": "Old Guest",
                "special_requests": ["quiet"],
            }
        )

    assert await frontdesk_retention(database, settings).work_once() == 2

    stay = await database["stays"].find_one({"_id": "old"})
    assert (stay["guest_name"], stay["registration"], stay["recognition"]) == (
        "[erased]",
        None,
        None,
    )
    assert stay["settlement"]["billed_to"] == "Old Guest"  # the invoice the law keeps
    arrival = await database["arrivals"].find_one({"_id": "old"})
    assert (arrival["guest_name"], arrival["special_requests"]) == ("[erased]", [])
    assert (await database["stays"].find_one({"_id": "recent"}))["guest_name"] == "Old Guest"
