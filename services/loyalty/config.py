from pydantic import Field

from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "loyalty"
    http_port: int = 8005
    points_per_currency_unit: int = Field(default=10, ge=0, le=1000)
