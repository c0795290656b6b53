"""Web pages for people, shared by every service: the staff session (the department's API
key in an HttpOnly cookie), CSRF tokens, templates with the base layout, the style sheet
and the chart script, the sign-in screens and the ops screen (the parking lot).

A service's own screens live in `services/<name>/pages.py` and `templates/`; they call
their own service's API in-process with the signed-in key (`StaffPages.api`), so the
screens have exactly the API's scopes and rules, and no service calls another.
"""

from shared.pages.rendering import templates_for
from shared.pages.session import StaffSession, csrf_token
from shared.pages.web import StaffPages

__all__ = ["StaffPages", "StaffSession", "csrf_token", "templates_for"]
