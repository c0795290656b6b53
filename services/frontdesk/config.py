from decimal import Decimal

from pydantic import Field

from shared.services import SERVICE_PORTS
from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "frontdesk"
    required_secrets = ("pii_keys",)
    http_port: int = SERVICE_PORTS["frontdesk"]
    property_file: str | None = None
    standard_checkout_hour: int = Field(default=12, ge=0, le=23)
    late_checkout_half_day_until_hour: int = Field(default=18, ge=0, le=23)
    # The night audit posts the room nights of the business date that just ended, once
    # the clock is past this hour (local time).
    night_audit_hour: int = Field(default=3, ge=0, le=23)
    night_audit_poll_seconds: float = Field(default=300.0, gt=0)
    night_audit_enabled: bool = True
    # Check-out with the room check (issue 12): how long the desk waits for housekeeping's
    # check after the guest asked to leave before settling without it.
    room_check_wait_seconds: float = Field(default=900.0, ge=0)
    room_check_poll_seconds: float = Field(default=30.0, gt=0)
    # Room nights given up (early departure, shortening) whose release a crash interrupted:
    # the janitor completes intents older than the grace (night_release.py).
    night_release_poll_seconds: float = Field(default=30.0, gt=0)
    night_release_grace_seconds: float = Field(default=60.0, ge=0)
    # An overstay night (a guest still in house past departure) costs this percentage of
    # the last booked night's rate, charged by the night audit.
    overstay_rate_percent: Decimal = Field(default=Decimal("100"), ge=0, le=500)
    # Personal data at rest (shared/crypto.py): JSON {"key-id": "<urlsafe base64 key>"}.
    pii_keys: str | None = None
    pii_current_key: str | None = None
    # Issue 18 (seed 002 6.3(4), 9.1(2)): the desk's check-out of a registered stay waits
    # for the document and deposit-receipt check (POST /stays/{id}/departure-check).
    require_departure_check: bool = False
