from pydantic import Field

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "frontdesk"
    http_port: int = 8002
    property_file: str | None = None
    standard_checkout_hour: int = Field(default=12, ge=0, le=23)
    late_checkout_half_day_until_hour: int = Field(default=18, ge=0, le=23)
    # The night audit posts the room nights of the business date that just ended, once
    # the clock is past this hour (local time).
    night_audit_hour: int = Field(default=3, ge=0, le=23)
    night_audit_poll_seconds: float = Field(default=300.0, gt=0)
    night_audit_enabled: bool = True
    # Personal data at rest (shared/crypto.py): JSON {"key-id": "<urlsafe base64 key>"}.
    pii_keys: str | None = None
    pii_current_key: str | None = None
