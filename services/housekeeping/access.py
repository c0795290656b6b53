"""Who may call housekeeping's routes (applied by shared/guard.py).

(method, path pattern, scopes): the first rule that matches a route wins; `manager` may
call every route; a route no rule names is for `manager` only. Patterns: `*` is one path
segment, a final `**` any number. The front desk reads room status to assign rooms.
"""

POLICY = [
    ("GET", "/rooms/**", ("housekeeping", "frontdesk")),
    ("*", "/rooms/**", ("housekeeping",)),
    ("GET", "/tasks/**", ("housekeeping", "frontdesk")),
    ("*", "/tasks/**", ("housekeeping",)),
    ("*", "/maintenance/**", ("housekeeping",)),
    ("*", "/lost-and-found/**", ("housekeeping", "frontdesk")),
]

PUBLIC: list[tuple[str, str]] = []
