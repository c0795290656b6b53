"""Issue 12 (one hotel, one truth): housekeeping, loyalty and feedback work on the hotel's
business date, the one the desk's night audit rolls (business_day.closed, followed by
shared/business_date.py; the property clock before any audit), not on the server's UTC
date; and housekeeping follows a stay's extension.

The hotel is in Shanghai (UTC+8): from 16:00 to 24:00 UTC it is already the next calendar
day there, and between midnight and the audit the hotel still works on the day before.
The use cases run in process on the embedded store, with a clock the test moves.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import pytest
from mongomock_motor import AsyncMongoMockClient

from services.feedback.config import Settings as FeedbackSettings
from services.feedback.domain import ResponseCreate, survey_id_for_stay, survey_token
from services.feedback.repository import FeedbackRepository
from services.feedback.service import FeedbackService
from services.housekeeping.amenities import StockKeeper, default_stock
from services.housekeeping.maintenance import MaintenanceService
from services.housekeeping.repository import HousekeepingRepository
from services.housekeeping.rooms import RoomKeeper
from services.housekeeping.service import HousekeepingService
from services.housekeeping.tasks import TaskService
from services.housekeeping.workers import DailyPlanWorker
from services.loyalty import ledger
from services.loyalty.domain import ProfileUpdate
from services.loyalty.guests import GuestStore
from services.loyalty.profiles import ProfileService
from services.loyalty.repository import LoyaltyRepository
from services.loyalty.service import LoyaltyService
from shared.business_date import BusinessDates
from shared.clock import PropertyClock
from shared.errors import Unprocessable
from shared.events import (
    BusinessDayClosed,
    BusinessDayClosedPayload,
    GuestRequestRaised,
    GuestRequestRaisedPayload,
    ReservationCreated,
    ReservationCreatedPayload,
    StayExtended,
    StayExtendedPayload,
)
from shared.mongo import connect_database
from shared.property_setup import load_property
from tests.integration.test_loyalty_ledger_service import checked_out as stay_checked_out
from tests.support.journeys import checkout as departing_guest
from tests.unit.test_housekeeping_workday import FakeClock, checked_in, checked_out

PROPERTY = "demo-hotel"
SHANGHAI = "Asia/Shanghai"
# 01:30 on 2 March at the hotel: before the audit hour, the hotel still works on 1 March.
NIGHT_OF_1_MARCH = datetime(2027, 3, 1, 17, 30, tzinfo=UTC)
# 06:30 on 2 March at the hotel, still 1 March in UTC.
MORNING_OF_2_MARCH = datetime(2027, 3, 1, 22, 30, tzinfo=UTC)

# A survey link valid far beyond any clock these tests set.
LINK_EXPIRY = datetime(2099, 1, 1, tzinfo=UTC)


def day_closed(day: date) -> BusinessDayClosed:
    """What the desk's night audit publishes when it closes `day`."""
    return BusinessDayClosed.new(
        BusinessDayClosedPayload(business_date=day, next_business_date=day + timedelta(days=1)),
        producer="frontdesk",
        property_id=PROPERTY,
    )


def extended(room: str, stay_id: str, arrival: date, old: date, new: date) -> StayExtended:
    return StayExtended.new(
        StayExtendedPayload(
            stay_id=stay_id,
            reservation_id=f"r-{stay_id}",
            guest_id="g1",
            room_number=room,
            room_type="king",
            arrival=arrival,
            old_departure=old,
            departure=new,
        ),
        producer="frontdesk",
        property_id=PROPERTY,
    )


def business_dates(database, clock: FakeClock) -> BusinessDates:
    return BusinessDates(database, PROPERTY, PropertyClock(clock, SHANGHAI))


# --- the shared tracker ------------------------------------------------------------------


async def test_the_business_date_follows_the_audit_forward_only_and_outlives_a_restart() -> None:
    database = AsyncMongoMockClient(tz_aware=True).get_database("dates")
    clock = FakeClock(NIGHT_OF_1_MARCH)
    dates = business_dates(database, clock)
    assert await dates.today() == date(2027, 3, 1)  # no audit yet: the day before, till 03:00
    clock.now = MORNING_OF_2_MARCH
    assert await dates.today() == date(2027, 3, 2)  # past the audit hour: the hotel's day
    assert clock.now.date() == date(2027, 3, 1)  # ... which the UTC date is not

    clock.now = NIGHT_OF_1_MARCH
    assert await dates.follow(day_closed(date(2027, 3, 1))) == date(2027, 3, 2)
    assert await dates.follow(day_closed(date(2027, 2, 28))) == date(2027, 3, 2)  # late, older
    assert await business_dates(database, clock).today() == date(2027, 3, 2)  # restarted
    assert dates.at(MORNING_OF_2_MARCH) == date(2027, 3, 2)
    assert dates.at(NIGHT_OF_1_MARCH) == date(2027, 3, 1)


