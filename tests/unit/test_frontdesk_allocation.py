"""Room allocation as a table: for each rule of DOMAIN.md, a case where it decides, and
the explanation names it. No I/O."""

from __future__ import annotations

import pytest

from services.frontdesk.allocation import (
    Needs,
    Room,
    Rule,
    arrival_order,
    choose_room,
    needs_from_requests,
)

NS = "non_smoking"


def room(
    number: str,
    *features: str,
    floor: int | None = None,
    room_type: str = "king",
    bed: str = "king",
    status: str = "vacant_inspected",
) -> Room:
    return Room(
        number=number,
        room_type=room_type,
        floor=floor or int(number[0]),
        bed=bed,
        features=frozenset(features),
        status=status,
    )


HOTEL = (
    room("201", room_type="twin", bed="twin"),
    room("301"),
    room("302", "sea_view"),
    room("303", NS),
    room("304", NS, "accessible"),
    room("401"),
    room("402", "sea_view"),
    room("403", "quiet"),
)

TABLE = [
    # (case, needs, rooms, taken, expected room, expected rule)
    (
        "reserved room type: the twin guest gets the only twin",
        Needs(room_type="twin"),
        HOTEL,
        (),
        "201",
        Rule.RESERVED_ROOM_TYPE,
    ),
    (
        "plain guest: the plainest king, better rooms kept back",
        Needs(room_type="king"),
        HOTEL,
        (),
        "301",
        Rule.RESERVED_ROOM_TYPE,
    ),
    (
        "guest requests: sea view",
        Needs(room_type="king", orientation="sea"),
        HOTEL,
        (),
        "302",
        Rule.GUEST_REQUESTS,
    ),
    (
        "guest requests: high floor",
        Needs(room_type="king", floor="high"),
        HOTEL,
        (),
        "401",
        Rule.GUEST_REQUESTS,
    ),
    (
        "guest requests: quiet",
        Needs(room_type="king", quiet=True),
        HOTEL,
        (),
        "403",
        Rule.GUEST_REQUESTS,
    ),
    (
        "guest requests: floor 4 and sea view",
        Needs(room_type="king", floor="4", orientation="sea"),
        HOTEL,
        (),
        "402",
        Rule.GUEST_REQUESTS,
    ),
    (
        "VIP: the best king (sea view, highest floor)",
        Needs(room_type="king", vip=True),
        HOTEL,
        (),
        "402",
        Rule.VIP_LONG_STAY,
    ),
    (
        "long stay (7 nights): the best king too",
        Needs(room_type="king", nights=9),
        HOTEL,
        (),
        "402",
        Rule.VIP_LONG_STAY,
    ),
    (
        "ready rooms only: dirty, occupied and out-of-order rooms are passed over",
        Needs(room_type="king"),
        (
            room("301", status="vacant_dirty"),
            room("302", status="out_of_order"),
            room("303", status="occupied_clean"),
            room("304", status="out_of_service"),
            room("305", status="vacant_clean"),
        ),
        (),
        "305",
        Rule.READY_ROOMS_ONLY,
    ),
    (
        "ready rooms only: a room held for the nights is passed over",
        Needs(room_type="king"),
        (room("301"), room("302")),
        ("301",),
        "302",
        Rule.READY_ROOMS_ONLY,
    ),
    (
        "special needs: accessible and non-smoking",
        Needs(room_type="king", accessible=True, non_smoking=True),
        HOTEL,
        (),
        "304",
        Rule.SPECIAL_NEEDS,
    ),
    (
        "special needs: family room",
        Needs(room_type="king", family=True),
        HOTEL + (room("404", "family"),),
        (),
        "404",
        Rule.SPECIAL_NEEDS,
    ),
    (
        "long-stay guest keeps a fixed room",
        Needs(room_type="king", nights=30, fixed_room="403"),
        HOTEL,
        (),
        "403",
        Rule.LONG_STAY_FIXED_ROOM,
    ),
]


@pytest.mark.parametrize(
    "case, needs, rooms, taken, expected_room, expected_rule", TABLE, ids=[row[0] for row in TABLE]
)
def test_each_rule_decides_and_explains_itself(
    case, needs, rooms, taken, expected_room, expected_rule
) -> None:
    choice = choose_room(needs, rooms, taken)
    assert (choice.room_number, choice.rule) == (expected_room, expected_rule), choice.explanation
    assert expected_rule in choice.explanation


