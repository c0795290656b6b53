"""What every loyalty use case stands on: the one write path (guests.py's GuestStore) with
its repository, clock and business dates, the earning rules, and how long inactivity
lasts before points expire. The use cases (stay_earning.py, reservation_records.py,
feedback_records.py, points_requests.py, daily_round.py) subclass it; service.py puts
them together."""

from __future__ import annotations

from datetime import timedelta

from . import ledger
from .guests import GuestStore


class LoyaltyContext:
    def __init__(
        self, store: GuestStore, *, rules: ledger.EarningRules, inactivity: timedelta
    ) -> None:
        self.store = store
        self.repository = store.repository
        self.clock = store.clock
        self.business_dates = store.business_dates
        self.rules = rules
        self.inactivity = inactivity