# --- housekeeping ----------------------------------------------------------------------


class Housekeeping:
    """Housekeeping's parts wired as main.py does, following the business date."""

    def __init__(self, clock: FakeClock, plan_at: time = time(7)) -> None:
        database = AsyncMongoMockClient(tz_aware=True).get_database("hk")
        self.dates = business_dates(database, clock)
        self.events = 0
        self.repository = HousekeepingRepository(database, PROPERTY)
        self.rooms = RoomKeeper(self.repository, events_written=self._written)
        self.maintenance = MaintenanceService(
            self.repository, self.rooms, clock=clock, events_written=self._written
        )
        self.service = HousekeepingService(
            self.repository,
            self.rooms,
            self.maintenance,
            clock=clock,
            events_written=self._written,
            business_dates=self.dates,
        )
        self.tasks = TaskService(
            self.repository,
            self.rooms,
            self.service,
            self.maintenance,
            StockKeeper(self.repository),
            clock=clock,
            events_written=self._written,
            default_linen_every=1,
            attendants=["amy", "ben"],
        )
        self.planner = DailyPlanWorker(
            self.tasks, clock=clock, plan_at=plan_at, timezone=SHANGHAI, poll_seconds=60
        )

    def _written(self) -> None:
        self.events += 1

    async def prepare(self) -> Housekeeping:
        await self.repository.prepare(load_property(), default_stock(50, 5))
        return self

    async def stayovers(self, room: str) -> dict[str, str]:
        """The room's stay-over tasks: day -> status."""
        tasks = await self.repository.tasks_matching(
            {"room_number": room, "kind": "stayover_service"}
        )
        return {task.day: task.status for task in tasks}


async def test_the_plan_is_for_the_business_date_the_audit_opened_not_the_utc_date() -> None:
    """A hotel that plans at 01:00, right after its audit. Before this, the plan went by
    the hotel's calendar and made 2 March's plan at 01:00 while the hotel, its audit not
    run, still worked on 1 March."""
    clock = FakeClock(datetime(2027, 3, 1, 0, 0, tzinfo=UTC))  # 08:00 on 1 March there
    hk = await Housekeeping(clock, plan_at=time(1)).prepare()
    await hk.service.on_check_in(checked_in("401", date(2027, 2, 28), nights=4))
    await hk.planner.work_once()
    assert await hk.repository.plan("2027-03-01") is not None

    clock.now = NIGHT_OF_1_MARCH  # 01:30 on 2 March there, 17:30 on 1 March in UTC
    await hk.planner.work_once()
    assert await hk.repository.plan("2027-03-02") is None, "planned before the audit closed"

    await hk.dates.follow(day_closed(date(2027, 3, 1)))  # as the consumer does
    await hk.planner.work_once()
    plan = await hk.repository.plan("2027-03-02")
    assert plan is not None and plan["stayovers_created"] == ["stayover|401|2027-03-02"]
    assert clock.now.date().isoformat() == "2027-03-01" != plan["day"]
    task = await hk.tasks.task("stayover|401|2027-03-02")
    assert task.night == 2 and task.assigned_to in ("amy", "ben")
    print(f"\nplan made at {clock.now.isoformat()} (UTC date 2027-03-01) for {plan['day']}")


async def test_tasks_from_events_are_for_the_business_date_not_the_events_utc_date() -> None:
    """A departure at 06:30 and a request at that hour belonged to the UTC date of their
    events (yesterday at the hotel): they were missing from the day's task list."""
    clock = FakeClock(MORNING_OF_2_MARCH)
    hk = await Housekeeping(clock).prepare()
    await hk.service.on_check_in(checked_in("401", date(2027, 3, 1), 1, stay_id="s1"))
    await hk.service.on_check_in(checked_in("402", date(2027, 3, 1), 3, "g2", "s2"))
    leaving = checked_out("401", stay_id="s1").model_copy(update={"occurred_at": clock.now})
    await hk.service.on_check_out(leaving)
    request = GuestRequestRaised.new(
        GuestRequestRaisedPayload(
            request_id="q1",
            stay_id="s2",
            room_number="402",
            kind="cleaning",
            details="towels please",
            taken_by="desk-1",
        ),
        producer="frontdesk",
        property_id=PROPERTY,
    ).model_copy(update={"occurred_at": clock.now})
    await hk.service.on_guest_request(request)

    departure = await hk.tasks.task("departure|s1")
    cleaning = await hk.tasks.task("request|q1")
    assert (departure.day, cleaning.day) == ("2027-03-02", "2027-03-02")
    total, _ = await hk.tasks.tasks(limit=10, offset=0, day="2027-03-02")
    assert total == 2


