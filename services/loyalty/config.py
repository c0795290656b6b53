from datetime import date

from pydantic import BaseModel, Field

from shared.mail import SmtpSettings
from shared.services import SERVICE_PORTS
from shared.settings import ServiceSettings


class PromotionSetting(BaseModel):
    name: str
    starts: date
    ends: date
    bonus_percent: int = Field(ge=0, le=1000)


class Settings(ServiceSettings, SmtpSettings):
    service_name: str = "loyalty"
    required_secrets = ("match_key_secret",)
    http_port: int = SERVICE_PORTS["loyalty"]
    points_per_currency_unit: int = Field(default=10, ge=0, le=1000)
    spend_points_per_currency_unit: int = Field(default=5, ge=0, le=1000)
    # JSON list: [{"name": "spring-double", "starts": "2027-03-01", "ends": "2027-03-31",
    #              "bonus_percent": 100}]
    promotions: list[PromotionSetting] = []
    # All points expire after this long without an earning or a redemption.
    points_inactivity_days: int = Field(default=730, ge=1)
    # Keys the hashes in the duplicate-matching index. Deployments set their own.
    match_key_secret: str = "local-development-only"
    # The daily pass: year-end requalification, expiry, segments, greetings.
    jobs_enabled: bool = True
    jobs_poll_seconds: float = Field(default=3600.0, gt=0)
    jobs_batch_size: int = Field(default=200, ge=1, le=5000)
    # Campaign e-mail (greetings, win-back offers, gifts) goes out over SMTP (the SMTP_*
    # settings of shared.mail); SMS waits in `messages` for an SMS adapter.
    messenger_poll_seconds: float = Field(default=30.0, gt=0)
    # Greetings also go by SMS (issue 18): the local sender writes them here, numbers
    # masked; a deployment wires its gateway in main.py (shared/sms.py).
    sms_log_path: str = ".run/sms.log"
    messenger_lease_seconds: float = Field(default=60.0, gt=0)
