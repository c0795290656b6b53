"""Who may call the loyalty and guest-profile routes (applied by shared/guard.py).

(method, path pattern, scopes): the first rule that matches a route wins; `manager` may
call every route; a route no rule names is for `manager` only. Patterns: `*` is one path
segment, a final `**` any number.
"""

POLICY = [
    ("GET", "/guests/*/points", ("loyalty", "frontdesk", "reservations")),
    ("GET", "/guests/**", ("loyalty", "frontdesk", "reservations")),
    ("*", "/guests/**", ("loyalty",)),
    ("*", "/members/**", ("loyalty",)),
    ("*", "/loyalty/**", ("loyalty",)),
]

PUBLIC: list[tuple[str, str]] = []
