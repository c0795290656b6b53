"""Which service may publish which event type: a consumer parks anything else.

The broker user of each service may write to `hotel.events` (shared/topology.py), so
the exchange alone cannot tell a checkout from frontdesk from a forged one. Every
consumer on `hotel.events` therefore checks the envelope's `producer`, and the AMQP
`app_id` when set, against this map, and parks a message from anyone else with the
reason "producer not allowed". Deny by default: a type no pattern names has no producer.
"""

from __future__ import annotations

from fnmatch import fnmatchcase

# Event type pattern -> the services allowed to publish it. Patterns must not overlap
# (tests/unit/test_security_producers.py checks every contract has exactly one).
ALLOWED_PRODUCERS: dict[str, frozenset[str]] = {
    "reservation.*": frozenset({"reservation"}),
    "availability.changed": frozenset({"reservation"}),
    "guest.contact_captured": frozenset({"reservation"}),
    "stay.*": frozenset({"frontdesk"}),
    "folio.*": frozenset({"frontdesk"}),
    "room.assigned": frozenset({"frontdesk"}),
    "guest.request_raised": frozenset({"frontdesk"}),
    "complaint.raised": frozenset({"frontdesk"}),
    "room.status_changed": frozenset({"housekeeping"}),
    "hk.*": frozenset({"housekeeping"}),
    "room.item_check_reported": frozenset({"housekeeping"}),
    "maintenance.*": frozenset({"housekeeping"}),
    "survey.*": frozenset({"feedback"}),
    "case.*": frozenset({"feedback"}),
    "goodwill.*": frozenset({"feedback"}),
    "guest.created": frozenset({"loyalty"}),
    "guest.updated": frozenset({"loyalty"}),
    "guest.merged": frozenset({"loyalty"}),
    "guest.anonymized": frozenset({"loyalty"}),
    "loyalty.*": frozenset({"loyalty"}),
    "business_day.*": frozenset({"frontdesk"}),
}


def allowed_producers(event_type: str,
                      allow_list: dict[str, frozenset[str]] = ALLOWED_PRODUCERS) -> frozenset[str]:
    allowed: frozenset[str] = frozenset()
    for pattern, producers in allow_list.items():
        if fnmatchcase(event_type, pattern):
            allowed |= producers
    return allowed


def publishers_of(service: str) -> list[str]:
    """The event type patterns a service may publish."""
    return [pattern for pattern, producers in ALLOWED_PRODUCERS.items() if service in producers]
