"""Long runs (the fault suite, the year benchmark) start services and a broker of their
own. Python ends on SIGTERM without unwinding, so their `finally` never ran and the
services outlived the run: a year run's services kept writing into a work folder that the
next run reused. SIGTERM now unwinds like Ctrl-C, and everything the run started stops."""

from __future__ import annotations

import signal
from types import FrameType


def _unwind(signum: int, frame: FrameType | None) -> None:
    raise SystemExit(128 + signum)


def stop_cleanly_on_sigterm() -> None:
    signal.signal(signal.SIGTERM, _unwind)
