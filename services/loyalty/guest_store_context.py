"""What every part of loyalty's one write path stands on: the repository, the clock and
the business dates, the relay's and the sender's wake-ups; the change a rule decides
(`Change`); and the events a change carries, each caused by the event that brought it
or, when none did, from this property. The parts (guest_postings.py, guest_messages.py,
guest_merges.py) build on it; guests.py is the write path itself (GuestStore)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from shared.business_date import BusinessDates
from shared.clock import Clock, PropertyClock
from shared.events import (
    Event,
    PointsAccrued,
    PointsExpired,
    PointsRedeemed,
    PointsReversed,
    TierChanged,
    TierChangedPayload,
)
from shared.logging import get_logger

from . import ledger
from .guest_aggregate import Guest
from .repository import LoyaltyRepository

log = get_logger(__name__)
PRODUCER = "loyalty"
WRITE_ATTEMPTS = 20
MAX_MERGE_HOPS = 10
POINT_EVENTS: dict[str, type[Event[Any]]] = {
    ledger.EARN: PointsAccrued,
    ledger.SPEND: PointsAccrued,
    ledger.GOODWILL: PointsAccrued,
    ledger.PROMOTION: PointsAccrued,
    ledger.REDEEM: PointsRedeemed,
    ledger.REVERSE: PointsReversed,
    ledger.EXPIRE: PointsExpired,
}

Decide = Callable[[dict[str, Any]], "Change | None"]
# A rule over the typed aggregate (guest_rules.py): the guest moved, or None for no change.
Move = Callable[[Guest], Guest | None]


@dataclass
class Change:
    sets: dict[str, Any] = field(default_factory=dict)
    pushes: dict[str, list[Any]] = field(default_factory=dict)
    unsets: tuple[str, ...] = ()
    events: list[Event[Any]] = field(default_factory=list)
    messages: list[dict[str, str]] = field(default_factory=list)  # campaign actions
    care_tasks: list[dict[str, Any]] = field(default_factory=list)  # care.py: gifts, calls
    publish_profile: bool = True


class GuestStoreContext:
    def __init__(
        self,
        repository: LoyaltyRepository,
        *,
        property_id: str,
        clock: Clock,
        events_written: Callable[[], None],
        messages_queued: Callable[[], None] = lambda: None,
        business_dates: BusinessDates | None = None,
    ) -> None:
        self.repository = repository
        self.property_id = property_id
        self.clock = clock  # instants: entries, consents, messages
        # Days: segments, lifecycle, greetings, tier years go by the hotel's business date.
        self.business_dates = business_dates or BusinessDates(
            None, property_id, PropertyClock(clock)
        )
        self.events_written = events_written
        self.messages_queued = messages_queued

    def event(
        self, kind: type[Event[Any]], payload: Any, guest: dict[str, Any], cause: Event[Any] | None
    ) -> Event[Any]:
        if cause is not None:
            return kind.new(payload, producer=PRODUCER, **cause.caused())
        return kind.new(
            payload, producer=PRODUCER, property_id=guest.get("property_id") or self.property_id
        )

    def tier_event(
        self, guest: dict[str, Any], change: ledger.TierChange, cause: Event[Any] | None
    ) -> Event[Any]:
        log.info(
            "tier changed",
            guest_id=guest["_id"],
            old_tier=change.old_tier,
            new_tier=change.new_tier,
        )
        return self.event(
            TierChanged,
            TierChangedPayload(
                guest_id=guest["_id"],
                old_tier=change.old_tier,
                new_tier=change.new_tier,
                perks=list(change.perks),
            ),
            guest,
            cause,
        )