def test_every_rule_of_the_domain_has_a_deciding_case() -> None:
    decided = {row[5] for row in TABLE}
    assert decided == {
        Rule.RESERVED_ROOM_TYPE,
        Rule.GUEST_REQUESTS,
        Rule.VIP_LONG_STAY,
        Rule.READY_ROOMS_ONLY,
        Rule.SPECIAL_NEEDS,
        Rule.LONG_STAY_FIXED_ROOM,
    }


@pytest.mark.parametrize(
    "needs",
    [
        Needs(room_type="king"),
        Needs(room_type="king", vip=True),
        Needs(room_type="king", orientation="sea"),
        Needs(room_type="king", floor="high"),
        Needs(room_type="king", nights=30, fixed_room="302"),
        Needs(room_type="king", accessible=True),
    ],
)
@pytest.mark.parametrize(
    "bad_status",
    ["vacant_dirty", "out_of_order", "out_of_service", "occupied_inspected", "occupied_dirty"],
)
def test_a_dirty_or_out_of_order_room_is_never_assigned(needs: Needs, bad_status: str) -> None:
    rooms = [
        room("301", "accessible", status="vacant_inspected"),
        room("302", "sea_view", "accessible", status=bad_status),
        room("402", "sea_view", "accessible", status=bad_status),
    ]
    assert choose_room(needs, rooms).room_number == "301"
    only_bad = [r for r in rooms if r.number != "301"]
    refused = choose_room(needs, only_bad)
    assert refused.room is None and refused.rule == Rule.READY_ROOMS_ONLY


def test_special_needs_are_hard_requirements_and_refusal_says_why() -> None:
    refused = choose_room(Needs(room_type="king", accessible=True), [room("301"), room("302")])
    assert refused.room is None
    assert refused.rule == Rule.SPECIAL_NEEDS and "accessible" in refused.explanation


def test_a_family_without_a_family_room_still_gets_a_room() -> None:
    choice = choose_room(Needs(room_type="king", family=True), [room("301"), room("302")])
    assert choice.room_number == "301" and "children's items" in choice.explanation


def test_unknown_room_type_is_refused_by_the_reserved_type_rule() -> None:
    refused = choose_room(Needs(room_type="penthouse"), HOTEL)
    assert refused.room is None and refused.rule == Rule.RESERVED_ROOM_TYPE


def test_free_form_requests_become_needs() -> None:
    needs = needs_from_requests(
        "king",
        2,
        [
            "High floor",
            "king bed",
            "Sea view",
            "non-smoking",
            "quiet",
            "accessible",
            "family",
            "long stay",
        ],
    )
    assert (
        needs.floor,
        needs.bed,
        needs.orientation,
        needs.non_smoking,
        needs.quiet,
        needs.accessible,
        needs.family,
        needs.is_long_stay,
    ) == ("high", "king", "sea", True, True, True, True, True)
    assert needs_from_requests("king", 1, ["floor:7", "celebration"]).floor == "7"


def test_vips_then_long_stays_are_placed_first() -> None:
    guests = {
        "plain": Needs(room_type="king"),
        "long": Needs(room_type="king", nights=10),
        "vip": Needs(room_type="king", vip=True),
    }
    assert sorted(guests, key=lambda name: arrival_order(guests[name])) == ["vip", "long", "plain"]


def test_requests_as_a_booking_writes_them_count() -> None:
    """Issue 12: reservation sends "kind: detail"; "bed: twin" was read as bed "_twin"."""
    needs = needs_from_requests(
        "king",
        2,
        ["bed: twin", "floor: high", "orientation: sea view", "quiet", "celebration: anniversary"],
    )
    assert (needs.bed, needs.floor, needs.orientation, needs.quiet) == ("twin", "high", "sea", True)
    assert needs_from_requests("king", 1, ["bed: Twin bed", "floor: 7"]).bed == "twin"
    assert needs_from_requests("king", 1, ["floor: 7"]).floor == "7"
    twin_room, king_room = room("301", bed="twin"), room("302", bed="king")
    chosen = choose_room(needs_from_requests("king", 1, ["bed: twin"]), (king_room, twin_room))
    assert chosen.room_number == "301" and chosen.rule == Rule.GUEST_REQUESTS
