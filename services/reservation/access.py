"""Who may call the reservation service's routes (applied by shared/guard.py).

(method, path pattern, scopes): the first rule that matches a route wins; `manager` may
call every route; a route no rule names is for `manager` only. Patterns: `*` is one path
segment, a final `**` any number.

The reservations office runs everything here: bookings, set-up (room types, rate plans),
group blocks, search and reports. The front desk reads bookings and availability. An
integrator (an OTA) books, reads, amends and cancels, and reads availability; the routes
keep it to its own channel's reservations object by object (a foreign one is a 404).
"""

BOOKING = ("reservations", "integrator")

POLICY = [
    ("GET", "/availability", ("reservations", "frontdesk", "integrator")),
    ("POST", "/reservations", BOOKING),
    ("GET", "/reservations", ("reservations", "frontdesk", "integrator")),
    ("GET", "/reservations/*", ("reservations", "frontdesk", "integrator")),
    ("PATCH", "/reservations/*", BOOKING),
    ("POST", "/reservations/*/cancel", BOOKING),
    ("POST", "/reservations/*/no-show", ("reservations",)),
    # issue 18: the guest reconfirms through the office or the channel that booked
    ("POST", "/reservations/*/reconfirm", BOOKING),
    ("GET", "/reservations/*/letters", ("reservations", "frontdesk")),
    ("POST", "/reservations/*/review", ("reservations",)),
    ("GET", "/record-reviews", ("reservations",)),
    ("GET", "/exports/**", ("reservations",)),
    ("GET", "/reports", ("reservations",)),
    ("*", "/room-types/**", ("reservations",)),
    ("*", "/rate-plans/**", ("reservations",)),
    ("*", "/blocks/**", ("reservations",)),
]

PUBLIC: list[tuple[str, str]] = []
