"""Which service may publish which event type: a consumer parks anything else.

Every consumer checks the AMQP `user_id` of each message (the broker login that
published it, which the broker itself vouches for: shared/broker_identity.py) against
this map, and parks a message from anyone else, or from nobody, with the reason
"producer not allowed". What a message says about itself (envelope `producer`, AMQP
`app_id`) proves nothing. The broker enforces the same map as topic permissions
(shared/topology.py), so a forgery is normally refused at publish already; the check
here is the second line. Deny by default: a type no event class declares has no
producer.

The rights derive from the event registry (shared/events.py): each event class's type
falls in exactly one service's namespace (`NAMESPACE_OWNERS`), which makes that service
its one producer. A new event type in a namespace its producer already owns touches
nothing here.
"""

from __future__ import annotations

from fnmatch import fnmatchcase
from functools import cache

from shared.events import ALL_EVENTS

# Which service owns which event types (patterns), one owner per type: the policy.
NAMESPACE_OWNERS: dict[str, frozenset[str]] = {
    "reservation.*": frozenset({"reservation"}),
    "availability.changed": frozenset({"reservation"}),
    "guest.contact_captured": frozenset({"reservation"}),
    # a walk-in's guest profile starts from the registration at the desk (issue 12)
    "guest.walk_in_registered": frozenset({"frontdesk"}),
    "stay.*": frozenset({"frontdesk"}),
    # the desk's expected arrivals: a booked guest walked to a partner hotel (issue 18)
    "arrival.*": frozenset({"frontdesk"}),
    "folio.*": frozenset({"frontdesk"}),
    "room.assigned": frozenset({"frontdesk"}),
    "guest.request_raised": frozenset({"frontdesk"}),
    "guest.request_completed": frozenset({"frontdesk"}),
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


def _owner_of(event_type: str) -> frozenset[str]:
    owners = [p for p in NAMESPACE_OWNERS if fnmatchcase(event_type, p)]
    if len(owners) != 1:
        raise ValueError(f"{event_type!r} must fall in exactly one namespace, not {owners}")
    return NAMESPACE_OWNERS[owners[0]]


# Event type -> the service allowed to publish it: one entry per registered event class.
ALLOWED_PRODUCERS: dict[str, frozenset[str]] = {
    event.event_type: _owner_of(event.event_type) for event in ALL_EVENTS
}


# Integrator commands on `hotel.commands`: sent by integrator logins only
# (`integrator-<channel>`, login patterns).
ALLOWED_COMMAND_SENDERS: dict[str, frozenset[str]] = {
    "reservation.create": frozenset({"integrator-*"}),
    "reservation.amend": frozenset({"integrator-*"}),
    "reservation.cancel": frozenset({"integrator-*"}),
}


def sender_allowed(
    event_type: str, user_id: str | None, allow_list: dict[str, frozenset[str]] = ALLOWED_PRODUCERS
) -> bool:
    """Whether the login `user_id` may send `event_type` (logins may be patterns)."""
    return bool(user_id) and any(
        fnmatchcase(str(user_id), login) for login in allowed_producers(event_type, allow_list)
    )


def allowed_producers(
    event_type: str, allow_list: dict[str, frozenset[str]] = ALLOWED_PRODUCERS
) -> frozenset[str]:
    # Every message is checked: a key without a wildcard is looked up, not matched (a
    # match per event type of the registry was 4% of a consumer's CPU, issue 14).
    allowed = allow_list.get(event_type, frozenset())
    for pattern, producers in allow_list.items():
        if _is_pattern(pattern) and fnmatchcase(event_type, pattern):
            allowed |= producers
    return allowed


@cache
def _is_pattern(key: str) -> bool:
    return any(wildcard in key for wildcard in "*?[")


def publishers_of(service: str) -> list[str]:
    """The event types a service may publish."""
    return [
        event_type for event_type, producers in ALLOWED_PRODUCERS.items() if service in producers
    ]
