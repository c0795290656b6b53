"""Front-office metrics over a period (seed 002 ch. 12): check-ins and check-outs, the
busiest check-in hours (the queue), minutes from a check-out request to settlement,
errors (failed departure checks), complaints by category, opinions, walks and their
cost."""

from __future__ import annotations

from collections import Counter
from datetime import date
from typing import Any

from shared.errors import Unprocessable

from .guest_opinions import LOW_SCORE
from .guest_walks import GuestWalks

MAX_METRIC_DAYS = 92


class FrontOfficeMetrics(GuestWalks):
    async def metrics(self, first: date, last: date) -> dict[str, Any]:
        if last < first or (last - first).days >= MAX_METRIC_DAYS:
            raise Unprocessable(f"a period of 1 to {MAX_METRIC_DAYS} days, 'from' before 'to'")
        start, end = self._bounds(first, last)
        checked_in = await self.repository.stays.find(
            {"checked_in_at": {"$gte": start, "$lt": end}}, {"outbox": 0}
        ).to_list(None)
        checked_out = await self.repository.stays.find(
            {"checked_out_at": {"$gte": start, "$lt": end}}, {"outbox": 0}
        ).to_list(None)
        hours = Counter(s["checked_in_at"].astimezone(self.clock.tz).hour for s in checked_in)
        waits = [
            (s["checked_out_at"] - s["checkout_request"]["requested_at"]).total_seconds() / 60
            for s in checked_out
            if s.get("checkout_request")
        ]
        stays = {s["_id"]: s for s in checked_in + checked_out}.values()  # each stay once
        complaints = Counter(
            c["category"] for s in stays for c in s.get("complaints", []) if start <= c["at"] < end
        )
        opinions = [
            s["opinion"]["score"]
            for s in stays
            if s.get("opinion") and start <= s["opinion"]["at"] < end
        ]
        walks = await self.walks_between(first, last)
        return {
            "from": first,
            "to": last,
            "check_ins": len(checked_in),
            "check_outs": len(checked_out),
            "check_ins_by_hour": {f"{h:02d}:00": n for h, n in sorted(hours.items())},
            "busiest_check_in_hour": (f"{hours.most_common(1)[0][0]:02d}:00" if hours else None),
            "checkout_request_to_settlement_minutes": (
                round(sum(waits) / len(waits), 1) if waits else None
            ),
            "errors": {
                "failed_departure_checks": sum(
                    s.get("departure_check_failures", 0) for s in checked_out
                )
            },
            "complaints_by_category": dict(complaints.most_common()),
            "opinions": {
                "count": len(opinions),
                "average": round(sum(opinions) / len(opinions), 2) if opinions else None,
                "low": sum(1 for score in opinions if score <= LOW_SCORE),
            },
            "walks": {"count": walks["count"], "total_cost": walks["total_cost"]},
        }
