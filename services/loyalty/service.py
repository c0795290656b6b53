"""Loyalty use cases: the ledger and the guest's history, from events and requests.

Each is a rule handed to the one write path (guests.py): earn per stay and spend with
tier bonuses and promotions, and referrals (stay_earning.py); reservations and what a
cancellation takes back (reservation_records.py); survey answers, cases and goodwill
once per grant (feedback_records.py); the balance, redemption with a balance check that
holds under concurrency, and reversal (points_requests.py); and the daily pass
(daily_round.py: year-end requalification, expiry after inactivity, greetings), on what
they share (loyalty_context.py).
"""

from __future__ import annotations

from .daily_round import DailyRound
from .feedback_records import FeedbackRecords
from .points_requests import PointsRequests
from .reservation_records import ReservationRecords
from .stay_earning import StayEarning


class LoyaltyService(StayEarning, ReservationRecords, FeedbackRecords, PointsRequests, DailyRound):
    """The loyalty use cases behind one object, for the routes, consumers and workers: one
    guest store, earning rules and inactivity period (LoyaltyContext) serve them all."""
