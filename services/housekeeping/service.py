"""Housekeeping use cases driven by events: tasks and room status follow the guests.

Tasks are created from events only (checkout, assignment, requests, the morning plan),
never by a call: each task's `_id` is its cause, so a redelivered event finds its task
already there and changes nothing.

Each group is its own module (issue 17): stays (stay_events.py), arrival preparation
(arrival_preparation.py), guest requests (guest_requests.py) and guests' habits
(guest_habits.py), on what they share (housekeeping_context.py).
"""

from __future__ import annotations

from .arrival_preparation import ArrivalPreparation
from .guest_habits import GuestHabits
from .guest_requests import GuestRequests
from .stay_events import StayEvents


class HousekeepingService(StayEvents, ArrivalPreparation, GuestRequests, GuestHabits):
    """The event-driven use cases behind one object, for the consumers, the task use cases
    and the feedback follow-up: one repository, room keeper and clock
    (HousekeepingContext) serve them all."""
