"""The shared SMTP sender keeps its connection: N mails, one connection; a server that
went away meanwhile costs one reconnect, not a lost mail."""

from __future__ import annotations

from email.message import EmailMessage

from aiosmtpd.controller import Controller

from shared.mail import SmtpSender, SmtpSettings
from tests.support.stack import SmtpSink


def mail(n: int) -> EmailMessage:
    message = EmailMessage()
    message["From"], message["To"], message["Subject"] = (
        "hotel@example.com",
        f"guest{n}@example.com",
        f"survey {n}",
    )
    message.set_content("How was your stay?")
    return message


async def test_mails_share_one_connection_and_survive_a_server_restart(smtp_sink: SmtpSink) -> None:
    sender = SmtpSender(SmtpSettings(smtp_host="127.0.0.1", smtp_port=smtp_sink.port))
    for n in range(20):
        await sender.send(mail(n))
    assert len(smtp_sink.messages) == 20
    assert sender.connections_opened == 1

    # The server restarts on the same port: the open connection is dead.
    smtp_sink._controller.stop()
    smtp_sink._controller = Controller(
        smtp_sink._recorder, hostname="127.0.0.1", port=smtp_sink.port
    )
    smtp_sink._controller.start()
    for n in range(20, 25):
        await sender.send(mail(n))
    await sender.close()
    assert [m["Subject"] for m in smtp_sink.messages] == [f"survey {n}" for n in range(25)]
    assert sender.connections_opened == 2
