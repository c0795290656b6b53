"""Who may call the reservation service's routes (applied by shared/guard.py).

(method, path pattern, scopes): the first rule that matches a route wins; `manager` may
call every route; a route no rule names is for `manager` only. Patterns: `*` is one path
segment, a final `**` any number. Integrators reach reservations only of their own
channel: the routes check that object by object (shared.auth.ensure_channel_visible).
"""

POLICY = [
    ("GET", "/availability/**", ("reservations", "frontdesk", "integrator")),
    ("GET", "/reservations/**", ("reservations", "frontdesk", "integrator")),
    ("POST", "/reservations", ("reservations", "integrator")),
    ("*", "/reservations/*/**", ("reservations", "integrator")),  # amend, cancel
    ("*", "/rates/**", ("reservations",)),
    ("*", "/inventory/**", ("reservations",)),
]

PUBLIC: list[tuple[str, str]] = []
