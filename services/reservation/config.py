from shared.services import SERVICE_PORTS
from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "reservation"
    required_secrets = ("pii_keys",)
    http_port: int = SERVICE_PORTS["reservation"]
    property_file: str | None = None
    max_nights: int = 60
    # Personal data at rest (payment tokens): see shared/crypto.py.
    pii_keys: str | None = None
    pii_current_key: str | None = None
    # A booking still pending after this long belongs to a process that died mid-way.
    stale_booking_minutes: float = 5.0
    janitor_poll_seconds: float = 30.0
    block_release_poll_seconds: float = 60.0
    # Integrator channels entitled to book into group blocks over the command queue
    # (comma-separated); any other channel's block booking is rejected.
    block_channels: str = ""
