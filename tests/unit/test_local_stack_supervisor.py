"""make run keeps the system up: a service that dies is restarted after a growing delay,
logged, and the others keep running."""

import subprocess
import sys
import time
from dataclasses import dataclass, field

from scripts.supervisor import Supervisor


@dataclass
class FakeService:
    """A ServiceProcess stand-in whose process exits at once (`dies`) or keeps running."""

    name: str
    dies: bool
    log_path: str = "-"
    starts: int = 0
    process: subprocess.Popen | None = None
    started: list[float] = field(default_factory=list)

    def start(self) -> "FakeService":
        self.starts += 1
        code = "import sys; sys.exit(3)" if self.dies else "import time; time.sleep(60)"
        self.process = subprocess.Popen([sys.executable, "-c", code])
        return self

    def ready(self) -> bool:
        return not self.dies


def test_a_dead_service_is_restarted_with_backoff_and_the_others_keep_running() -> None:
    now = [0.0]
    said: list[str] = []
    dying, steady = (
        FakeService("loyalty", dies=True).start(),
        FakeService("reservation", dies=False).start(),
    )
    supervisor = Supervisor([dying, steady], say=said.append, clock=lambda: now[0])
    try:
        restarted_at = []
        deadline = time.monotonic() + 30
        while supervisor.restarts("loyalty") < 3:
            assert time.monotonic() < deadline, said
            assert dying.process is not None
            dying.process.wait(10)  # it dies on its own
            before = supervisor.restarts("loyalty")
            supervisor.watch_once()
            now[0] += 0.5
            supervisor.watch_once()
            while supervisor.restarts("loyalty") == before:
                now[0] += 0.5
                supervisor.watch_once()
            restarted_at.append(now[0])
        delays = [b - a for a, b in zip([0.0, *restarted_at], restarted_at, strict=False)]
        # each death is seen at once (the clock stands still until then): 1 s, 2 s, 4 s
        assert delays == [1.0, 2.0, 4.0], delays
        assert dying.starts == 1 + 3  # started again each time, as a new process
        assert steady.starts == 1 and steady.process.poll() is None
        assert said[0].startswith("loyalty: exited with code 3; restarting in 1 s")
        assert [m for m in said if "restarted" in m] == [
            f"loyalty: restarted (restart #{n})" for n in (1, 2, 3)
        ]
        assert not any("reservation" in m for m in said)
    finally:
        for service in (dying, steady):
            if service.process and service.process.poll() is None:
                service.process.kill()
                service.process.wait()
