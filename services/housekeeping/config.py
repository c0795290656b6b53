from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "housekeeping"
    http_port: int = 8003
    property_file: str | None = None
