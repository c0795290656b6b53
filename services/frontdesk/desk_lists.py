"""The desk's lists (arrivals, in house, departures) and a stay's registration, with the
audited reveal of its ID number."""

from __future__ import annotations

from datetime import date
from typing import Any

from shared.errors import NotFound

from .desk_context import DeskContext
from .records import document_number_binding


class DeskLists(DeskContext):
    async def registered_stay(self, stay_id: str) -> dict[str, Any]:
        stay = await self.get_stay(stay_id)
        if not stay.get("registration"):  # none taken, or anonymised after retention
            raise NotFound(f"stay {stay_id!r} has no registration")
        return stay

    def document_number(self, stay: dict[str, Any]) -> str | None:
        """The ID number in clear: only for an audited reveal."""
        sealed = stay["registration"].get("document_number_encrypted")
        return (
            self.cipher.decrypt(sealed, bound=document_number_binding(stay["_id"]))
            if sealed
            else None
        )

    async def arrivals_on(self, day: date) -> list[dict[str, Any]]:
        arrivals = await self.repository.arrivals_on(day)
        for arrival in arrivals:
            profile = await self.repository.guest(arrival["guest_id"])
            arrival["vip"] = bool((profile or {}).get("vip"))
            arrival["tier"] = (profile or {}).get("tier")
            # issue 18: members whose tier has the perk check in at the fast lane
            arrival["fast_lane"] = "fast_lane" in ((profile or {}).get("perks") or [])
        return arrivals

    async def in_house_on(self, day: date) -> list[dict[str, Any]]:
        staying = await self.repository.stays_where(
            {
                "status": "in_house",
                "arrival": {"$lte": day.isoformat()},
                "departure": {"$gt": day.isoformat()},
            }
        )
        if day > await self.today():
            return staying
        # a guest past the departure date who has not checked out is still in house
        overstaying = await self.repository.stays_where(
            {"status": "in_house", "departure": {"$lte": day.isoformat()}}
        )
        return staying + [{**stay, "overstay": True} for stay in overstaying]

    async def departures_on(self, day: date) -> list[dict[str, Any]]:
        stays = await self.repository.stays_where({"departure": day.isoformat()})
        early = await self.repository.stays_where(
            {"actual_departure": day.isoformat(), "departure": {"$ne": day.isoformat()}}
        )
        return stays + early
