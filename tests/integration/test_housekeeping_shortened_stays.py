"""A stay shortened in house (stay.shortened): housekeeping serves no night the guest gave
up, cancels a stay-over already planned on or after the new departure, and an extension
and a shortening end at the later change in whichever order they are handled."""

from __future__ import annotations

from datetime import UTC, date, datetime

from shared.events import StayExtended, StayExtendedPayload, StayShortened, StayShortenedPayload
from tests.integration.test_one_hotel_business_date import PROPERTY, Housekeeping
from tests.unit.test_housekeeping_workday import FakeClock, checked_in

ARRIVAL, MARCH_3, MARCH_4, MARCH_5 = (date(2027, 3, day) for day in (1, 3, 4, 5))


def change(kind: type, room: str, stay_id: str, old: date, new: date, revision: int):
    common = dict(
        stay_id=stay_id,
        reservation_id=f"r-{stay_id}",
        guest_id="g1",
        room_number=room,
        room_type="king",
        arrival=ARRIVAL,
        old_departure=old,
        departure=new,
        revision=revision,
    )
    if kind is StayShortened:
        payload = StayShortenedPayload(
            **common, nights_given_up=[MARCH_3, MARCH_4][: (old - new).days], reason="plans"
        )
        return StayShortened.new(payload, producer="frontdesk", property_id=PROPERTY)
    return StayExtended.new(
        StayExtendedPayload(**common), producer="frontdesk", property_id=PROPERTY
    )


async def test_a_shortened_stay_gets_no_service_on_the_nights_given_up() -> None:
    hk = await Housekeeping(FakeClock(datetime(2027, 3, 1, 2, 0, tzinfo=UTC))).prepare()
    for room, stay_id in (("401", "s1"), ("402", "s2")):
        await hk.service.on_check_in(checked_in(room, ARRIVAL, 4, stay_id=stay_id))  # to the 5th
    for day in (2, 3):  # planned ahead: the 3rd's stay-over exists before the shortening
        await hk.tasks.plan_day(date(2027, 3, day))
    # 401: shortened to the 3rd. 402: shortened to the 3rd (revision 1), then extended to
    # the 4th (revision 2), the extension handled first.
    shortened_401 = change(StayShortened, "401", "s1", MARCH_5, MARCH_3, 1)
    await hk.service.on_shortened(shortened_401)
    await hk.service.on_shortened(shortened_401)  # redelivered
    await hk.tasks.on_stay_extended(change(StayExtended, "402", "s2", MARCH_3, MARCH_4, 2))
    await hk.service.on_shortened(change(StayShortened, "402", "s2", MARCH_5, MARCH_3, 1))
    for day in (4, 5):
        await hk.tasks.plan_day(date(2027, 3, day))

    departures = [(await hk.rooms.room(room))["occupant"]["departure"] for room in ("401", "402")]
    assert departures == ["2027-03-03", "2027-03-04"]
    # 401 leaves on the 3rd: the stay-over planned for it is cancelled, none after
    assert await hk.stayovers("401") == {"2027-03-02": "open", "2027-03-03": "cancelled"}
    # 402 sleeps the night of the 3rd: its stay-over on the 3rd stands, none on the 4th
    assert await hk.stayovers("402") == {"2027-03-02": "open", "2027-03-03": "open"}
