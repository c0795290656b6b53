"""Issue 12: the win-back mail promised double points on the next stay booked within
three months, and they were never given."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from decimal import Decimal

from services.loyalty.workers import DailyPass
from shared.events import ReservationCreated, ReservationCreatedPayload
from tests.integration.test_loyalty_ledger_service import World, checked_out

PROPERTY = "demo-hotel"


def booking(guest_id: str, reservation_id: str, on: datetime) -> ReservationCreated:
    event = ReservationCreated.new(
        ReservationCreatedPayload(
            reservation_id=reservation_id,
            confirmation_number="C1",
            guest_id=guest_id,
            guest_name="x",
            room_type="king",
            arrival=on.date() + timedelta(days=20),
            departure=on.date() + timedelta(days=22),
            adults=1,
            channel="web",
            nightly_rates={},
            total_amount=Decimal("1000"),
        ),
        producer="reservation",
        property_id=PROPERTY,
    )
    return event.model_copy(update={"occurred_at": on})


def stay_of(guest_id: str, reservation_id: str, departure: date):
    stay = checked_out(guest_id, 2, Decimal("1000"), departure)
    return stay.model_copy(
        update={"payload": stay.payload.model_copy(update={"reservation_id": reservation_id})}
    )


async def test_the_win_back_offer_gives_double_points_once_within_its_window() -> None:
    world = World()
    await world.repository.prepare()
    service = world.service
    for guest in ("lapsed", "late"):
        await service.earn_for_stay(checked_out(guest, 1, Decimal("100"), date(2027, 1, 9)))
    world.clock.now = datetime(2028, 3, 1, 9, tzinfo=UTC)  # lapsing: the mail goes out
    job = DailyPass(service, world.repository, poll_seconds=3600, batch_size=10)
    await job.run_pass()
    await job.run_pass()  # the same day again: one offer
    offer = (await world.repository.get("lapsed"))["win_back_offer"]
    assert (offer["offered_on"], offer["valid_until"]) == ("2028-03-01", "2028-05-30")

    booked = datetime(2028, 4, 1, 10, tzinfo=UTC)  # within three months
    await service.record_reservation(booking("lapsed", "res-back", booked))
    await service.record_reservation(booking("late", "res-late", booked + timedelta(days=90)))
    first = stay_of("lapsed", "res-back", date(2028, 4, 23))
    await service.earn_for_stay(first)
    await service.earn_for_stay(first)  # redelivered: nothing twice
    await service.earn_for_stay(stay_of("lapsed", "res-back-2", date(2028, 5, 3)))  # used
    await service.earn_for_stay(stay_of("late", "res-late", date(2028, 7, 23)))

    lapsed = await service.points_of("lapsed")
    kinds = [(e["kind"], e["points"]) for e in lapsed["entries"]]
    assert kinds == [("earn", 1_000), ("earn", 10_000), ("promotion", 10_000), ("earn", 10_000)]
    late = await service.points_of("late")
    assert "promotion" not in [e["kind"] for e in late["entries"]]  # booked too late
