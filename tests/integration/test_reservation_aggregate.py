"""Every booking document reservation's use cases write reads as the typed aggregate and
back, field for field (issue 17): a booking with all its parts (booker, guests, payment,
requests, times, a channel's reference and an Idempotency-Key), amended, reconfirmed,
its letters recorded, reviewed, cancelled with its refund failing then paid; points
redeemed, refused and withdrawn; a block pick-up; a walk; a room assigned ahead, stays in
and out; a no-show; an erasure and the retention pass. Each document is read after every
step (a field can be written and then removed, as a refund's error).

And the booking's public answer read through the aggregate is the one read from the
document before it: the routes' bodies do not change."""

from __future__ import annotations

from datetime import UTC, date, datetime
from typing import Any

from services.reservation.api import to_public
from services.reservation.blocks import BlockCreate
from services.reservation.domain import ReservationPublic, ReservationUpdate
from services.reservation.letters import Letters
from services.reservation.policies import RatePlanUpsert
from services.reservation.records import Records, ReviewRequest
from services.reservation.redemptions import Redemptions
from services.reservation.refunds import RefundPayer
from services.reservation.repository import (
    ERASED_GUEST_FIELDS,
    RELAY_FIELDS,
    reservation_from_document,
    reservation_to_document,
)
from services.reservation.reservation_aggregate import Reservation
from services.reservation.stays import StayFollower
from services.reservation.tentative import TentativeBookings
from services.reservation.walks import WalkedGuests
from shared.events import StayShortened
from shared.masking import masked_contact
from shared.payments import LocalPaymentGateway
from shared.retention import RetentionJob, RetentionRule
from tests.integration.reservation_harness import PROPERTY, Clock, booking, office
from tests.integration.test_one_hotel_assigned_types import assigned
from tests.integration.test_one_hotel_reservation import checked_out
from tests.integration.test_one_hotel_room_types import checked_in, departure_change
from tests.integration.test_reservation_redemptions import redeemed
from tests.integration.test_reservation_walks import walked

KING = {"room_type": "king", "arrival": "2027-03-10", "departure": "2027-03-14"}
PAID_BY_CARD = {"method": "card", "token": "tok_visa_4242abcd"}


class Unreachable:
    """A payment provider that does not answer: the refund waits with its error."""

    async def refund(self, request: Any) -> Any:
        raise ConnectionResetError("no answer")


class Documents:
    """Every version of every booking document seen, read after each step."""

    def __init__(self, collection: Any) -> None:
        self.collection = collection
        self.seen: list[dict[str, Any]] = []

    async def read(self) -> None:
        self.seen += await self.collection.find({}).to_list(None)


