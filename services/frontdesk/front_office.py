"""Front-office operations (issue 18, seed 002 ch. 10, 12; seed 000 一(四)):

- the guest's opinion asked at check-out, once per stay; a low score becomes a complaint
  for guest relations through the desk's usual complaint (once);
- walking a guest to a partner hotel when no room is left (10.3): the partner, the cost
  the hotel pays and the reason kept on the arrival and in `walks`; the arrival is no
  longer expected (no no-show fee, no room promised), and `arrival.walked` tells
  reservation, which gives the nights back and marks the booking walked;
- the communication log and the shift handover (10.2): entries written by the credential
  that wrote them, follow-ups open until done; a handover snapshots the open follow-ups
  and the day's counts for the next shift, who acknowledges it;
- front-office metrics over a period (ch. 12): check-ins and check-outs, the busiest
  check-in hours (the queue), minutes from a check-out request to settlement, errors
  (failed departure checks), complaints by category, opinions, walks and their cost.
"""

from __future__ import annotations

from .front_office_metrics import FrontOfficeMetrics
from .front_office_models import HandoverCreate, LogEntryCreate, OpinionCreate, WalkCreate
from .guest_opinions import GuestOpinions
from .shift_log import ShiftLog

__all__ = ["FrontOffice", "HandoverCreate", "LogEntryCreate", "OpinionCreate", "WalkCreate"]


class FrontOffice(GuestOpinions, ShiftLog, FrontOfficeMetrics):
    """The front office's use cases put together (guest_opinions.py, guest_walks.py,
    shift_log.py, front_office_metrics.py), over what they share
    (front_office_context.py)."""
