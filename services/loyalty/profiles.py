"""Profile use cases: contact, preferences and consents, enrolment, one profile per
guest (matching and merging), and data protection (export, erasure).

Each group is its own module (issue 17): contact captured (contact_capture.py), profile
edits and enrolment (profile_edits.py), the review list of possible duplicates
(duplicate_review.py), export and erasure (data_protection.py), on the matching of
profiles (profile_matching.py), their merging (profile_merges.py) and what they all
share (profile_context.py).
"""

from __future__ import annotations

from .contact_capture import ContactCapture
from .data_protection import DataProtection
from .duplicate_review import DuplicateReview
from .profile_edits import ProfileEdits


class ProfileService(ContactCapture, ProfileEdits, DuplicateReview, DataProtection):
    """The profile use cases behind one object, for the routes and consumers: one guest
    store and match secret (ProfileContext) serve them all."""
