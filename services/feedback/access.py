"""Who may call the feedback service's routes (applied by shared/guard.py).

(method, path pattern, scopes): the first rule that matches a route wins; `manager` may
call every route; a route no rule names is for `manager` only. Patterns: `*` is one path
segment, a final `**` any number.

PUBLIC: the survey link a guest opens from the e-mail (`/surveys/{id}?token=...`) and
where the answer is sent. The signed token is their authorisation: the route must check
that it belongs to that survey (shared/auth.py cannot know the token scheme).
"""

POLICY = [
    ("GET", "/surveys", ("feedback", "frontdesk")),
    ("*", "/surveys/**", ("feedback",)),
    ("GET", "/cases/**", ("feedback", "frontdesk")),
    ("*", "/cases/**", ("feedback",)),
    ("*", "/goodwill/**", ("feedback",)),
]

PUBLIC = [
    ("GET", "/surveys/*"),
    ("POST", "/surveys/*"),
    ("POST", "/surveys/*/responses"),
]
