"""Where the services and the broker are, and which key the CLI sends.

Defaults fit `make run` on this machine: services on 8001-8005, the broker on
127.0.0.1:5672 and the keys `make run` wrote to `.run/api-keys.env`. Every value can be
overridden with an environment variable (HOTEL_<SERVICE>_URL, HOTEL_RABBITMQ_URL,
HOTEL_KEY_MANAGER, HOTEL_KEY_OPS, HOTEL_KEYS_FILE, HOTEL_SMTP_LOG, HOTEL_MAILPIT_URL).
"""

from __future__ import annotations

import os
from dataclasses import dataclass, field
from pathlib import Path

from shared.services import SERVICE_PORTS


class MissingKey(Exception):
    """No API key for a scope the command needs."""


def _read_keys(path: Path) -> dict[str, str]:
    keys: dict[str, str] = {}
    if path.exists():
        for line in path.read_text().splitlines():
            name, sep, value = line.partition("=")
            if sep and name.startswith("HOTEL_KEY_"):
                keys[name.strip()] = value.strip()
    return keys


@dataclass
class CliSettings:
    service_urls: dict[str, str]
    rabbitmq_url: str
    keys_file: Path
    smtp_log: Path
    mailpit_url: str | None
    environ: dict[str, str] = field(default_factory=dict)

    @classmethod
    def from_environment(cls, environ: dict[str, str] | None = None) -> CliSettings:
        env = dict(os.environ if environ is None else environ)
        urls = {
            name: env.get(f"HOTEL_{name.upper()}_URL", f"http://127.0.0.1:{port}")
            for name, port in SERVICE_PORTS.items()
        }
        return cls(
            service_urls=urls,
            rabbitmq_url=env.get("HOTEL_RABBITMQ_URL", "amqp://guest:guest@127.0.0.1:5672/"),
            keys_file=Path(env.get("HOTEL_KEYS_FILE", ".run/api-keys.env")),
            smtp_log=Path(env.get("HOTEL_SMTP_LOG", ".run/smtp.log")),
            mailpit_url=env.get("HOTEL_MAILPIT_URL"),
            environ=env,
        )

    def key(self, scope: str) -> str:
        """The credential for `scope`: the environment first, then the keys file."""
        name = f"HOTEL_KEY_{scope.upper()}"
        found = self.environ.get(name) or _read_keys(self.keys_file).get(name)
        if not found:
            raise MissingKey(
                f"no API key for scope {scope!r}: set {name}, or run from the repository "
                f"root after `make run` has written {self.keys_file} "
                "(or point HOTEL_KEYS_FILE at it)"
            )
        return found
