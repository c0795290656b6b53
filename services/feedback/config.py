from pydantic import Field

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "feedback"
    http_port: int = 8004
    smtp_host: str = "127.0.0.1"
    smtp_port: int = 1025
    smtp_username: str | None = None
    smtp_password: str | None = None
    smtp_start_tls: bool = False
    smtp_timeout_seconds: float = 10.0
    mail_from: str = "guest-relations@demo-hotel.example"
    hotel_name: str = "Demo Hotel"
    # Where guests open their survey; the response endpoint lives behind it.
    survey_base_url: str = "http://127.0.0.1:8004"
    # Signs survey links. The default is for a local run only; deployments set their own.
    survey_link_secret: str = "local-development-only"
    mailer_poll_seconds: float = Field(default=2.0, gt=0)
    mailer_lease_seconds: float = Field(default=60.0, gt=0)
    mailer_batch_size: int = Field(default=50, ge=1, le=1000)
