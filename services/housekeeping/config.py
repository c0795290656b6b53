from datetime import time

from pydantic import Field

from shared.services import SERVICE_PORTS
from shared.settings import ServiceSettings


class Settings(ServiceSettings):
    service_name: str = "housekeeping"
    http_port: int = SERVICE_PORTS["housekeeping"]
    property_file: str | None = None

    # The morning plan: generated once a day at this local time, for these attendants.
    # None: the property's clock (PROPERTY_TIMEZONE).
    timezone: str | None = None
    plan_at: time = time(7, 0)
    attendants: list[str] = ["attendant-1", "attendant-2", "attendant-3"]
    # Linen is changed every N nights unless the guest's habit says otherwise.
    default_linen_every_nights: int = Field(default=1, ge=1)
    # How often the schedulers (daily plan, out-of-order periods) look at the clock.
    scheduler_poll_seconds: float = Field(default=30.0, gt=0)

    amenity_initial_stock: int = Field(default=500, ge=0)
    amenity_reorder_point: int = Field(default=100, ge=0)

    # TESTS ONLY: a file holding an ISO datetime that the service takes as "now", so a test
    # can move time to 10:00 without waiting for it. Unset in every real deployment.
    test_clock_file: str | None = None
