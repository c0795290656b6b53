"""The Node tools the tests use (tests/tools/package.json): installed from the npm
registry with `npm ci` the first time a test needs them."""

from __future__ import annotations

import shutil
import subprocess
from pathlib import Path

TOOLS = Path(__file__).resolve().parent.parent / "tools"


def node_tools() -> Path:
    """The tools folder, with its node_modules installed (from package-lock.json)."""
    if shutil.which("node") is None or shutil.which("npm") is None:
        raise RuntimeError("the tests need Node.js 20+ and npm (for @asyncapi/parser, amqplib)")
    if not (TOOLS / "node_modules" / ".package-lock.json").exists():
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund", "--loglevel=error"],
            cwd=TOOLS,
            check=True,
            timeout=300,
        )
    return TOOLS
