"""The survey mail as it leaves (services/feedback/channels.py): built on the cheap
compat32 classes, it must read back as the message it was: subject (an encoded word when
it is not ASCII), recipient, Message-ID and body, in English and in Chinese."""

import email
from email.header import decode_header, make_header

import pytest
from aiosmtplib.email import flatten_message

from services.feedback.channels import SmtpSender
from services.feedback.messages import GuestMessage


class _Settings:
    mail_from = "guest-relations@demo-hotel.example"


def _sent(to: str, subject: str, body: str) -> email.message.Message:
    sender = SmtpSender.__new__(SmtpSender)  # the transport is not needed to build a mail
    sender.settings = _Settings()  # type: ignore[assignment]
    built = sender.email(GuestMessage("survey-s1", "email", to, subject, body))
    return email.message_from_bytes(flatten_message(built))


@pytest.mark.parametrize(
    ("subject", "body"),
    [
        ("Thank you for staying at Demo Hotel - how was it?", "Dear Mei,\nhttp://h/s/1?t=a\n"),
        (
            "感谢您入住演示酒店 - 请告诉我们您的感受",
            "尊敬的陈美:\n\n感谢您入住。\nhttp://h/s/2?t=b\n",
        ),
    ],
)
def test_the_mail_reads_back_as_the_message(subject: str, body: str) -> None:
    mail = _sent("mei.chen@example.com", subject, body)
    assert str(make_header(decode_header(mail["Subject"]))) == subject
    assert mail["To"] == "mei.chen@example.com"
    assert mail["Message-ID"] == "<survey-s1@demo-hotel.example>"
    assert mail.get_payload(decode=True).decode() == body
    assert mail.get_content_charset() == "utf-8"


def test_an_address_that_is_not_ascii_reads_back_as_with_email_message() -> None:
    """An encoded word, as EmailMessage wrote it (decode_header puts a space after one)."""
    mail = _sent("美@example.com", "Thank you", "Dear guest\n")
    assert str(make_header(decode_header(mail["To"]))).replace(" ", "") == "美@example.com"
    assert "Dear guest" in mail.get_payload(decode=True).decode()
