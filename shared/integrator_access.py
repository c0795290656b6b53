"""Broker users for integrators (OTAs, channel managers), one per channel, as the
integrator guide and its examples name them. The rules themselves live in
shared/topology.py (`integrator_permissions`), the one place that grants broker rights.

`integrator-<channel>` may publish the three reservation commands to `hotel.commands`,
bind its own queues (named `integrator-<channel>.<anything>`) to its own channel's reports
on `hotel.reports` and to `availability.changed` on `hotel.events`, and nothing else.
"""

from __future__ import annotations

from shared.broker_identity import integrator_login as integrator_user
from shared.topology import EVENTS_FOR_INTEGRATORS
from shared.topology import integrator_permissions as _grants

__all__ = [
    "EVENTS_FOR_INTEGRATORS",
    "integrator_permissions",
    "integrator_topic_permissions",
    "integrator_user",
]


def integrator_permissions(channel: str) -> dict[str, str]:
    return _grants(integrator_user(channel), channel)[0]


def integrator_topic_permissions(channel: str) -> list[dict[str, str]]:
    return _grants(integrator_user(channel), channel)[1]
