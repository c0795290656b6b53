"""The loyalty use cases on the embedded store, with an injected clock, in the store's
interleaving mode (shared/mongo.py: every call and every cursor yields to the event
loop, as a networked MongoDB does), so concurrent requests interleave between their read
and their guarded write. The outbox is read straight from the documents: no relay runs
here.

Guard removed (LoyaltyRepository.save writing by `_id` alone, without its `version`
condition; run 2026-12-01, not committed): the 20 concurrent redemptions of a 1,000-point
balance printed "20 accepted; balance 0, entries summing to -19000", and the 1,000
random operations ended with a balance of 4581 against entries summing to -16426. With
the guard: 1 accepted, balance 0 = entries; the random operations' balance = entries."""

from __future__ import annotations

import asyncio
import contextlib
import random
import uuid
from datetime import UTC, date, datetime, timedelta
from decimal import Decimal
from typing import Any

import pytest

from services.loyalty import ledger
from services.loyalty.config import Settings
from services.loyalty.domain import ProfileUpdate, RedemptionCreate, ReversalCreate
from services.loyalty.guests import GuestStore
from services.loyalty.profiles import ProfileService
from services.loyalty.repository import LoyaltyRepository, VersionConflict
from services.loyalty.service import LoyaltyService
from shared.errors import DomainError
from shared.events import (
    GoodwillGranted,
    GoodwillGrantedPayload,
    StayCheckedOut,
    StayCheckedOutPayload,
)
from shared.mongo import connect_database

OPERATIONS = 1_000


class CountingRepository(LoyaltyRepository):
    conflicts = 0

    async def save(self, guest: dict[str, Any], **kwargs: Any) -> int:
        try:
            return await super().save(guest, **kwargs)
        except VersionConflict:
            self.conflicts += 1
            raise


class Clock:
    def __init__(self, now: datetime) -> None:
        self.now = now

    def __call__(self) -> datetime:
        return self.now


class World:
    def __init__(self) -> None:
        # The services' own embedded store in its interleaving mode, seeded and without
        # timed waits, so a failing interleaving replays the same way.
        database = connect_database(
            Settings(
                mongodb_url=None,
                embedded_store_dir=None,
                embedded_store_interleave=True,
                embedded_store_seed=11,
                embedded_store_max_delay_ms=0,
            )
        )
        self.repository = CountingRepository(database)
        self.clock = Clock(datetime(2027, 1, 10, 9, tzinfo=UTC))
        store = GuestStore(
            self.repository, property_id="demo-hotel", clock=self.clock, events_written=lambda: None
        )
        self.service = LoyaltyService(
            store, rules=ledger.EarningRules(), inactivity=timedelta(days=730)
        )
        self.profiles = ProfileService(store, match_secret="test")


@pytest.fixture
async def world() -> World:
    world = World()
    await world.repository.prepare()
    return world


def checked_out(guest_id: str, nights: int, revenue: Decimal, departure: date) -> StayCheckedOut:
    return StayCheckedOut.new(
        StayCheckedOutPayload(
            stay_id=f"stay-{uuid.uuid4()}",
            reservation_id=f"res-{uuid.uuid4()}",
            guest_id=guest_id,
            room_number="501",
            room_type="king",
            arrival=departure - timedelta(days=nights),
            departure=departure,
            nights=nights,
            room_revenue=revenue,
            total_spend=revenue,
        ),
        producer="frontdesk",
        property_id="demo-hotel",
    )


async def outbox_types(repository: LoyaltyRepository, guest_id: str) -> list[str]:
    document = await repository.guests.find_one({"_id": guest_id})
    return [entry["type"] for entry in document.get("outbox", [])]


async def assert_ledger_whole(service: LoyaltyService, guest_id: str) -> dict[str, Any]:
    points = await service.points_of(guest_id)
    assert points["balance"] == sum(e["points"] for e in points["entries"]) >= 0
    assert len({e["entry_id"] for e in points["entries"]}) == len(points["entries"])
    return points


