from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "reservation"
    http_port: int = 8001
    property_file: str | None = None
    max_nights: int = 60
