"""make bench --cpu-profile DIR: a CPU-time profile of each service during a phase.

py-spy samples wall time while a thread is runnable, and on a loaded machine a runnable
thread mostly waits in the run queue: its samples pile up wherever it was preempted (a
socket send that woke the broker), not where it spent CPU. cProfile with
`time.process_time` as its clock charges each function the CPU it used.

The bench puts this folder first on the services' PYTHONPATH with BENCH_CPU_PROFILE_DIR
set; Python imports `sitecustomize` at start-up. SIGUSR1 starts the profile, SIGUSR2
stops it and writes DIR/<phase>-<service>.prof, the phase read from DIR/phase.
"""

import os

_FOLDER = os.environ.get("BENCH_CPU_PROFILE_DIR")

if _FOLDER:
    import cProfile
    import signal
    import sys
    import time
    from pathlib import Path

    _profiler = cProfile.Profile(time.process_time)

    def _start(*_: object) -> None:
        _profiler.enable()

    def _stop(*_: object) -> None:
        _profiler.disable()
        folder = Path(_FOLDER)
        phase = (folder / "phase").read_text().strip()
        service = Path(sys.argv[0]).parent.name  # services/<name>/main.py, set by -m
        _profiler.dump_stats(folder / f"{phase}-{service}.prof")
        _profiler.clear()

    signal.signal(signal.SIGUSR1, _start)
    signal.signal(signal.SIGUSR2, _stop)
