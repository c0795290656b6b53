"""The compose smoke run of .github/workflows/ci.yml, in two steps.

`python .github/ci/compose_smoke.py env > .env` writes fresh secrets for docker compose
(a manager API key, PII keys) and keeps the manager credential in .ci-manager-key;
`python .github/ci/compose_smoke.py journey` then books a room, checks the guest in and
out over HTTP, and waits (with deadlines) for the cleaning task, the points and the
survey the checkout fans out to. Exits non-zero at the first step that does not happen.
"""

from __future__ import annotations

import base64
import json
import os
import sys
import time
from collections.abc import Callable
from pathlib import Path
from typing import Any

import httpx

from shared.auth import new_credential
from shared.services import SERVICE_PORTS

KEY_FILE = Path(".ci-manager-key")
PORTS = SERVICE_PORTS  # shared/services.py: the one list
BOOKING = {
    "guest": {"first_name": "Smoke", "last_name": "Test", "email": "smoke@example.com"},
    "room_type": "deluxe",
    "arrival": "2027-03-10",
    "departure": "2027-03-12",
    "adults": 2,
    "channel": "web",
}


def write_env() -> None:
    credential, digest = new_credential("ci-manager")
    KEY_FILE.write_text(credential)
    key = base64.urlsafe_b64encode(os.urandom(32)).decode()
    print(
        f"API_KEYS={json.dumps({'ci-manager': {'secret_sha256': digest, 'scopes': ['manager']}})}"
    )
    print(f"PII_KEYS={json.dumps({'ci': key})}")
    print("PII_CURRENT_KEY=ci")


def wait_for(what: str, probe: Callable[[], Any], timeout: float = 60) -> Any:
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        try:
            if result := probe():
                return result
        except httpx.HTTPError:
            pass
        time.sleep(0.5)
    sys.exit(f"compose smoke: no {what} within {timeout:.0f}s")


def journey() -> None:
    headers = {"authorization": f"Bearer {KEY_FILE.read_text().strip()}"}
    client = {
        name: httpx.Client(base_url=f"http://127.0.0.1:{port}", headers=headers, timeout=30)
        for name, port in PORTS.items()
    }
    for name in PORTS:
        wait_for(f"{name} ready", lambda n=name: client[n].get("/readyz").status_code == 200)
    booked = client["reservation"].post("/reservations", json=BOOKING)
    booked.raise_for_status()
    booking = booked.json()
    wait_for(
        "arrival at the desk",
        lambda: (
            client["frontdesk"]
            .get("/arrivals", params={"date": BOOKING["arrival"]})
            .json()["total"]
            >= 1
        ),
    )
    stay = client["frontdesk"].post("/stays", json={"reservation_id": booking["id"]})
    stay.raise_for_status()
    stay_id = stay.json()["stay_id"]
    client["frontdesk"].post(f"/stays/{stay_id}/checkout").raise_for_status()
    wait_for(
        "cleaning task",
        lambda: client["housekeeping"].get("/tasks", params={"stay_id": stay_id}).json()["items"],
    )
    wait_for(
        "points",
        lambda: client["loyalty"].get(f"/guests/{booking['guest_id']}/points").status_code == 200,
    )
    wait_for(
        "survey",
        lambda: client["feedback"].get("/surveys", params={"stay_id": stay_id}).json()["items"],
    )
    print(f"compose smoke: booked, checked in and out stay {stay_id}; task, points, survey there")


if __name__ == "__main__":
    {"env": write_env, "journey": journey}[sys.argv[1]]()
