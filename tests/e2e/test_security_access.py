"""Access on the running services: every route x every scope x no credential, against the
policy each service declares (services/<name>/access.py), and the rate limit per key."""

from __future__ import annotations

import re

import pytest

from shared.auth import SCOPES, AccessPolicy
from tests.support.stack import SERVICE_NAMES, Stack

pytestmark = pytest.mark.e2e

CALLERS = (*SCOPES, None)
# Routes the gate matches but OpenAPI does not list (include_in_schema=False).
HIDDEN_ROUTES = [("GET", "/metrics"), ("GET", "/asyncapi.json")]
# One protected route per service: (method, path, a scope it allows, a scope it refuses)
ONE_ROUTE = {
    "reservation": ("GET", "/reservations/no-such-id", "reservations", "housekeeping"),
    "frontdesk": ("GET", "/stays/no-such-id", "frontdesk", "housekeeping"),
    "housekeeping": ("GET", "/tasks", "housekeeping", "loyalty"),
    "feedback": ("GET", "/surveys", "feedback", "housekeeping"),
    "loyalty": ("GET", "/guests/no-such-guest/points", "loyalty", "housekeeping"),
}


# Written out independently of the policies: who must never get in, whatever they say.
ANONYMOUS_MAY = {"/livez", "/readyz", "/openapi.json", "/docs", "/redoc"}
EVERYONE = {*SCOPES, None}


def all_but(*scopes: str) -> set[str | None]:
    """Every caller but these scopes (and `manager`, who reaches every route)."""
    return EVERYONE - {*scopes, "manager"}


NEVER = {  # (service, path prefix): callers that must be refused
    ("reservation", "/reservations"): all_but("reservations", "frontdesk", "integrator"),
    ("reservation", "/reservations/{reservation_id}/no-show"): all_but("reservations"),
    ("reservation", "/availability"): all_but("reservations", "frontdesk", "integrator"),
    ("reservation", "/room-types"): all_but("reservations"),
    ("reservation", "/rate-plans"): all_but("reservations"),
    ("reservation", "/blocks"): all_but("reservations"),
    ("reservation", "/reports"): all_but("reservations"),
    ("frontdesk", "/stays"): all_but("frontdesk"),  # folios and ID data among them
    ("frontdesk", "/arrivals"): all_but("frontdesk"),
    ("frontdesk", "/in-house"): all_but("frontdesk"),
    ("frontdesk", "/departures"): all_but("frontdesk"),
    ("frontdesk", "/walk-ins"): all_but("frontdesk"),
    ("frontdesk", "/night-audit"): all_but("frontdesk"),
    ("frontdesk", "/audit-log"): all_but(),  # who revealed what: the manager's alone
    ("housekeeping", "/rooms"): all_but("housekeeping", "frontdesk"),
    ("housekeeping", "/tasks"): all_but("housekeeping", "frontdesk"),
    ("housekeeping", "/out-of-order-periods"): all_but("housekeeping"),
    ("housekeeping", "/plans"): all_but("housekeeping"),
    ("housekeeping", "/maintenance-requests"): all_but("housekeeping"),
    ("housekeeping", "/amenities"): all_but("housekeeping"),
    ("housekeeping", "/reports"): all_but("housekeeping"),
    ("feedback", "/cases"): all_but("feedback"),
    ("feedback", "/survey-designs"): all_but("feedback"),
    ("feedback", "/reports"): all_but("feedback"),
    ("feedback", "/department-results"): all_but(
        "feedback", "housekeeping", "frontdesk", "reservations"
    ),
    ("feedback", "/department-results/{department}"): all_but("feedback"),
    ("feedback", "/department-results/food_beverage"): all_but("feedback"),
    ("loyalty", "/guests"): all_but("loyalty", "frontdesk", "reservations"),
    ("loyalty", "/guests/{guest_id}/export"): all_but("loyalty"),
    ("loyalty", "/guests/{guest_id}/erasure"): all_but("loyalty"),
    ("loyalty", "/guests/{guest_id}/merge"): all_but(),  # a merge is the manager's decision
    ("loyalty", "/duplicates"): all_but("loyalty"),
    ("loyalty", "/duplicates/{duplicate_id}/decision"): all_but(),
    ("loyalty", "/audit-log"): all_but(),
    ("reservation", "/audit-log"): all_but(),
    ("loyalty", "/segments"): all_but("loyalty"),
    ("loyalty", "/messages"): all_but("loyalty"),
    ("loyalty", "/care"): all_but("loyalty"),
    ("loyalty", "/reports"): all_but("loyalty"),
}


