"""Keeps make run's services up: one that dies is restarted after a growing delay, the
restart is logged, and the others keep running."""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass

from scripts.local_stack import ServiceProcess

FIRST_DELAY_SECONDS = 1.0
MAX_DELAY_SECONDS = 30.0
# Up this long after a restart: the next death starts again from the first delay.
STABLE_SECONDS = 60.0


@dataclass
class _Watch:
    service: ServiceProcess
    delay: float = FIRST_DELAY_SECONDS
    restart_at: float | None = None  # dead, to be restarted then
    started_at: float = 0.0
    restarts: int = 0
    announced_ready: bool = True


class Supervisor:
    def __init__(
        self,
        services: list[ServiceProcess],
        say: Callable[[str], None] = print,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self._clock = clock
        self._say = say
        self._watches = [_Watch(s, started_at=clock()) for s in services]

    def watch_once(self) -> None:
        """One look at every service; call it every half second or so."""
        now = self._clock()
        for watch in self._watches:
            process = watch.service.process
            if watch.restart_at is not None:
                if now >= watch.restart_at:
                    watch.restart_at = None
                    watch.restarts += 1
                    watch.started_at = now
                    watch.announced_ready = False
                    watch.service.start()
                    self._say(f"{watch.service.name}: restarted (restart #{watch.restarts})")
                continue
            if process is not None and process.poll() is not None:
                if now - watch.started_at >= STABLE_SECONDS:
                    watch.delay = FIRST_DELAY_SECONDS
                watch.restart_at = now + watch.delay
                self._say(
                    f"{watch.service.name}: exited with code {process.returncode}; "
                    f"restarting in {watch.delay:.0f} s, the others keep running "
                    f"(log: {watch.service.log_path})"
                )
                watch.delay = min(watch.delay * 2, MAX_DELAY_SECONDS)
                continue
            if not watch.announced_ready and watch.service.ready():
                watch.announced_ready = True
                self._say(f"{watch.service.name}: ready again after {now - watch.started_at:.1f} s")

    def restarts(self, name: str) -> int:
        return next(w.restarts for w in self._watches if w.service.name == name)
