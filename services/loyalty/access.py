"""Who may call the loyalty and guest-profile routes (applied by shared/guard.py).

(method, path pattern, scopes): the first rule that matches a route wins; `manager` may
call every route; a route no rule names is for `manager` only (the daily-pass job is run
by the scheduler; a manager may trigger it). Patterns: `*` is one path segment, a final
`**` any number.

Loyalty owns guest profiles, points, segments and messages. The front desk and the
reservations office read a profile (contact data masked) and its points to recognise the
guest; only loyalty and the manager may reveal contact data (with a reason, audited).
Export and erasure of a guest's data: loyalty (or manager) only, audited. Possible
duplicates: loyalty reads the review list; merging two profiles (by the list or by
/guests/{id}/merge) is the manager's decision. The audit log is the manager's.
"""

POLICY = [
    ("GET", "/guests/*/points", ("loyalty", "frontdesk", "reservations")),
    ("POST", "/guests/*/merge", ("manager",)),
    ("GET", "/guests/*/export", ("loyalty",)),
    ("GET", "/guests/*", ("loyalty", "frontdesk", "reservations")),
    ("*", "/guests/**", ("loyalty",)),
    ("GET", "/segments", ("loyalty",)),
    ("GET", "/segments/*/guests", ("loyalty",)),
    ("*", "/care/**", ("loyalty",)),
    ("GET", "/reports/churn", ("loyalty",)),  # guest relations' gifts, calls, recovery contacts
    ("GET", "/duplicates", ("loyalty",)),
    ("GET", "/messages", ("loyalty",)),
]

PUBLIC: list[tuple[str, str]] = []