def must_refuse(service: str, template: str, caller: str | None) -> bool:
    if (
        caller is None
        and template not in ANONYMOUS_MAY
        # the guest's signed links: surveys, the in-stay questionnaire, a case's follow-up
        and not (
            service == "feedback"
            and template.startswith(("/surveys/", "/in-stay-surveys/", "/case-follow-ups/"))
        )
    ):
        return True
    return any(
        service == s and template.startswith(prefix) and caller in callers
        for (s, prefix), callers in NEVER.items()
    )


def routes_of(client) -> list[tuple[str, str]]:
    paths = client.get("/openapi.json").json()["paths"]
    return sorted(
        {(method.upper(), path) for path, item in paths.items() for method in item}
        | set(HIDDEN_ROUTES)
    )


def concrete(path: str) -> str:
    return re.sub(r"\{[^}]+\}", "x-test", path)


def test_every_service_401_without_a_credential_403_with_a_wrong_scope_200_on_livez(
    stack: Stack,
) -> None:
    stack.start(*SERVICE_NAMES)
    for name, (method, path, allowed, refused) in ONE_ROUTE.items():
        anonymous = stack.client(name, scope=None)
        assert anonymous.get("/livez").status_code == 200, name
        assert anonymous.get("/readyz").status_code == 200, name
        response = anonymous.request(method, path)
        assert response.status_code == 401, name
        assert response.headers["content-type"] == "application/problem+json"
        assert stack.client(name, scope=refused).request(method, path).status_code == 403, name
        assert stack.client(name, scope=allowed).request(method, path).status_code not in (401, 403)
        bad = stack.client(name, scope=None)
        bad.headers["authorization"] = "Bearer test-manager.not-the-secret"
        assert bad.request(method, path).status_code == 401, name


def test_the_access_matrix_of_every_route_scope_and_no_credential(stack: Stack) -> None:
    """Expected from each service's declared policy; actual from the running service."""
    stack.start(*SERVICE_NAMES)
    unexpected, server_errors, lines, cells, routes_seen = [], [], [], 0, 0
    header = f"{'route':<48}" + "".join(f"{(c or 'none')[:6]:>7}" for c in CALLERS)
    for name in SERVICE_NAMES:
        policy = AccessPolicy.for_service(name)
        clients = {caller: stack.client(name, scope=caller) for caller in CALLERS}
        lines += [f"--- {name}", header]
        routes = routes_of(clients["manager"])
        assert len(routes) > len(HIDDEN_ROUTES), f"{name} lists no routes of its own"
        routes_seen += len(routes)
        for method, template in routes:
            required = policy.required_scopes(method, template)
            row = f"{method + ' ' + template:<48}"
            for caller in CALLERS:
                body = {} if method in ("POST", "PUT", "PATCH") else None
                status = clients[caller].request(method, concrete(template), json=body).status_code
                if status >= 500:  # not an answer about access: a failure of its own
                    server_errors.append((name, method, template, caller, status))
                allowed = status not in (401, 403) and status < 500
                expected = required is None or (caller is not None and caller in required)
                if must_refuse(name, template, caller):
                    assert not expected, f"the policy of {name} lets {caller} into {template}"
                if allowed != expected:
                    unexpected.append((name, method, template, caller, status))
                row += f"{('ok' if allowed else 'deny') + ('!' if allowed != expected else ''):>7}"
                cells += 1
            lines.append(row)
    print("\n" + "\n".join(lines))
    print(
        f"\n{cells} cells ({routes_seen} routes x {len(CALLERS)} callers), "
        f"{len(unexpected)} unexpected (allows or denies), {len(server_errors)} server errors"
    )
    assert cells == routes_seen * len(CALLERS)
    assert server_errors == []
    assert unexpected == []
    logs = stack.logs()
    leaked = [
        name
        for name, credential in stack.credentials.by_name.items()
        if credential.split(".", 1)[1] in logs
    ]
    assert leaked == [], "a credential reached a log line"


def test_the_rate_limit_is_per_credential_with_retry_after(stack: Stack) -> None:
    stack.start("housekeeping", RATE_LIMIT_PER_MINUTE="60", RATE_LIMIT_BURST="5")
    housekeeping = stack.client("housekeeping", scope="housekeeping")
    statuses = [housekeeping.get("/tasks").status_code for _ in range(8)]
    assert statuses[:5] == [200] * 5 and statuses[5:] == [429] * 3
    limited = housekeeping.get("/tasks")
    assert limited.status_code == 429
    assert 1 <= int(limited.headers["retry-after"]) <= 2
    assert limited.headers["content-type"] == "application/problem+json"
    assert stack.client("housekeeping", scope="manager").get("/tasks").status_code == 200
    print(f"\n8 requests at burst 5: {statuses}; Retry-After {limited.headers['retry-after']}s")
