"""The test guest and her booking body, written once for the tests that drive the
reservation service over HTTP (issue 17: the same body stood in three test modules)."""

from __future__ import annotations

from typing import Any

# Contact details a guest types at booking (they travel only in guest-profile events).
MEI_CHEN: dict[str, str] = {
    "first_name": "Mei",
    "last_name": "Chen",
    "email": "mei.chen@example.com",
    "phone": "+86 139 1234 5678",
}


def web_booking(**changes: Any) -> dict[str, Any]:
    """Mei Chen books a deluxe for two over the web, 10 to 13 March 2027 (3 nights at
    880.00); `changes` replace or add fields of the body."""
    return {
        "guest": dict(MEI_CHEN),
        "room_type": "deluxe",
        "arrival": "2027-03-10",
        "departure": "2027-03-13",
        "adults": 2,
        "channel": "web",
        **changes,
    }
