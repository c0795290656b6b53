"""Who may call housekeeping's routes (applied by shared/guard.py).

(method, path pattern, scopes): the first rule that matches a route wins; `manager` may
call every route; a route no rule names is for `manager` only. Patterns: `*` is one path
segment, a final `**` any number.

Housekeeping runs rooms, tasks, day plans, maintenance, amenities and its reports. The
front desk reads a room's status and its out-of-order periods (to assign rooms) and the
task list (is the room being cleaned?), and changes nothing.
"""

POLICY = [
    ("GET", "/rooms", ("housekeeping", "frontdesk")),
    ("GET", "/rooms/*", ("housekeeping", "frontdesk")),
    ("GET", "/rooms/*/out-of-order-periods", ("housekeeping", "frontdesk")),
    ("*", "/rooms/**", ("housekeeping",)),
    ("*", "/out-of-order-periods/**", ("housekeeping",)),
    ("GET", "/tasks", ("housekeeping", "frontdesk")),
    ("GET", "/tasks/*", ("housekeeping", "frontdesk")),
    ("*", "/tasks/**", ("housekeeping",)),
    ("*", "/plans/**", ("housekeeping",)),
    ("*", "/maintenance-requests/**", ("housekeeping",)),
    ("*", "/amenities/**", ("housekeeping",)),
    ("GET", "/reports/**", ("housekeeping",)),
]

PUBLIC: list[tuple[str, str]] = []
