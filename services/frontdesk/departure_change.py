"""A departure moved while the guest is in house (an extension or a shortening): what
the two changes share. Each carries the stay's next departure revision, so copies of the
two handled in either order end at the later change; and each is written only over the
stay as it was read (still in house, same departure, same revision), so a change made
meanwhile fails the write instead of being overwritten. No I/O."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date
from typing import Any

from .records import stay_ref


@dataclass(frozen=True)
class DepartureChange:
    stay: dict[str, Any]
    departure: date

    @property
    def old_departure(self) -> date:
        return date.fromisoformat(self.stay["departure"])

    @property
    def revision(self) -> int:
        return int(self.stay.get("departure_revision") or 0) + 1

    def payload_fields(self) -> dict[str, Any]:
        """The fields stay.extended and stay.shortened both carry."""
        return {
            **stay_ref(self.stay),
            "old_departure": self.old_departure,
            "departure": self.departure,
            "revision": self.revision,
        }

    def guard(self, **more: Any) -> dict[str, Any]:
        """The stay as read: the update applies only while it still is."""
        return {
            "status": "in_house",
            "departure": self.stay["departure"],
            "departure_revision": self.stay.get("departure_revision"),
            **more,
        }

    def new_departure(self) -> dict[str, Any]:
        """The $set fields of the change."""
        return {"departure": self.departure.isoformat(), "departure_revision": self.revision}