async def test_1000_random_operations_keep_the_balance_the_sum_of_entries_and_never_negative(
    world,
) -> None:
    service, repository, clock = world.service, world.repository, world.clock
    rng = random.Random(2027)
    guest_id = "guest-random"
    delivered: list[StayCheckedOut] = []
    counts = {
        "earn": 0,
        "redeem": 0,
        "refused": 0,
        "reverse": 0,
        "expire": 0,
        "redelivered": 0,
        "goodwill": 0,
    }
    done = 0
    while done < OPERATIONS:
        kind = rng.choices(
            ["earn", "redeem", "reverse", "expire", "redeliver", "goodwill"],
            weights=[30, 35, 10, 5, 10, 10],
        )[0]
        if kind == "earn":
            event = checked_out(
                guest_id, rng.randint(1, 3), Decimal(rng.randint(50, 900)), clock.now.date()
            )
            delivered.append(event)
            await service.earn_for_stay(event)
            counts["earn"] += 1
            done += 1
        elif kind == "redeliver" and delivered:
            await service.earn_for_stay(rng.choice(delivered))
            counts["redelivered"] += 1
            done += 1
        elif kind == "goodwill":
            await service.apply_goodwill(
                GoodwillGranted.new(
                    GoodwillGrantedPayload(
                        grant_id=str(uuid.uuid4()),
                        case_id="c",
                        guest_id=guest_id,
                        points=rng.randint(1, 500),
                    ),
                    producer="feedback",
                    property_id="demo-hotel",
                )
            )
            counts["goodwill"] += 1
            done += 1
        elif kind == "redeem":
            # A burst of concurrent redemptions, together often more than the balance.
            burst = rng.randint(2, 8)

            async def redeem() -> bool:
                try:
                    await service.redeem(
                        guest_id,
                        RedemptionCreate(
                            points=rng.randint(100, 6_000),
                            kind=rng.choice(["night", "voucher"]),
                            request_id=str(uuid.uuid4()),
                        ),
                    )
                    return True
                except ledger.InsufficientPoints:
                    return False
                except DomainError as problem:
                    if problem.status == 404:  # no account yet
                        return False
                    raise

            results = await asyncio.gather(*(redeem() for _ in range(burst)))
            counts["redeem"] += sum(results)
            counts["refused"] += len(results) - sum(results)
            done += burst
        elif kind == "reverse":
            points = await service.points_of(guest_id) if delivered else None
            candidates = [
                e["entry_id"]
                for e in (points or {}).get("entries", [])
                if e["kind"] in ledger.REVERSIBLE
            ]
            if candidates:
                entry_id = rng.choice(candidates)
                # DomainError: reversed already (same entry id, nothing new)
                with contextlib.suppress(DomainError):
                    await service.reverse(
                        guest_id, ReversalCreate(entry_id=entry_id, reason="refund")
                    )
                counts["reverse"] += 1
                done += 1
        elif kind == "expire" and delivered:
            clock.now += timedelta(days=rng.choice([30, 400, 800]))
            before = (await service.points_of(guest_id))["balance"]
            await service.daily_pass(guest_id)
            after = (await service.points_of(guest_id))["balance"]
            counts["expire"] += before > 0 and after == 0
            done += 1
        if delivered:
            await assert_ledger_whole(service, guest_id)

    points = await assert_ledger_whole(service, guest_id)
    stay_entries = [e for e in points["entries"] if e["entry_id"].startswith("earn|stay|")]
    assert len(stay_entries) == counts["earn"]  # redeliveries added nothing
    assert repository.conflicts > 0  # the concurrent redemptions really raced
    assert counts["refused"] > 0 and counts["redeem"] > 0
    print(
        f"\n{done} operations {counts}: {len(points['entries'])} entries, balance "
        f"{points['balance']} = sum of entries; {repository.conflicts} write conflicts retried"
    )


async def test_concurrent_redemptions_of_the_whole_balance_let_exactly_one_through(world) -> None:
    service = world.service
    await service.earn_for_stay(checked_out("guest-race", 1, Decimal("100"), date(2027, 1, 9)))

    async def redeem(n: int) -> bool:
        try:
            await service.redeem(
                "guest-race", RedemptionCreate(points=1_000, kind="night", request_id=f"race-{n}")
            )
            return True
        except ledger.InsufficientPoints:
            return False

    results = await asyncio.gather(*(redeem(n) for n in range(20)))
    seen = await service.points_of("guest-race")
    # Printed before the checks, so a run with the guard removed shows what it let through.
    print(
        f"\n20 concurrent redemptions of the whole balance (1,000 points): {sum(results)} "
        f"accepted; balance {seen['balance']}, entries summing to "
        f"{sum(e['points'] for e in seen['entries'])}"
    )
    points = await assert_ledger_whole(service, "guest-race")
    assert (sum(results), points["balance"], len(points["entries"])) == (1, 0, 2)


async def test_year_end_requalifies_then_downgrades_once_with_the_injected_clock(world) -> None:
    service, repository, clock = world.service, world.repository, world.clock
    await service.earn_for_stay(checked_out("guest-gold", 26, Decimal("100"), date(2027, 1, 9)))
    assert (await service.points_of("guest-gold"))["tier"] == "Gold"
    assert (await outbox_types(repository, "guest-gold")).count("loyalty.tier_changed") == 1

    clock.now = datetime(2028, 1, 1, 0, 5, tzinfo=UTC)
    await service.daily_pass("guest-gold")
    assert (await service.points_of("guest-gold"))["tier"] == "Gold"  # earned last year
    clock.now = datetime(2029, 1, 1, 0, 5, tzinfo=UTC)
    for _ in range(3):  # the job runs again and again: one downgrade
        await service.daily_pass("guest-gold")
    assert (await service.points_of("guest-gold"))["tier"] == "Member"
    document = await repository.guests.find_one({"_id": "guest-gold"})
    tier_events = [e for e in document["outbox"] if e["type"] == "loyalty.tier_changed"]
    assert (
        len(tier_events) == 2 and '"old_tier":"Gold","new_tier":"Member"' in tier_events[1]["body"]
    )


async def test_greetings_go_once_and_only_with_marketing_consent(world) -> None:
    service, repository, clock = world.service, world.repository, world.clock
    for guest_id, consent in (("guest-yes", True), ("guest-no", False)):
        await service.earn_for_stay(checked_out(guest_id, 1, Decimal("100"), date(2027, 1, 9)))
        await world.profiles.update_profile(
            guest_id,
            ProfileUpdate.model_validate(
                {
                    "birthday": "1990-01-12",
                    "phone": "+86 138 0013 8000" if consent else "+86 139 0000 0000",
                    "consents": {"marketing": {"granted": consent, "source": "desk"}},
                }
            ),
        )
    clock.now = datetime(2027, 1, 12, 8, tzinfo=UTC)
    for _ in range(2):
        for guest_id in ("guest-yes", "guest-no"):
            await service.daily_pass(guest_id)
    messages = await repository.all_messages(100)
    assert [(m["guest_id"], m["template"], m["channel"]) for m in messages] == [
        ("guest-yes", "birthday-greeting", "sms")
    ]
    profile = await world.profiles.guest("guest-yes")
    assert profile["profile"]["consents"]["marketing"]["source"] == "desk"
