"""Whose half-done work may be repaired: an owner whose lease ran out, or (with
INSTANCE_NAME) this instance's dead predecessor; never a live owner, never unknown ones."""

from __future__ import annotations

import time

from mongomock_motor import AsyncMongoMockClient

from shared.process_lease import ProcessLease


def database():
    return AsyncMongoMockClient()["leases"]


async def test_a_live_lease_is_not_lapsed_and_a_released_one_is() -> None:
    db = database()
    live = ProcessLease(db, term_seconds=10, instance_name=None)
    other = ProcessLease(db, term_seconds=10, instance_name=None)
    await live.renew()
    assert not await other.lapsed(live.owner)
    assert not await live.lapsed(live.owner)  # never its own work
    await live.release()
    assert await other.lapsed(live.owner)


async def test_an_expired_lease_is_lapsed() -> None:
    db = database()
    crashed = ProcessLease(db, term_seconds=10, instance_name="reservation")
    await crashed.renew()
    await db["process_leases"].update_one(
        {"_id": crashed.owner}, {"$set": {"expires_at": time.time() - 1}}
    )
    observer = ProcessLease(db, term_seconds=10, instance_name="observer")
    assert await observer.lapsed(crashed.owner)


async def test_the_same_instance_restarted_takes_over_at_once() -> None:
    db = database()
    crashed = ProcessLease(db, term_seconds=3600, instance_name="reservation")
    await crashed.renew()  # its lease still runs for an hour
    assert not await ProcessLease(db, term_seconds=10, instance_name="other").lapsed(crashed.owner)
    restarted = ProcessLease(db, term_seconds=10, instance_name="reservation")
    assert await restarted.lapsed(crashed.owner)


async def test_unknown_owners_are_left_to_the_age_based_net() -> None:
    lease = ProcessLease(database(), term_seconds=10, instance_name="reservation")
    assert not await lease.lapsed(None)
