"""What housekeeping keeps of a guest: habits and amenity preferences from the profile
events, merged ids followed, and erasure."""

from __future__ import annotations

from shared.events import GuestAnonymized, GuestCreated, GuestMerged, GuestUpdated
from shared.logging import get_logger

from .domain import TaskKind
from .housekeeping_context import HousekeepingContext
from .planning import amenity_preferences, habits_from

log = get_logger(__name__)


class GuestHabits(HousekeepingContext):
    async def on_guest_profile(self, event: GuestCreated | GuestUpdated) -> None:
        """Keeps only what housekeeping needs: habits and amenity preferences."""
        profile = event.payload
        habits = habits_from(profile.preferences)
        amenities = amenity_preferences(profile.preferences)
        changed = await self.repository.save_guest(
            {
                "_id": profile.guest_id,
                "property_id": event.property_id,
                "version": profile.version,
                "vip": profile.vip,
                "no_service": habits.no_service,
                "preferred_time": habits.preferred_time,
                "linen_every_nights": habits.linen_every_nights,
                "amenities": amenities,
            }
        )
        if changed:
            # Rooms still being prepared for this guest get the new preferences.
            await self.repository.set_open_tasks_fields(
                {"guest_id": profile.guest_id, "kind": TaskKind.ARRIVAL_PREPARATION.value},
                {"guest_amenities": amenities},
            )

    async def on_guest_merged(self, event: GuestMerged) -> None:
        """Loyalty merged duplicates: tasks and rooms follow the surviving guest id."""
        merge = event.payload
        counts = await self.repository.follow_merge(
            list(merge.merged_guest_ids), merge.surviving_guest_id
        )
        log.info("guest merge followed", surviving=merge.surviving_guest_id, **counts)

    async def on_guest_anonymized(self, event: GuestAnonymized) -> None:
        erased = event.payload
        counts = await self.repository.erase_guests([erased.guest_id, *erased.also_known_as])
        log.info("guest data erased", **counts)
