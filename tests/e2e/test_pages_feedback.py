"""The guest's survey and guest relations' screens in a real browser. A Chinese-speaking
guest leaves; the survey mail reaches the SMTP sink; the guest opens the mailed link and
gets the form in Chinese; sending it half answered shows what to fix; answering with a
low score ends on the thank-you page; the link then says it was used; a forged link gets
the friendly invalid page; the JSON stays for apps. Then the case the low score opened
appears on guest relations' screen, and the NPS/CSAT charts draw the answer."""

from __future__ import annotations

import re

import httpx
import pytest

from shared.events import GuestContactCaptured, GuestContactPayload
from tests.support.amqp import publish_events, wait_for
from tests.support.browser import screenshot, sign_in
from tests.support.journeys import PROPERTY, checkout
from tests.support.stack import Stack

pytestmark = pytest.mark.e2e

LINK = re.compile(r"https?://\S+/surveys/[0-9a-f-]{36}\?token=[0-9a-f]{32}")


async def test_a_guest_answers_the_mailed_survey_and_the_low_score_opens_a_case_on_screen(
    stack: Stack, amqp_url: str, browser_page
) -> None:
    stack.start("feedback")
    # Again on the same port, so that the mailed link names this very service.
    stack.restart("feedback", SURVEY_BASE_URL=stack.services["feedback"].url)
    base = stack.services["feedback"].url
    feedback = stack.client("feedback")
    _, departure = checkout(7)
    guest_id, stay_id = departure.payload.guest_id, departure.payload.stay_id
    profile = GuestContactCaptured.new(
        GuestContactPayload(
            guest_id=guest_id,
            first_name="Wei",
            last_name="Li",
            email="li.wei@example.com",
            language="zh-CN",
        ),
        producer="reservation",
        property_id=PROPERTY,
    )
    await publish_events(amqp_url, [profile, departure])
    (mail,) = await wait_for(lambda: stack.smtp.messages, timeout=30, message="the survey mail")
    link = LINK.search(mail.get_payload(decode=True).decode())[0]
    assert link.startswith(base), link

    page = browser_page
    await page.set_viewport_size({"width": 390, "height": 844})  # the guest's phone
    await page.goto(link)
    assert await page.get_attribute("html", "lang") == "zh"
    assert await page.inner_text("h1") == "您对本次入住满意吗?"
    await screenshot(page, "survey-form-zh")

    # Half answered: the required question is marked, in the guest's language.
    await page.click("label:has(input[name=check_in][value='2'])")
    await page.click("button[type=submit]")
    await page.wait_for_selector("#form-errors")
    assert "请回答此问题" in await page.inner_text("#q-recommend")
    assert await page.get_attribute("#q-recommend", "aria-invalid") == "true"
    assert await page.is_checked("input[name=check_in][value='2']")  # kept
    await screenshot(page, "survey-validation-zh")

    # Keyboard only: focus the NPS scale and pick 2 with the arrow keys.
    await page.focus("input[name=recommend][value='0']")
    await page.keyboard.press("ArrowRight")
    await page.keyboard.press("ArrowRight")
    assert await page.is_checked("input[name=recommend][value='2']")
    await page.click("label:has(input[name=room_cleanliness][value='1'])")
    await page.fill("textarea[name=comments]", "房间有烟味")
    await page.click("button[type=submit]")
    await page.wait_for_selector("#guest-message[data-kind=thanks]")
    assert "谢谢您" in await page.inner_text("h1")
    await screenshot(page, "survey-thanks-zh")

    await page.goto(link)
    assert await page.get_attribute("#guest-message", "data-kind") == "used"
    await screenshot(page, "survey-used-zh")
    forged = link[:-4] + "0000"
    await page.goto(forged)
    assert await page.get_attribute("#guest-message", "data-kind") == "invalid"
    await screenshot(page, "survey-invalid")

    # Apps still get the JSON from the same link.
    app = httpx.get(
        link.replace(link.split("/surveys/")[0], base), headers={"accept": "application/json"}
    )
    assert app.status_code == 409 and app.headers["content-type"].startswith(
        "application/problem+json"
    )
    survey = feedback.get("/surveys", params={"stay_id": stay_id}).json()["items"][0]
    assert survey["status"] == "answered"

    # Guest relations: the case of the low score, with its owner and deadline.
    await page.set_viewport_size({"width": 1100, "height": 900})
    await sign_in(page, base, "/app/feedback", stack.credentials.by_name["feedback"])

    async def case_on_screen() -> bool:
        await page.reload()
        return await page.locator(f"#cases tr[data-stay='{stay_id}']").count() == 1

    await wait_for(case_on_screen, timeout=30, message="the case on the screen")
    row = await page.inner_text(f"#cases tr[data-stay='{stay_id}']")
    assert "survey" in row and "NPS 2" in row, row
    await screenshot(page, "feedback-cases")

    await page.click("nav >> text=Satisfaction")
    await page.wait_for_selector("#nps-chart circle.point")
    assert await page.locator("#nps-chart circle.point").count() == 1
    assert await page.locator("#csat-chart circle.point").count() == 1
    assert await page.inner_text("#nps-overall") == "-100.0"
    await screenshot(page, "feedback-satisfaction")
    print(
        f"\nthe guest answered in Chinese from the mailed link; case for stay {stay_id} on screen"
    )
