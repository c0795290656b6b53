"""Issue 12: an amendment reservation accepted before it heard of the check-in reached the
desk for an arrival already checked in and was silently dropped (the arrivals list leaves
a checked-in arrival alone): the booking said one departure, the stay another. The desk
does not apply it by itself (amended_in_house.py says why); it becomes one open
follow-up in the communication log on the stay, however often the event is delivered,
and the stay is left as the desk registered it."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from services.frontdesk.domain import CheckIn
from services.frontdesk.front_office import FrontOffice
from shared.events import FieldChange, ReservationAmended, ReservationAmendedPayload
from shared.property_setup import load_property
from tests.integration.frontdesk_harness import PROPERTY, FixedClock, booking, build, property_file

MARCH_10, MARCH_12, MARCH_14 = date(2027, 3, 10), date(2027, 3, 12), date(2027, 3, 14)


def amended(departure: date, occurred_at: datetime) -> ReservationAmended:
    nights = (departure - MARCH_10).days
    event = ReservationAmended.new(
        ReservationAmendedPayload(
            reservation_id="res-1",
            guest_id="guest-1",
            changes=[
                FieldChange(field="departure", old="2027-03-12", new=departure.isoformat()),
                FieldChange(field="special_requests", old=[], new=["quiet room"]),
            ],
            room_type="king",
            arrival=MARCH_10,
            departure=departure,
            adults=1,
            nightly_rates={
                (MARCH_10 + timedelta(days=n)).isoformat(): "500.00" for n in range(nights)
            },
            total_amount=f"{500 * nights}.00",
        ),
        producer="reservation",
        property_id=PROPERTY,
    )
    return event.model_copy(update={"occurred_at": occurred_at})


async def test_an_amendment_after_check_in_is_one_follow_up_and_the_stay_is_kept(
    tmp_path: Path,
) -> None:
    clock = FixedClock(datetime(2027, 3, 10, 6, tzinfo=UTC))
    desk = await build(load_property(str(property_file(tmp_path, {"king": 2}))), clock)
    created = booking(1, "king", MARCH_10, MARCH_12)
    await desk.projections.reservation_created(created)
    stay = await desk.service.check_in(CheckIn(reservation_id="res-1"))
    # reservation amended it after the creation, before hearing of the check-in
    late = amended(MARCH_14, created.occurred_at + timedelta(minutes=5))
    for _ in range(2):  # redelivered
        await desk.projections.reservation_amended(late)
    # a copy older than the arrival the desk checked in from raises nothing
    await desk.projections.reservation_amended(
        amended(MARCH_14, created.occurred_at - timedelta(minutes=5))
    )
    front_office = FrontOffice(desk.service, desk.database)
    open_items = await front_office.entries(open_follow_ups_only=True, limit=50)
    kept = await desk.database["stays"].find_one({"_id": stay["_id"]})
    print("\n" + "\n".join(item["text"] for item in open_items))
    [item] = open_items
    assert (item["stay_id"], item["reservation_id"], item["author"]) == (
        stay["_id"],
        "res-1",
        "reservation.amended",
    )
    assert "departure 2027-03-12 -> 2027-03-14" in item["text"]
    assert "quiet room" not in item["text"]  # free text is not copied
    assert kept["departure"] == "2027-03-12"  # not applied by itself
    done = await front_office.mark_done(item["entry_id"], by="agent-1")
    assert done["done_by"] == "agent-1"
    assert await front_office.entries(open_follow_ups_only=True, limit=50) == []
