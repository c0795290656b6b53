"""Settings every service shares; each service subclasses it in its own config.py."""

from pydantic import Field
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

    log_level: str = "INFO"

    # Access (shared/auth.py, shared/guard.py). API_KEYS: JSON {"<key id>":
    # {"secret_sha256": ..., "scopes": [...], "channel": ... (integrators)}}. Unset: no
    # credential is accepted, only the public routes answer.
    api_keys: str | None = None
    rate_limit_per_minute: int = Field(default=600, ge=1)
    rate_limit_burst: int = Field(default=60, ge=1)
    max_body_bytes: int = Field(default=1_048_576, ge=1024)
    request_timeout_seconds: float = Field(default=30.0, gt=0)

    @property
    def database_name(self) -> str:
        return self.mongodb_database or self.service_name
