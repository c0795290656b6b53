"""One clock type (issue 17 counted five and a PropertyClock): every rule that asks what
time it is takes a shared.clock.Clock. A module that spells its own (`Callable[[],
datetime]`, a `Clock = ...` alias or class) fails here."""

from __future__ import annotations

import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
OWN_CLOCK = re.compile(
    "|".join(
        (
            r"Callable\[\[\],\s*datetime\]",  # a clock spelled out
            r"^\s*\w*Clock\s*(?::\s*TypeAlias\s*)?=",  # an alias of a module's own
            r"^class \w*Clock\b.*Protocol",  # a protocol of its own
        )
    ),
    re.M,
)


def own_clocks(root: Path) -> list[str]:
    found = []
    for path in sorted([*root.glob("services/**/*.py"), *root.glob("shared/**/*.py")]):
        if path.relative_to(root).as_posix() == "shared/clock.py":
            continue
        for match in OWN_CLOCK.finditer(path.read_text(encoding="utf-8")):
            found.append(f"{path.relative_to(root)}: {match.group(0).strip()}")
    return found


def test_the_services_tell_time_with_the_one_clock_type() -> None:
    assert own_clocks(ROOT) == []


def test_the_check_finds_a_clock_of_a_modules_own(tmp_path: Path) -> None:
    module = tmp_path / "services" / "spa" / "service.py"
    module.parent.mkdir(parents=True)
    module.write_text("Clock = Callable[[], datetime]\n", encoding="utf-8")
    assert own_clocks(tmp_path) == [
        "services/spa/service.py: Clock =",
        "services/spa/service.py: Callable[[], datetime]",
    ]
