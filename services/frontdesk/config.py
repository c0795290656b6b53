from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "frontdesk"
    http_port: int = 8002
    property_file: str | None = None
