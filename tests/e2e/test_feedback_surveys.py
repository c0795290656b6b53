"""Surveys after checkout, as real processes on the real broker and a real SMTP server:
one e-mail per stay, none twice after a replay, none to a guest without survey consent."""

from __future__ import annotations

import pytest

from shared.events import Consents, GuestCreated, GuestProfilePayload
from tests.e2e.test_delivery_guarantees import count_surveys
from tests.support.amqp import EventTap, publish_events, wait_for
from tests.support.journeys import PROPERTY, checkout
from tests.support.stack import Stack

pytestmark = pytest.mark.e2e

CONSENTING = 300
WITHDRAWN = 20


def without_survey_consent(number: int):
    """A guest whose CRM profile says: no surveys (the guest withdrew consent)."""
    _, checked_out = checkout(10_000 + number)
    profile = GuestCreated.new(
        GuestProfilePayload(
            guest_id=checked_out.payload.guest_id,
            first_name=f"Quiet{number}",
            last_name="Guest",
            email=f"quiet{number}@example.com",
            consents=Consents(surveys=False),
        ),
        producer="loyalty",
        property_id=PROPERTY,
    )
    return profile, checked_out


async def test_300_checkouts_get_300_survey_mails_once_and_no_consent_gets_none(
    stack: Stack, amqp_url: str
) -> None:
    stack.start("feedback", SMS_LOG_PATH=str(stack.work_dir / "sms.log"))
    journeys = [checkout(n) for n in range(CONSENTING)]
    quiet = [without_survey_consent(n) for n in range(WITHDRAWN)]
    profiles = [profile for profile, _ in journeys + quiet]
    checkouts = [checked_out for _, checked_out in journeys + quiet]
    feedback = stack.client("feedback")

    async with EventTap(amqp_url, ["survey.sent"]) as tap:
        # The profiles (and the withdrawals) are known before the guests leave.
        await publish_events(amqp_url, profiles)
        await stack.wait_quiet()
        await publish_events(amqp_url, checkouts, shuffle=True)
        await wait_for(
            lambda: len(stack.smtp.messages) >= CONSENTING, timeout=120, message="the survey mails"
        )
        await wait_for(
            lambda: count_surveys(feedback, "skipped") >= WITHDRAWN,
            timeout=60,
            message="the surveys of guests without consent",
        )
        first_pass = len(stack.smtp.messages)

        # The same events again, shuffled: nothing new may go out.
        replayed = await publish_events(amqp_url, [*profiles, *checkouts], shuffle=True, seed=11)
        await stack.wait_quiet(workers=("survey-mailer",))
        await wait_for(
            lambda: len(tap.received) >= CONSENTING, timeout=30, message="the survey.sent events"
        )

    mails = stack.smtp.messages
    message_ids = [mail["Message-ID"] for mail in mails]
    consenting = {profile.payload.email for profile, _ in journeys}
    withdrawn = {profile.payload.email for profile, _ in quiet}
    assert len(mails) == CONSENTING
    assert len(set(message_ids)) == CONSENTING
    assert {mail["To"] for mail in mails} == consenting
    assert not withdrawn & {mail["To"] for mail in mails}
    assert count_surveys(feedback) == CONSENTING + WITHDRAWN
    assert count_surveys(feedback, "sent") == CONSENTING
    assert count_surveys(feedback, "skipped") == WITHDRAWN
    sent_events = tap.bodies("survey.sent")
    assert len({body["payload"]["survey_id"] for body in sent_events}) == CONSENTING
    assert not (stack.work_dir / "sms.log").exists()
    print(
        f"\n{CONSENTING} checkouts with consent + {WITHDRAWN} without: {first_pass} mails; "
        f"after replaying {replayed} events: {len(mails)} mails, "
        f"{len(message_ids) - len(set(message_ids))} duplicates, "
        f"{len(withdrawn & {m['To'] for m in mails})} to guests without consent, "
        f"{len(sent_events)} survey.sent events"
    )
