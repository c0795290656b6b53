"""Each service's retention job anonymises its own old records and leaves recent ones.
(The fields it overwrites are the ones erasure overwrites, which the cross-department
erasure test proves leave no trace of the guest.)"""

from __future__ import annotations

import uuid
from datetime import UTC, date, datetime, timedelta

from services.feedback.config import Settings as FeedbackSettings
from services.feedback.main import retention_job as feedback_retention
from services.frontdesk.config import Settings as FrontDeskSettings
from services.frontdesk.main import retention_job as frontdesk_retention
from services.housekeeping.config import Settings as HousekeepingSettings
from services.housekeeping.main import retention_job as housekeeping_retention
from services.loyalty.config import Settings as LoyaltySettings
from services.loyalty.main import retention_job as loyalty_retention
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
                "requests": [{"kind": "amenities", "details": "no feathers, asthma"}],
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
    assert stay["requests"] == [{"kind": "amenities", "details": "[erased]"}]  # issue 15
    arrival = await database["arrivals"].find_one({"_id": "old"})
    assert (arrival["guest_name"], arrival["special_requests"]) == ("[erased]", [])
    assert (await database["stays"].find_one({"_id": "recent"}))["guest_name"] == "Old Guest"


# --- issue 15: retention for housekeeping, feedback and loyalty too ---------------------

OLD_TIME = datetime(2020, 1, 3, 9, tzinfo=UTC)
RECENT_TIME = datetime.now(UTC) - timedelta(days=30)
WORDS = "feather pillows out, my asthma"


async def test_housekeeping_tasks_and_requests_past_retention_lose_the_guest() -> None:
    settings = HousekeepingSettings(mongodb_database=f"retention-hk-{uuid.uuid4().hex[:8]}")
    database = connect_database(settings)
    for key, day, guest in (
        ("old", "2020-01-03", "g-1"),
        ("recent", RECENT, "g-1"),
        ("old-no-guest", "2020-01-03", None),
    ):
        await database["tasks"].insert_one(
            {"_id": key, "day": day, "guest_id": guest, "details": WORDS, "work_seconds": 600}
        )
    for key, at in (("old", OLD_TIME), ("recent", RECENT_TIME)):
        await database["maintenance"].insert_one(
            {"_id": key, "reported_at": at, "guest_id": "g-1", "description": WORDS}
        )

    assert await housekeeping_retention(database, settings).work_once() == 2

    task = await database["tasks"].find_one({"_id": "old"})
    assert (task["guest_id"], task["details"], task["work_seconds"]) == (None, "[erased]", 600)
    request = await database["maintenance"].find_one({"_id": "old"})
    assert (request["guest_id"], request["description"]) == (None, "[erased]")
    for collection in ("tasks", "maintenance"):
        assert (await database[collection].find_one({"_id": "recent"}))["guest_id"] == "g-1"
    staff_task = await database["tasks"].find_one({"_id": "old-no-guest"})
    assert staff_task["details"] == WORDS  # names no guest: not personal data of anyone
    assert await housekeeping_retention(database, settings).work_once() == 0  # once


async def test_feedback_contacts_and_cases_past_retention_lose_the_guest() -> None:
    settings = FeedbackSettings(mongodb_database=f"retention-fb-{uuid.uuid4().hex[:8]}")
    database = connect_database(settings)
    for key, at in (("old", OLD_TIME), ("recent", RECENT_TIME)):
        await database["contacts"].insert_one({"_id": key, "as_of": at, **GUEST})
        await database["cases"].insert_one(
            {
                "_id": key,
                "opened_at": at,
                "category": "room",
                "description": WORDS,
                "resolution": WORDS,
                "notes": [{"text": WORDS, "author": "agent"}],
            }
        )

    assert await feedback_retention(database, settings).work_once() == 2

    contact = await database["contacts"].find_one({"_id": "old"})
    assert [contact[k] for k in ("first_name", "email", "phone")] == [None, None, None]
    case = await database["cases"].find_one({"_id": "old"})
    assert (case["description"], case["resolution"], case["category"]) == (
        "[erased]",
        "[erased]",
        "room",
    )
    assert case["notes"] == [{"text": "[erased]", "author": "agent"}]
    assert (await database["contacts"].find_one({"_id": "recent"}))["email"] == GUEST["email"]
    assert (await database["cases"].find_one({"_id": "recent"}))["description"] == WORDS


async def test_loyalty_guests_inactive_past_retention_lose_the_profile_members_keep_it() -> None:
    settings = LoyaltySettings(mongodb_database=f"retention-ly-{uuid.uuid4().hex[:8]}")
    database = connect_database(settings)
    profile = {"first_name": "Old", "email": "old@example.com", "language": "zh"}
    for key, at, member in (
        ("old", OLD_TIME, None),
        ("old-member", OLD_TIME, "M0000000001"),
        ("recent", RECENT_TIME, None),
    ):
        await database["guests"].insert_one(
            {
                "_id": key,
                "last_activity_at": at,
                "profile": profile,
                "merged_into": None,
                "balance": 700,
                **({"member_number": member} if member else {}),
            }
        )

    assert await loyalty_retention(database, settings).work_once() == 1

    old = await database["guests"].find_one({"_id": "old"})
    assert (old["profile"]["first_name"], old["profile"]["email"]) == (None, None)
    assert (old["profile"]["language"], old["balance"]) == ("zh", 700)
    for kept in ("old-member", "recent"):
        assert (await database["guests"].find_one({"_id": kept}))["profile"] == profile
