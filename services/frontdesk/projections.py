"""What the desk learns from other departments' events, applied idempotently.

- reservations: the arrivals list (created, amended, cancelled, no-show), newest event
  wins by occurred_at; a pre-assigned room is given back when the booking changes;
- room status: which rooms are ready, newest event wins;
- guest profiles: recognition (name, tier, VIP, preferences), merges and erasure;
- guest relations: an in-house case becomes an alert on the stay, cleared when resolved,
  raised again when the guest, not satisfied, has it reopened; each guest's latest
  questionnaire results, for recognition (guest_feedback.py);
- housekeeping's room check: charges on the folio (through the service, once per check).
"""

from __future__ import annotations

from .arrival_projection import ArrivalNotYetKnown, ArrivalProjection
from .case_alerts import CaseAlerts
from .guest_projection import ERASED, ERASED_STAY_FIELDS, STAY_FREE_TEXT, GuestProjection
from .projection_context import event_time
from .room_projection import RoomProjection

__all__ = [
    "ERASED",
    "ERASED_STAY_FIELDS",
    "STAY_FREE_TEXT",
    "ArrivalNotYetKnown",
    "Projections",
    "event_time",
]


class Projections(ArrivalProjection, RoomProjection, GuestProjection, CaseAlerts):
    """The desk's projections put together, one group per department whose events they
    follow (arrival_projection.py, room_projection.py, guest_projection.py,
    case_alerts.py), over what they share (projection_context.py)."""