async def test_do_not_disturb_at_night_skips_the_service_of_the_business_date() -> None:
    """At 01:30, before the audit, the day's stay-over not yet done is the business
    date's (1 March), not the calendar's (2 March)."""
    clock = FakeClock(datetime(2027, 3, 1, 0, 0, tzinfo=UTC))
    hk = await Housekeeping(clock).prepare()
    await hk.service.on_check_in(checked_in("402", date(2027, 2, 28), 3, "g2", "s2"))
    await hk.tasks.plan_day(date(2027, 3, 1))
    clock.now = NIGHT_OF_1_MARCH
    await hk.tasks.set_do_not_disturb("402", True)
    assert await hk.stayovers("402") == {"2027-03-01": "cancelled"}


async def test_an_extension_gets_service_on_its_added_nights() -> None:
    clock = FakeClock(datetime(2027, 3, 1, 2, 0, tzinfo=UTC))
    hk = await Housekeeping(clock).prepare()
    arrival = date(2027, 3, 1)
    await hk.service.on_check_in(checked_in("401", arrival, 2, stay_id="s1"))  # leaves 3rd
    extension = extended("401", "s1", arrival, date(2027, 3, 3), date(2027, 3, 5))
    await hk.tasks.on_stay_extended(extension)
    events = hk.events
    await hk.tasks.on_stay_extended(extension)  # redelivered: nothing twice
    assert hk.events == events
    # An extension handled before its check-in (room 403), and an older extension
    # handled after a newer one, do not take the added nights away.
    await hk.tasks.on_stay_extended(
        extended("403", "s3", arrival, date(2027, 3, 2), date(2027, 3, 4))
    )
    await hk.service.on_check_in(checked_in("403", arrival, 1, "g3", "s3"))
    await hk.tasks.on_stay_extended(
        extended("401", "s1", arrival, date(2027, 3, 3), date(2027, 3, 4))
    )

    for day in range(2, 6):
        await hk.tasks.plan_day(date(2027, 3, day))
    assert await hk.stayovers("401") == {
        "2027-03-02": "open",
        "2027-03-03": "open",  # added nights: service the mornings after them
        "2027-03-04": "open",
    }
    assert await hk.stayovers("403") == {"2027-03-02": "open", "2027-03-03": "open"}
    room = await hk.rooms.room("401")
    assert room["occupant"]["departure"] == "2027-03-05"


async def test_an_extension_on_the_departure_day_adds_that_days_service_to_the_plan() -> None:
    """The morning plan left the room out (the guest was leaving); the guest stays on."""
    clock = FakeClock(datetime(2027, 3, 3, 2, 0, tzinfo=UTC))  # 10:00 on 3 March there
    hk = await Housekeeping(clock).prepare()
    await hk.service.on_check_in(checked_in("402", date(2027, 3, 1), 2, "g2", "s2"))
    await hk.planner.work_once()
    assert (await hk.repository.plan("2027-03-03"))["skipped"] == {"402": "no_stayover_today"}
    assert await hk.stayovers("402") == {}

    await hk.tasks.on_stay_extended(
        extended("402", "s2", date(2027, 3, 1), date(2027, 3, 3), date(2027, 3, 4))
    )
    assert await hk.stayovers("402") == {"2027-03-03": "open"}
    task = await hk.tasks.task("stayover|402|2027-03-03")
    assert task.assigned_to in ("amy", "ben")


# --- loyalty ------------------------------------------------------------------------


class Loyalty:
    def __init__(self, clock: FakeClock) -> None:
        database = AsyncMongoMockClient(tz_aware=True).get_database("loyalty")
        self.dates = business_dates(database, clock)
        self.repository = LoyaltyRepository(database)
        store = GuestStore(
            self.repository,
            property_id=PROPERTY,
            clock=clock,
            events_written=lambda: None,
            business_dates=self.dates,
        )
        self.service = LoyaltyService(
            store, rules=ledger.EarningRules(), inactivity=timedelta(days=730)
        )
        self.profiles = ProfileService(store, match_secret="test")


@pytest.fixture
async def loyalty() -> Loyalty:
    world = Loyalty(FakeClock(NIGHT_OF_1_MARCH))
    await world.repository.prepare()
    return world


async def test_a_birthday_is_greeted_on_the_business_date_the_audit_opened(loyalty) -> None:
    """Before, the daily pass took the UTC date: 1 March until 08:00 at the hotel."""
    await loyalty.service.earn_for_stay(
        stay_checked_out("g-bday", 1, Decimal("500"), date(2027, 2, 1))
    )
    await loyalty.profiles.update_profile("g-bday", ProfileUpdate(birthday=date(1990, 3, 2)))
    await loyalty.service.daily_pass("g-bday")
    assert (await loyalty.repository.get("g-bday")).get("campaign_actions", []) == []

    await loyalty.dates.follow(day_closed(date(2027, 3, 1)))  # the audit closed 1 March
    await loyalty.service.daily_pass("g-bday")
    await loyalty.service.daily_pass("g-bday")  # once a day
    guest = await loyalty.repository.get("g-bday")
    assert guest.get("campaign_actions") == ["birthday|2027|g-bday"]


