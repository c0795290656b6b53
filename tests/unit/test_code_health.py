"""The linters run with the tests: a new ruff finding or mypy error fails make test (and so
.ci/run). The rule set and the strictness live in pyproject.toml ([tool.ruff],
[tool.mypy]: strict on shared/ and every services/*/domain.py, the default checks on the
rest of services/)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _run(*args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", *args], cwd=ROOT, capture_output=True, text=True, timeout=900
    )


def test_ruff_finds_nothing() -> None:
    result = _run("ruff", "check", "--output-format", "concise", ".")
    assert result.returncode == 0, f"ruff findings:\n{result.stdout}{result.stderr}"


def test_mypy_finds_nothing() -> None:
    result = _run("mypy")  # the files and the strictness come from pyproject.toml
    assert result.returncode == 0, f"mypy errors:\n{result.stdout}{result.stderr}"
    assert "Success: no issues found" in result.stdout, result.stdout
