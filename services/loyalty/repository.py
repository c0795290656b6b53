"""Loyalty's MongoDB access.

`guests`: one document per guest id, holding the profile, the stay and reservation
history, the feedback summary AND the loyalty account (balance, append-only entries,
tier, qualifying counters) with its outbox. Every change is one `update_one` guarded by
the document's `version` (optimistic concurrency): the entry is `$push`ed, the balance
`$set`, the events appended to the outbox, all in that single write. One document is
always atomic, so the balance is the sum of the entries at every instant, on a
standalone MongoDB without transactions. Two concurrent redemptions read the same
version; only one write matches it, the other re-reads and meets the balance check.
(A guest's lifetime ledger is a few hundred entries; a 16 MB document holds ~100,000.)

`match_keys`: keyed hashes of e-mail / phone / member number -> guest id, the index the
duplicate detection uses (unique `_id`: the first guest to claim a key owns it).

`duplicates`: the review list of possible duplicates (issue 15): two profiles whose
unverified contact data matched, with the evidence, until a manager merges them or marks
them distinct. One entry per pair (its `_id` names the pair in a fixed order).

`messages`: outgoing campaign messages, keyed by action (one birthday greeting per guest
and year), for the sender; they carry the guest id, never the address.

One part per concern (issue 17), on what they share (store_context.py: the collections
and their indexes): guest documents (guest_document_store.py, read as the Guest
aggregate and written back field for field by guest_documents.py), match keys
(match_key_store.py), the review list (duplicate_store.py), messages (message_store.py)
and care tasks (care_task_store.py).
"""

from __future__ import annotations

from shared.document_changes import RELAY_FIELDS

from .care_task_store import CareTaskStore
from .duplicate_store import DuplicateStore
from .guest_document_store import GuestDocumentStore, VersionConflict
from .guest_documents import guest_changes, guest_from_document, guest_to_document
from .match_key_store import MatchKeyStore
from .message_store import MessageStore

__all__ = [
    "OUTBOX_COLLECTIONS",
    "RELAY_FIELDS",
    "LoyaltyRepository",
    "VersionConflict",
    "guest_changes",
    "guest_from_document",
    "guest_to_document",
]

OUTBOX_COLLECTIONS = ("guests",)


class LoyaltyRepository(
    GuestDocumentStore, MatchKeyStore, DuplicateStore, MessageStore, CareTaskStore
):
    """Loyalty's MongoDB access behind one object: one database (StoreContext) serves
    every part."""
