"""Folio use cases: charges from outlets and housekeeping, payments, the night audit,
and check-out with its settlement. Each saves the stay and its events in one write.

Each group is its own module (issue 17): charges, payments and the folio read back
(folio_postings.py), the night audit's charges (nightly_charges.py), check-out and
its settlement (check_outs.py), and housekeeping's room check (item_checks.py), on what
they share (folio_context.py).
"""

from __future__ import annotations

from .folio_postings import FolioPostings
from .item_checks import ItemChecks
from .nightly_charges import NightlyCharges


class FolioService(FolioPostings, NightlyCharges, ItemChecks):
    """The folio use cases behind one object, for the routes, consumers and workers: one
    repository, clock and set of terms (FolioContext) serve them all."""
