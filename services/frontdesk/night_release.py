"""Room nights a stay gave up, released even when the process dies after the stay's write
(issue 12: early departures and shortenings released them after the write, and a crash
between the two left the nights held: the desk refused rooms that were free and reservation
sold a night the desk could not give).

The nights to give back are a recorded intent, `release_pending`, written in the same
write that closes or shortens the stay. Right after the write the use case completes it
(releases the nights, then pulls the intent); if the process dies between the two, the
`NightReleaseJanitor` finds the intent and completes it. Completing twice is harmless: a
release deletes the stay's own room nights of the named nights, the pull names the intent.

Only the nights the stay no longer has are released: a shortened stay extended again
before the janitor came would hold those nights once more (an extension cannot take them
while they are still held: the claim is keyed by room and night), so the janitor keeps any
night that is again a night of an in-house stay. The janitor waits a grace period so that
it completes crashed intents, not those the use case is completing right now.
"""

from __future__ import annotations

import uuid
from datetime import date, datetime, timedelta
from typing import Any

from shared.logging import get_logger
from shared.worker import PollingWorker

from .records import PropertyClock
from .repository import FrontDeskRepository

log = get_logger(__name__)


def release_intent(nights: list[date], at: datetime) -> dict[str, Any]:
    """To `$push` onto `release_pending` in the stay's own write."""
    return {"intent_id": str(uuid.uuid4()), "nights": [n.isoformat() for n in nights], "at": at}


async def complete_release(
    repository: FrontDeskRepository, stay: dict[str, Any], intent: dict[str, Any]
) -> int:
    """Releases the intent's nights the stay no longer has, then forgets the intent."""
    still_its = (
        {n for n in stay.get("nightly_rates", {}) if n < stay["departure"]}
        if stay["status"] == "in_house"
        else set()
    )
    nights = [date.fromisoformat(n) for n in intent["nights"] if n not in still_its]
    released = await repository.release_room_nights(stay["_id"], nights=nights) if nights else 0
    await repository.stays.update_one(
        {"_id": stay["_id"]}, {"$pull": {"release_pending": {"intent_id": intent["intent_id"]}}}
    )
    return released


class NightReleaseJanitor(PollingWorker):
    name = "night-release"

    def __init__(
        self,
        repository: FrontDeskRepository,
        clock: PropertyClock,
        *,
        poll_seconds: float,
        grace_seconds: float = 60.0,
    ) -> None:
        super().__init__(poll_seconds)
        self.repository = repository
        self.clock = clock
        self.grace = timedelta(seconds=grace_seconds)

    async def work_once(self) -> int:
        """Completes every intent older than the grace period; returns how many."""
        due = self.clock() - self.grace
        completed = 0
        for stay in await self.repository.stays_where({"release_pending.at": {"$lte": due}}):
            for intent in stay.get("release_pending", []):
                if _aware(intent["at"], due) <= due:
                    released = await complete_release(self.repository, stay, intent)
                    completed += 1
                    log.warning(
                        "room nights released after an interrupted write",
                        stay_id=stay["_id"],
                        released=released,
                    )
        return completed


def _aware(moment: datetime, like: datetime) -> datetime:
    """A stored time back from a store that drops the zone: it was in `like`'s zone."""
    return moment if moment.tzinfo else moment.replace(tzinfo=like.tzinfo)
