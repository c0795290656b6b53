"""Guest feedback: the post-stay survey and its invitation. No I/O here."""

from __future__ import annotations

import hashlib
import hmac
import uuid
from datetime import datetime, timedelta
from email.message import EmailMessage
from enum import StrEnum

from pydantic import BaseModel

SURVEY_NAMESPACE = uuid.UUID("6f0b5a52-8f6e-4d0e-9a55-1f1c2b7e4a10")
RETRY_BACKOFF = (timedelta(seconds=5), timedelta(seconds=30), timedelta(minutes=5),
                 timedelta(minutes=30))


class SurveyStatus(StrEnum):
    PENDING = "pending"   # waiting to be sent (or for the guest's contact details)
    SENDING = "sending"   # claimed by a mailer under a lease
    SENT = "sent"


def survey_id_for_stay(stay_id: str) -> str:
    """One survey per stay: the same stay always names the same survey."""
    return str(uuid.uuid5(SURVEY_NAMESPACE, stay_id))


def survey_token(secret: str, survey_id: str) -> str:
    """The survey link's signature: only the hotel can make it, nothing to store, and a
    resent invitation carries the same link."""
    return hmac.new(secret.encode(), survey_id.encode(), hashlib.sha256).hexdigest()[:32]


def token_is_valid(secret: str, survey_id: str, token: str) -> bool:
    return hmac.compare_digest(survey_token(secret, survey_id), token)


def next_attempt_after(failures: int, now: datetime) -> datetime:
    return now + RETRY_BACKOFF[min(failures, len(RETRY_BACKOFF)) - 1]


def survey_invitation(*, survey_id: str, to: str, first_name: str, hotel_name: str,
                      sender: str, link: str) -> EmailMessage:
    message = EmailMessage()
    message["From"] = sender
    message["To"] = to
    message["Subject"] = f"Thank you for staying at {hotel_name} - how was it?"
    # A stable Message-ID: a resend after a crash is recognisably the same mail.
    message["Message-ID"] = f"<survey-{survey_id}@{sender.split('@')[-1]}>"
    message.set_content(
        f"Dear {first_name},\n\n"
        f"Thank you for staying with us at {hotel_name}. We would like to hear how it went:\n"
        f"{link}\n\n"
        "The survey takes two minutes and helps us look after you better next time.\n\n"
        f"Guest Relations, {hotel_name}\n")
    return message


class SurveyPublic(BaseModel):
    survey_id: str
    stay_id: str
    guest_id: str
    status: SurveyStatus
    channel: str
    created_at: datetime
    sent_at: datetime | None = None
