"""The guest's survey page: content negotiation on the mailed link, the friendly page for
a bad link in the browser's language, and the form's checks in the guest's language."""

from __future__ import annotations

import httpx
import pytest
from starlette.requests import Request

from services.feedback.domain import DEFAULT_DESIGN
from services.feedback.guest_pages import WORDS, field_errors, wants_html
from tests.unit.test_pages_access import build

QUESTIONS = [{**q, "text": q["text"]["en"]} for q in DEFAULT_DESIGN["questions"]]


def request_accepting(accept: str) -> Request:
    return Request({"type": "http", "headers": [(b"accept", accept.encode())]})


def test_a_browser_gets_the_page_and_an_app_the_json() -> None:
    assert wants_html(request_accepting("text/html,application/xhtml+xml,*/*;q=0.8"))
    assert not wants_html(request_accepting("application/json"))
    assert not wants_html(request_accepting("*/*"))
    assert not wants_html(request_accepting("application/json, text/html"))


def test_the_form_says_what_to_fix_in_the_guests_language() -> None:
    answers, errors = field_errors(
        QUESTIONS, {"check_in": "9", "purpose": "space", "room_cleanliness": "4"}, WORDS["zh"]
    )
    assert answers == {"room_cleanliness": 4}
    assert errors == {
        "recommend": "请回答此问题。",
        "check_in": "请选择 1 到 5 之间的数字。",
        "purpose": "请选择一个选项。",
    }
    answers, errors = field_errors(QUESTIONS, {"recommend": "0", "comments": " fine "}, WORDS["en"])
    assert (answers, errors) == ({"recommend": 0, "comments": "fine"}, {})


@pytest.fixture(scope="module")
def feedback_app():
    return build("feedback")


@pytest.mark.parametrize(
    "language, words", [("zh-CN,zh;q=0.9", "此链接无效"), ("en-GB", "This link does not work")]
)
async def test_a_forged_link_gets_a_friendly_page_and_apps_a_problem(
    feedback_app, language, words
) -> None:
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=feedback_app), base_url="http://test"
    ) as http:
        link = "/surveys/2b7e1f0a-0000-4000-8000-000000000000?token=" + "0" * 32
        page = await http.get(link, headers={"accept": "text/html", "accept-language": language})
        assert page.status_code == 403 and page.headers["content-type"].startswith("text/html")
        assert words in page.text and 'data-kind="invalid"' in page.text
        assert page.headers["referrer-policy"] == "no-referrer"
        app = await http.get(link, headers={"accept": "application/json"})
        assert app.status_code == 403
        assert app.headers["content-type"].startswith("application/problem+json")
        posted = await http.post(
            link.split("?")[0] + "/form",
            data={"token": "0" * 32, "recommend": "3"},
            headers={"accept-language": language},
        )
        assert posted.status_code == 403 and words in posted.text


async def test_an_expired_or_rescoped_link_gets_the_friendly_invalid_page(feedback_app) -> None:
    """Issue 15: a link signed by the hotel but expired, or signed for another purpose,
    is as invalid as a forged one; the same link within its time passes the signature
    (and then meets the survey that does not exist: 404)."""
    from datetime import UTC, datetime, timedelta

    from services.feedback.config import Settings
    from services.feedback.domain import survey_token

    secret = Settings().survey_link_secret
    survey_id = "2b7e1f0a-0000-4000-8000-000000000001"
    now = datetime.now(UTC)
    links = {
        "expired": survey_token(secret, survey_id, now - timedelta(minutes=1)),
        "another purpose": survey_token(secret, survey_id, now + timedelta(days=1), "unsubscribe"),
        "valid": survey_token(secret, survey_id, now + timedelta(days=1)),
    }
    async with httpx.AsyncClient(
        transport=httpx.ASGITransport(app=feedback_app), base_url="http://test"
    ) as http:
        pages = {
            what: await http.get(
                f"/surveys/{survey_id}?token={token}", headers={"accept": "text/html"}
            )
            for what, token in links.items()
        }
    for what in ("expired", "another purpose"):
        assert pages[what].status_code == 403, what
        assert 'data-kind="invalid"' in pages[what].text, what
    assert pages["valid"].status_code == 404
