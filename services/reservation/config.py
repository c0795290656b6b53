from pydantic import Field

from shared.mail import SmtpSettings
from shared.services import SERVICE_PORTS
from shared.settings import ServiceSettings


class Settings(ServiceSettings, SmtpSettings):
    service_name: str = "reservation"
    required_secrets = ("pii_keys",)
    http_port: int = SERVICE_PORTS["reservation"]
    property_file: str | None = None
    max_nights: int = 60
    # Personal data at rest (payment tokens): see shared/crypto.py.
    pii_keys: str | None = None
    pii_current_key: str | None = None
    # A booking still pending after this long is repaired whoever owns it; one whose
    # process lost its lease (shared/process_lease.py) is repaired at once.
    stale_booking_minutes: float = 5.0
    janitor_poll_seconds: float = 5.0
    block_release_poll_seconds: float = 60.0
    # Integrator channels entitled to book into group blocks over the command queue
    # (comma-separated); any other channel's block booking is rejected.
    block_channels: str = ""
    # Issue 18: letters to bookers and guests (services/reservation/letters.py). The test
    # stack turns them off unless a test is about them, so other tests' mail counts hold.
    guest_letters_enabled: bool = True
    letter_poll_seconds: float = Field(default=5.0, gt=0)
    mail_from: str = "reservations@demo-hotel.example"
    # SMS: where the local SMS gateway writes its texts (numbers masked), shared/sms.py.
    sms_log_path: str = ".run/reservation-sms.log"
    tentative_poll_seconds: float = Field(default=60.0, gt=0)
    # Refunds (shared/payments.py): the local provider's ledger of refunds paid.
    payments_log_path: str = ".run/payments.log"
    refund_poll_seconds: float = Field(default=10.0, gt=0)
