"""Who may call the loyalty and guest-profile routes (applied by shared/guard.py).

(method, path pattern, scopes): the first rule that matches a route wins; `manager` may
call every route; a route no rule names is for `manager` only (the daily-pass job is run
by the scheduler; a manager may trigger it). Patterns: `*` is one path segment, a final
`**` any number.

Loyalty owns guest profiles, points, segments and messages. The front desk and the
reservations office read a profile (contact data masked) and its points to recognise the
guest. Export and erasure of a guest's data: loyalty (or manager) only.
"""

POLICY = [
    ("GET", "/guests/*/points", ("loyalty", "frontdesk", "reservations")),
    ("GET", "/guests/*/export", ("loyalty",)),
    ("GET", "/guests/*", ("loyalty", "frontdesk", "reservations")),
    ("*", "/guests/**", ("loyalty",)),
    ("GET", "/segments", ("loyalty",)),
    ("GET", "/segments/*/guests", ("loyalty",)),
    ("*", "/care/**", ("loyalty",)),
    ("GET", "/reports/churn", ("loyalty",)),  # guest relations' gifts, calls, recovery contacts
    ("GET", "/messages", ("loyalty",)),
]

PUBLIC: list[tuple[str, str]] = []