async def test_dates_of_loyalty_are_the_hotels_not_utc(loyalty) -> None:
    clock = loyalty.service.clock
    clock.now = MORNING_OF_2_MARCH  # 2 March at the hotel, 1 March in UTC
    # The first stay left 2026-12-01: 90 days before 1 March ("new"), 91 before 2 March.
    await loyalty.service.earn_for_stay(
        stay_checked_out("g-life", 1, Decimal("500"), date(2026, 12, 1))
    )
    assert (await loyalty.repository.get("g-life"))["lifecycle"] == "active"

    booking = ReservationCreated.new(
        ReservationCreatedPayload(
            reservation_id="res-1",
            confirmation_number="C1",
            guest_id="g-life",
            guest_name="x",
            room_type="king",
            arrival=date(2027, 4, 1),
            departure=date(2027, 4, 2),
            adults=1,
            channel="web",
            nightly_rates={},
            total_amount=Decimal("500"),
        ),
        producer="reservation",
        property_id=PROPERTY,
    ).model_copy(update={"occurred_at": clock.now})
    await loyalty.service.record_reservation(booking)
    (reservation,) = (await loyalty.repository.get("g-life"))["reservations"]
    assert reservation["booked_on"] == "2027-03-02"

    # 04:00 on New Year's Day at the hotel: the stay counts towards 2028's tier.
    clock.now = datetime(2027, 12, 31, 20, 0, tzinfo=UTC)
    await loyalty.service.earn_for_stay(
        stay_checked_out("g-year", 3, Decimal("1500"), date(2028, 1, 1))
    )
    assert (await loyalty.repository.get("g-year"))["qualifying"] == {
        "year": 2028,
        "nights": 3,
        "points": 15_000,
    }


async def test_a_birthday_today_at_the_hotel_is_accepted_tomorrow_refused(loyalty) -> None:
    loyalty.service.clock.now = datetime(2027, 3, 1, 20, 0, tzinfo=UTC)  # 2 March, 04:00
    await loyalty.service.earn_for_stay(
        stay_checked_out("g-born", 1, Decimal("100"), date(2027, 2, 1))
    )
    await loyalty.profiles.update_profile("g-born", ProfileUpdate(birthday=date(2027, 3, 2)))
    with pytest.raises(Unprocessable, match="future"):
        await loyalty.profiles.update_profile("g-born", ProfileUpdate(birthday=date(2027, 3, 3)))


# --- feedback -------------------------------------------------------------------------


async def test_answers_count_in_the_week_of_the_hotels_business_date(tmp_path: Path) -> None:
    """Sunday 7 March 2027 is the last day of ISO week 9. At 01:30 on Monday at the hotel
    the audit has closed Sunday; at 04:00 on Monday it is Monday by the clock; in UTC both
    moments are still Sunday: the answers went to week 9 before."""
    clock = FakeClock(datetime(2027, 3, 7, 17, 30, tzinfo=UTC))
    settings = FeedbackSettings(
        embedded_store_dir=str(tmp_path / "store"), sms_log_path=str(tmp_path / "sms.log")
    )
    database = connect_database(settings)
    dates = business_dates(database, clock)
    noop = lambda: None  # noqa: E731 - nothing to wake: the test drives each step
    service = FeedbackService(
        FeedbackRepository(database),
        settings,
        surveys_due=noop,
        notices_due=noop,
        events_written=noop,
        clock=clock,
        business_dates=dates,
    )
    await service.prepare()
    stays = [departing_guest(n)[1] for n in range(2)]
    for stay in stays:
        await service.survey_after_stay(stay)

    async def answer(stay) -> dict:
        survey_id = survey_id_for_stay(stay.payload.stay_id)
        token = survey_token(settings.survey_link_secret, survey_id, LINK_EXPIRY)
        return await service.respond(
            survey_id, ResponseCreate(token=token, answers={"recommend": 9})
        )

    await dates.follow(day_closed(date(2027, 3, 7)))
    first = await answer(stays[0])
    clock.now = datetime(2027, 3, 7, 20, 0, tzinfo=UTC)
    second = await answer(stays[1])
    assert (first["business_date"], second["business_date"]) == ("2027-03-08", "2027-03-08")

    report = await service.report(since=None, until=None, department=None)
    assert [(week["week"], week["responses"]) for week in report["weeks"]] == [("2027-W10", 2)]
