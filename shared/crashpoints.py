"""Crash points: end the process at a named point, to prove a crash there loses nothing.

`CRASH_AT=<name>` (or `<name>:<n>`, the n-th time the point is reached; several
comma-separated) makes `crash_point(name)` end the process with `os._exit` - no
exception handlers, no shutdown hooks, no acks or flushes, as a killed host would. Unset
(the default, and always in production) a crash point costs a set lookup.

The named points (tests/e2e/test_crash_points.py crashes each one):
- `consumer.after_effect`: a handler stored its effect; the message is not yet acked.
- `outbox.after_confirm`: the broker confirmed a publish; the outbox entry is still there.
- `reservation.create.after_nights_taken`: a booking holds its nights and its
  Idempotency-Key, still pending; a retry after the restart books it (shared/process_lease.py).
- `reservation.amend.after_holds_grown`: an amendment took the nights it gains; the
  reservation does not say so yet (the janitor undoes it).
- `reservation.amend.after_saved`: the amended reservation is saved; the nights it gave
  up are not yet released (the janitor releases them).
- `loyalty.merge.after_duplicate_closed`: the duplicate profile is closed and its points
  moved out; the survivor has not taken them yet (the next look-up finishes it).
- `frontdesk.checkout.after_invoice_number`: check-out took an invoice number; the stay
  is still in house.
- `frontdesk.checkout.after_closed`: the stay is checked out; an early departure's
  remaining room nights are not yet released (the intent in the stay's write: the
  night-release janitor, services/frontdesk/night_release.py, completes it).
- `frontdesk.shorten.after_saved`: the stay is shortened; the nights it gave up are not
  yet released (the same intent and janitor; tests/integration/test_frontdesk_checkout_crash.py).
"""

from __future__ import annotations

import os
import sys
from collections import Counter

EXIT_CODE = 86  # what a test expects from a process that died at a crash point

_reached: Counter[str] = Counter()


def _armed() -> dict[str, int]:
    armed: dict[str, int] = {}
    for item in filter(None, (part.strip() for part in os.environ.get("CRASH_AT", "").split(","))):
        name, _, nth = item.partition(":")
        armed[name] = int(nth) if nth else 1
    return armed


_ARMED = _armed()


def crash_point(name: str) -> None:
    """Ends the process here when CRASH_AT names this point (and this is its n-th visit)."""
    if name not in _ARMED:
        return
    _reached[name] += 1
    if _reached[name] == _ARMED[name]:
        sys.stderr.write(f"crash point {name} reached ({_reached[name]}): exiting\n")
        sys.stderr.flush()
        os._exit(EXIT_CODE)
