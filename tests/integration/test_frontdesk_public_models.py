"""The desk's answers serialize as their public models say: the check-in's assignment
notice is an AssignmentNotice value, not a dict pydantic would warn about on every
check-in (PydanticSerializationUnexpectedValue) and pass through unchecked."""

from __future__ import annotations

import asyncio
import warnings
from datetime import UTC, date, datetime

from services.frontdesk.api import to_public
from services.frontdesk.domain import CheckIn
from shared.property_setup import load_property
from tests.integration.frontdesk_harness import FixedClock, booking, build

ARRIVAL, DEPARTURE = date(2027, 3, 10), date(2027, 3, 13)


def test_the_check_in_answer_carries_its_notice_as_a_model_without_a_serializer_warning() -> None:
    async def scenario() -> dict:
        service, _, projections, _ = await build(
            load_property(), FixedClock(datetime(2027, 3, 10, 7, tzinfo=UTC))
        )
        await projections.reservation_created(booking(1, "king", ARRIVAL, DEPARTURE))
        stay = await service.check_in(CheckIn(reservation_id="res-1"))
        answer = to_public(stay).model_copy(update={"notice": await service.notice_for_stay(stay)})
        with warnings.catch_warnings():
            warnings.simplefilter("error")  # a serializer warning fails the test
            return answer.model_dump(mode="json")

    answer = asyncio.run(scenario())
    assert answer["notice"]["room_number"] == answer["room_number"]
    assert answer["notice"]["arrival"] == ARRIVAL.isoformat()
