"""Who may call the front desk's routes (applied by shared/guard.py).

(method, path pattern, scopes): the first rule that matches a route wins; `manager` may
call every route; a route no rule names is for `manager` only. Patterns: `*` is one path
segment, a final `**` any number. Folios and ID data are the front desk's alone.
"""

POLICY = [
    ("GET", "/arrivals/**", ("frontdesk", "reservations", "housekeeping")),
    ("GET", "/departures/**", ("frontdesk", "reservations", "housekeeping")),
    ("*", "/stays/**", ("frontdesk",)),
    ("*", "/folios/**", ("frontdesk",)),
    ("*", "/requests/**", ("frontdesk",)),
    ("*", "/complaints/**", ("frontdesk",)),
]

PUBLIC: list[tuple[str, str]] = []
