"""Who may call the feedback service's routes (applied by shared/guard.py).

(method, path pattern, scopes): the first rule that matches a route wins; `manager` may
call every route; a route no rule names is for `manager` only. Patterns: `*` is one path
segment, a final `**` any number.

Guest relations (feedback) runs surveys, their designs, cases and the reports.

PUBLIC: only the survey link a guest opens from the e-mail (`GET /surveys/{id}?token=`)
and where the answer goes (`POST /surveys/{id}/responses`). The signed token is their
authorisation, and the service checks it belongs to that very survey (403 otherwise).
"""

POLICY = [
    ("GET", "/surveys", ("feedback",)),
    ("GET", "/in-stay-surveys", ("feedback",)),
    # survey results for the departments concerned, each read with its own key (issue 18)
    ("GET", "/department-results/housekeeping", ("feedback", "housekeeping")),
    ("GET", "/department-results/front_office", ("feedback", "frontdesk")),
    ("GET", "/department-results/reservations", ("feedback", "reservations")),
    ("GET", "/department-results/*", ("feedback",)),
    ("*", "/survey-designs", ("feedback",)),
    ("GET", "/reports/**", ("feedback",)),
    ("*", "/cases/**", ("feedback",)),
]

PUBLIC = [
    ("GET", "/surveys/*"),
    ("POST", "/surveys/*/responses"),
    ("POST", "/surveys/*/form"),  # the same answers from the guest's page
    # after a complaint: the signed link in the result mail asks "are you satisfied?"
    ("GET", "/case-follow-ups/*"),
    ("GET", "/in-stay-surveys/*"),  # the questionnaire during the stay, by its signed link
    ("POST", "/in-stay-surveys/*/responses"),
    ("POST", "/case-follow-ups/*/answer"),
]
