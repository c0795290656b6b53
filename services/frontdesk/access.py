"""Who may call the front desk's routes (applied by shared/guard.py).

(method, path pattern, scopes): the first rule that matches a route wins; `manager` may
call every route; a route no rule names is for `manager` only. Patterns: `*` is one path
segment, a final `**` any number.

Everything here is the front desk's alone: arrivals and room assignment, stays and their
registration (ID data), folios and payments, walk-ins and the night audit. Housekeeping
learns of arrivals and departures by events, not by reading guests' stays. An ID number
in clear (`GET /stays/{id}/registration?reveal=true`) is for the front desk and the
manager, each reveal audited; the audit log (`GET /audit-log`) is the manager's alone.
"""

POLICY = [
    ("GET", "/arrivals", ("frontdesk",)),
    ("GET", "/in-house", ("frontdesk",)),
    ("GET", "/departures", ("frontdesk",)),
    ("*", "/arrivals/**", ("frontdesk",)),
    ("*", "/stays/**", ("frontdesk",)),
    ("POST", "/walk-ins", ("frontdesk",)),
    ("POST", "/night-audit", ("frontdesk",)),
    # issue 18: the walk record, the log and handover, the front-office metrics
    ("GET", "/walks", ("frontdesk",)),
    ("*", "/logbook", ("frontdesk",)),
    ("*", "/logbook/**", ("frontdesk",)),
    ("*", "/shift-handovers", ("frontdesk",)),
    ("*", "/shift-handovers/**", ("frontdesk",)),
    ("GET", "/front-office/**", ("frontdesk",)),
]

PUBLIC: list[tuple[str, str]] = []