async def a_year_of_bookings(tmp_path: Any) -> list[dict[str, Any]]:
    hotel = await office(Clock(datetime(2027, 3, 1, 2, tzinfo=UTC)))
    await hotel.room_type("king", rooms=8)
    await hotel.room_type("suite", rooms=2)
    await hotel.setup.save_rate_plan(
        "guaranteed", RatePlanUpsert(name="Guaranteed", deposit={"kind": "first_night"})
    )
    service, repository = hotel.reservations, hotel.repository
    database = repository.reservations.database
    documents = Documents(repository.reservations)
    follower = StayFollower(service, database)

    # A booking with every part, booked twice under the same key (the first one stands).
    request = booking(
        number=1,
        **KING,
        booker={"first_name": "Li", "last_name": "Assistant", "email": "li@corp.example"},
        additional_guests=[{"first_name": "Bo", "last_name": "Wu"}],
        adults=2,
        rate_plan="guaranteed",
        payment=PAID_BY_CARD,
        special_requests=["quiet", "bed: king"],
        expected_arrival_time="15:00",
        tentative=True,
        channel="ota",
        source_reference="OTA-1",
    )
    full, _ = await service.create_reservation(request, idempotency_key="key-0001")
    await service.create_reservation(request, idempotency_key="key-0001")
    await documents.read()
    await service.amend_reservation(full["_id"], ReservationUpdate(children=1), reason="a child")
    tentative = TentativeBookings(service, events_written=lambda: None)
    await tentative.prepare()
    await tentative.reconfirm(full["_id"])
    letters = Letters(database, PROPERTY, hotel.clock)
    await letters.prepare()
    await letters.record_booking_letters()
    await documents.read()
    current = await service.get_reservation(full["_id"])
    records = Records(repository, hotel.clock)
    await records.mark_reviewed(full["_id"], ReviewRequest(version=current["version"]), "office")
    await service.cancel_reservation(full["_id"], "plans changed")
    await documents.read()
    for gateway in (Unreachable(), LocalPaymentGateway(tmp_path / "payments.log")):
        payer = RefundPayer(database, gateway, service.cipher, clock=hotel.clock)  # type: ignore[arg-type]
        await payer.prepare()
        await payer.work_once()
        await documents.read()

    # Points: a night redeemed, a voucher refused, the night withdrawn by an amendment.
    points = await hotel.book(number=2, **KING)
    honour = Redemptions(service).honour
    await honour(redeemed(points, "r|n1", 3000, redeemed_for="night", night=date(2027, 3, 13)))
    await honour(redeemed(points, "r|v1", 10**6, redeemed_for="voucher", voucher_value="10000"))
    await documents.read()
    shorter = ReservationUpdate(departure=date(2027, 3, 13))
    await service.amend_reservation(points["_id"], shorter, reason="leaves earlier")

    # A block's room picked up; a guest walked; a room of another type assigned ahead.
    block, _ = await hotel.blocks.create_block(
        BlockCreate(
            name="Acme sales meeting",
            company="Acme",
            kind="corporate",
            room_type="king",
            start=date(2027, 3, 10),
            end=date(2027, 3, 14),
            rooms_per_night=2,
            nightly_rate="420.00",
            release_date=date(2027, 3, 5),
        )
    )
    await hotel.book(number=3, **KING, block_id=block["_id"], channel="corporate")
    await WalkedGuests(service).follow(walked((await hotel.book(number=4, **KING))["_id"]))
    upgraded = await hotel.book(number=5, **KING)
    await follower.assignments.room_assigned(assigned(upgraded["_id"], "suite"))
    await documents.read()

    # Stays: the upgraded guest checks in to the suite; of two rooms one leaves early,
    # the other shortens its stay, then leaves.
    await follower.checked_in(checked_in("stay-up", upgraded["_id"], occupied="suite"))
    pair = await hotel.book(number=6, **KING, room_count=2, adults=2)
    await follower.checked_in(checked_in("stay-a", pair["_id"]))
    await follower.checked_in(checked_in("stay-b", pair["_id"]))
    await follower.checked_out(
        checked_out("stay-a", pair["_id"], "2027-03-10", "2027-03-12", "king")
    )
    await documents.read()
    await follower.shortened(departure_change(StayShortened, "stay-b", pair["_id"], 14, 13, 1))
    await follower.checked_out(
        checked_out("stay-b", pair["_id"], "2027-03-10", "2027-03-13", "king")
    )
    await documents.read()

    # A no-show once the arrival day has ended; an erasure; years later, retention.
    absent = await hotel.book(number=7, **KING)
    hotel.clock.now = datetime(2027, 3, 11, 3, tzinfo=UTC)
    await service.mark_no_show(absent["_id"])
    await repository.anonymize_guests([points["guest_id"]], hotel.clock())
    await documents.read()
    retention = RetentionJob(
        database,
        [RetentionRule("reservations", "departure", keep_days=0, erase=ERASED_GUEST_FIELDS)],
        clock=lambda: datetime(2030, 1, 1, tzinfo=UTC),
    )
    await retention.work_once()
    await documents.read()
    return documents.seen


def stored(document: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in document.items() if k not in RELAY_FIELDS}


def public_as_before(document: dict[str, Any], revealed: bool) -> dict[str, Any]:
    """api.to_public as it read the document before the aggregate (issue 17)."""
    public = {**document, "id": document["_id"], "contact_revealed": revealed}
    if not revealed:
        public["guest"] = masked_contact(document.get("guest"))
        public["booker"] = masked_contact(document.get("booker"))
        public["additional_guests"] = [
            masked_contact(g) for g in document.get("additional_guests") or []
        ]
    return ReservationPublic.model_validate(public).model_dump(mode="json")


async def test_every_document_the_use_cases_write_reads_back_as_stored(tmp_path: Any) -> None:
    seen = await a_year_of_bookings(tmp_path)
    assert len(seen) > 30
    for document in seen:
        assert reservation_to_document(reservation_from_document(document)) == stored(document)


async def test_every_modelled_field_is_one_the_use_cases_write(tmp_path: Any) -> None:
    """The model is the writers' fields, no more: each one was seen in some document."""
    seen = await a_year_of_bookings(tmp_path)
    written = {key for document in seen for key in stored(document)}
    modelled = {field.alias or name for name, field in Reservation.model_fields.items()}
    assert modelled - written == set()
    assert written - modelled == set()


async def test_the_public_answer_read_through_the_aggregate_is_unchanged(tmp_path: Any) -> None:
    for document in await a_year_of_bookings(tmp_path):
        if document["status"] == "pending":
            continue  # never answered: the routes never read a pending booking
        reservation = reservation_from_document(document)
        for revealed in (False, True):
            shown = to_public(reservation, revealed=revealed).model_dump(mode="json")
            assert shown == public_as_before(document, revealed)
