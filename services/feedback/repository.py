"""Feedback's MongoDB access: guest contacts and stays (projections of other departments'
events), survey designs, surveys with their responses, and cases.

One part per concern (issue 17), on what they share (store_context.py: the collections
and their indexes): contacts (contact_store.py), stays (stay_store.py), survey designs
(design_store.py), surveys (survey_store.py), cases and the case document
(case_store.py), and guests merged or erased (merged_guest_store.py).
"""

from __future__ import annotations

from .case_store import (
    CASE_FIELDS,
    CaseStore,
    case_changes,
    case_from_document,
    case_to_document,
)
from .contact_store import ContactStore
from .design_store import DesignStore
from .merged_guest_store import MergedGuestStore
from .stay_store import StayStore
from .store_context import HIDDEN
from .survey_store import SurveyStore

__all__ = [
    "CASE_FIELDS",
    "HIDDEN",
    "OUTBOX_COLLECTIONS",
    "FeedbackRepository",
    "case_changes",
    "case_from_document",
    "case_to_document",
]

OUTBOX_COLLECTIONS = ("surveys", "cases", "in_stay_surveys")


class FeedbackRepository(
    ContactStore, StayStore, DesignStore, SurveyStore, CaseStore, MergedGuestStore
):
    """Feedback's MongoDB access behind one object: one database (StoreContext) serves
    every part."""
