"""Settings every service shares; each service subclasses it in its own config.py."""

from typing import ClassVar

from pydantic import Field, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(env_file=".env", extra="ignore")

    service_name: str
    http_host: str = "127.0.0.1"
    http_port: int
    property_id: str = "demo-hotel"
    # The property's clock (shared/clock.py): "today", deadlines, plans, lists, reports.
    property_timezone: str = "Asia/Shanghai"
    # TESTS ONLY: a file holding an ISO datetime taken as "now" (shared/clock.py), so a
    # test moves the services' time. Unset in every real deployment.
    test_clock_file: str | None = None

    rabbitmq_url: str = "amqp://guest:guest@127.0.0.1:5672/"
    # Unset: the embedded in-memory store (mongomock-motor). Set: a real MongoDB.
    mongodb_url: str | None = None
    mongodb_database: str | None = None
    # Embedded store only: a folder where it journals its writes, so that a restarted
    # process finds its data again. Unset: data lives as long as the process.
    embedded_store_dir: str | None = None
    # Embedded store only: yield to the event loop around every call (and wait up to the
    # delay at random), so concurrent requests interleave as on a real MongoDB. On in tests.
    embedded_store_interleave: bool = False
    embedded_store_max_delay_ms: float = Field(default=2.0, ge=0, le=1000)
    embedded_store_seed: int | None = None
    # Embedded store with a folder: a snapshot is written in the background after this
    # many journaled writes, or this many minutes after the last one if there were writes.
    embedded_store_snapshot_writes: int = Field(default=10_000, ge=1)
    embedded_store_snapshot_minutes: float = Field(default=10.0, gt=0)

    # Consumers: bounded prefetch, delayed retry, then the parking lot.
    prefetch_count: int = Field(default=20, ge=1, le=1000)
    max_attempts: int = Field(default=5, ge=1, le=100)
    retry_delay_ms: int = Field(default=5000, ge=10)
    delivery_limit: int = Field(default=10, ge=1)

    # Outbox relay: a poll is only the safety net, writes wake the relay at once.
    outbox_relay_enabled: bool = True
    outbox_poll_seconds: float = Field(default=1.0, gt=0)
    outbox_lease_seconds: float = Field(default=30.0, gt=0)

    # Personal data of records older than this (by the record's own date, e.g. a stay's
    # departure) is anonymised by the service's retention job; ids, dates and amounts stay.
    retention_days: int = Field(default=3 * 365, ge=1)
    retention_poll_seconds: float = Field(default=3600.0, gt=0)

    # Half-done work is repaired once its process's lease lapses (shared/process_lease.py).
    # INSTANCE_NAME: unique per process (make run and compose: the service's name); a
    # restarted process then takes over what its predecessor left at once.
    instance_name: str | None = None
    process_lease_seconds: float = Field(default=10.0, gt=0)

    log_level: str = "INFO"

    # Access (shared/auth.py, shared/guard.py). API_KEYS: JSON {"<key id>":
    # {"secret_sha256": ..., "scopes": [...], "channel": ... (integrators)}}. Unset: no
    # credential is accepted, only the public routes answer.
    api_keys: str | None = None
    rate_limit_per_minute: int = Field(default=600, ge=1)
    rate_limit_burst: int = Field(default=60, ge=1)
    # Failed authentications per client address (guessing keys): then 429.
    auth_failures_per_minute: int = Field(default=30, ge=1)
    auth_failures_burst: int = Field(default=20, ge=1)
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    request_timeout_seconds: float = Field(default=30.0, gt=0)

    # Secrets a service's Settings names in `required_secrets` must be set (and not left
    # at their development default) unless this is on: make run and the tests turn it
    # on; a deployment that forgets a key refuses to start instead of using one written
    # in the code.
    development_mode: bool = False
    required_secrets: ClassVar[tuple[str, ...]] = ()

    @model_validator(mode="after")
    def secrets_are_set(self) -> "ServiceSettings":
        if self.development_mode:
            return self
        missing = [
            name.upper()
            for name in self.required_secrets
            if getattr(self, name) in (None, "", type(self).model_fields[name].default)
        ]
        if missing:
            raise ValueError(
                f"{', '.join(missing)} must be set (or DEVELOPMENT_MODE=true "
                "for a local run): no key written in the code is used"
            )
        return self

    @property
    def database_name(self) -> str:
        return self.mongodb_database or self.service_name
