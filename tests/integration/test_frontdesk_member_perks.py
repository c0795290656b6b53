"""Issue 18 (seeds 000 二(三), 001 八): membership perks take effect at the desk, carried by
loyalty's guest-profile events: the fast lane on the arrivals list and no late check-out
fee until the half-day hour for a tier with late check-out; a plain guest pays as before."""

from __future__ import annotations

from services.frontdesk.domain import CheckOut
from shared.events import GuestProfilePayload, GuestUpdated
from shared.property_setup import load_property
from tests.integration.frontdesk_harness import PROPERTY, FixedClock, booking, build
from tests.integration.test_frontdesk_service_layer import ARRIVAL, DEPARTURE, at_local, run

SETUP = load_property()
SILVER_PERKS = ["member_rate", "fast_lane", "late_checkout"]


def profile(guest_id: str, perks: list[str]) -> GuestUpdated:
    return GuestUpdated.new(
        GuestProfilePayload(
            guest_id=guest_id,
            first_name="Mei",
            tier="Silver" if perks else None,
            member_number="M0000000001" if perks else None,
            perks=perks,
            version=2,
        ),
        producer="loyalty",
        property_id=PROPERTY,
    )


def test_a_silver_member_checks_in_at_the_fast_lane_and_leaves_late_without_a_fee() -> None:
    async def scenario() -> tuple[dict, dict, dict]:
        clock = FixedClock(at_local(ARRIVAL, 9))
        service, folio, projections, _ = await build(SETUP, clock)
        await projections.guest_profile(profile("guest-1", SILVER_PERKS))
        await projections.guest_profile(profile("guest-2", []))
        for number in (1, 2):
            await projections.reservation_created(
                booking(number, "king", ARRIVAL, DEPARTURE, rate="560.00")
            )
        arrivals = {a["guest_id"]: a for a in await service.arrivals_on(ARRIVAL)}
        clock.now = at_local(ARRIVAL, 15)
        stays = [await service.check_in(f"res-{number}") for number in (1, 2)]
        clock.now = at_local(DEPARTURE, 16)  # four hours past noon
        settled = [(await folio.check_out(stay["_id"], CheckOut()))["settlement"] for stay in stays]
        return arrivals, settled[0], settled[1]

    arrivals, member, plain = run(scenario())
    assert (arrivals["guest-1"]["fast_lane"], arrivals["guest-2"]["fast_lane"]) == (True, False)
    assert (member["late_checkout_fee"], plain["late_checkout_fee"]) == ("0.00", "280.00")


def test_the_perk_ends_at_the_half_day_hour() -> None:
    async def scenario() -> dict:
        clock = FixedClock(at_local(ARRIVAL, 15))
        service, folio, projections, _ = await build(SETUP, clock)
        await projections.guest_profile(profile("guest-1", SILVER_PERKS))
        await projections.reservation_created(booking(1, "king", ARRIVAL, DEPARTURE, rate="560.00"))
        stay = await service.check_in("res-1")
        clock.now = at_local(DEPARTURE, 20)
        return (await folio.check_out(stay["_id"], CheckOut()))["settlement"]

    assert run(scenario())["late_checkout_fee"] == "560.00"
