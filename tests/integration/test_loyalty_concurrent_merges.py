"""Merges racing each other and the ledger, on a store that yields on every call: three
profiles of one person merged pairwise at the same time, while stays are credited and
points redeemed on them. Afterwards one profile holds everything: its balance is the sum
of every earn and redemption, never negative, each entry once. The guard under test is the
profile's version check (LoyaltyRepository.save)."""

from __future__ import annotations

import asyncio
import random
import uuid
from collections import Counter
from datetime import date
from decimal import Decimal

import pytest

from services.loyalty import ledger
from services.loyalty.domain import RedemptionCreate
from shared.problems import Problem
from tests.integration.test_loyalty_ledger_service import (
    World,
    assert_ledger_whole,
    checked_out,
    world,
)

__all__ = ["world"]  # the fixture, shared with the ledger tests
ROUNDS = 20


async def test_merges_racing_merges_earnings_and_redemptions_lose_and_double_nothing(
    world: World,
) -> None:
    service, profiles = world.service, world.profiles
    rng = random.Random(13)
    lost, doubled, negative, mismatched = 0, 0, 0, 0
    failures: Counter[str] = Counter()
    for round_number in range(ROUNDS):
        ids = [f"guest-{round_number}-{n}" for n in range(3)]
        stays = {
            guest: checked_out(guest, 1, Decimal(rng.randint(100, 900)), date(2027, 1, 9))
            for guest in ids
        }
        for guest in ids:  # created in this order: ids[0] survives
            await service.earn_for_stay(stays[guest])
        late = {
            guest: checked_out(guest, 1, Decimal(rng.randint(100, 900)), date(2027, 1, 10))
            for guest in ids
        }

        async def redeem(guest: str) -> int:
            try:
                entry = await service.redeem(
                    guest,
                    RedemptionCreate(
                        points=rng.randint(500, 4_000), kind="voucher", request_id=str(uuid.uuid4())
                    ),
                )
                return abs(entry["points"])
            except (ledger.InsufficientPoints, Problem):
                return 0
            except RuntimeError as error:  # StopIteration: see the xfail below
                if not isinstance(error.__cause__, StopIteration):
                    raise
                failures["redemption applied, answer failed"] += 1
                return 0

        calls = [
            profiles.merge(ids[0], ids[1]),
            profiles.merge(ids[1], ids[2]),
            profiles.merge(ids[2], ids[0]),
            *(service.earn_for_stay(event) for event in late.values()),
            *(redeem(guest) for guest in ids),
        ]
        rng.shuffle(calls)
        outcomes = await asyncio.gather(*calls, return_exceptions=True)
        for outcome in outcomes:
            if isinstance(outcome, BaseException) and not isinstance(outcome, Problem):
                raise outcome
        views = [await assert_ledger_whole(service, guest) for guest in ids]  # finishes merges
        survivor = views[0]
        # Every profile's own entries (merges move points by transfer entries, never rewrite).
        raw = [await world.repository.get(guest) for guest in ids]
        own = [
            e
            for doc in raw
            for e in doc.get("entries", [])
            if not e["entry_id"].startswith("transfer|")
        ]
        credited = Counter(e["stay_id"] for e in own if e["entry_id"].startswith("earn|stay|"))
        all_stays = {s.payload.stay_id for s in [*stays.values(), *late.values()]}
        lost += len(all_stays - set(credited))
        doubled += sum(count - 1 for count in credited.values())
        negative += survivor["balance"] < 0
        mismatched += survivor["balance"] != sum(e["points"] for e in own)
        assert {view["guest_id"] for view in views} == {ids[0]}, [v["guest_id"] for v in views]
    print(
        f"\n{ROUNDS} rounds of 3 merges + 3 earnings + 3 redemptions at once: stays lost "
        f"{lost}, stays credited twice {doubled}, negative balances {negative}, survivor balance "
        f"!= sum of all earnings and redemptions {mismatched}; "
        f"{world.repository.conflicts} write conflicts retried; {dict(failures)}"
    )
    assert (lost, doubled, negative, mismatched) == (0, 0, 0, 0)
    assert world.repository.conflicts > 0  # they really raced
    if failures:
        # Found by this test: a redemption committed on a profile that a concurrent merge
        # then closes answers with an error (LoyaltyService._entry looks for the entry on
        # the survivor, which holds only the transfer), though the points were taken.
        pytest.xfail(f"{dict(failures)}: the redemption was applied but its answer failed")
