"""The guest's survey in a browser: the mailed link (`GET /surveys/{id}?token=`) opens a
mobile-first form in the guest's language when a browser asks for HTML; apps keep the
JSON (api.py negotiates). The answers post back as a plain form (no script needed), are
checked against the very design version that was sent, and end on a thank-you page. A
used, invalid or unknown link gets a friendly page, never a problem document.

No CSRF token here: the signed survey token in the form is the guest's authorisation,
and another site does not know it."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from fastapi import Request
from fastapi.responses import HTMLResponse

from shared.errors import DomainError
from shared.pages.rendering import html, read_form, templates_for
from shared.problems import status_of

from .domain import SCALES, QuestionType, ResponseCreate
from .service import FeedbackService, InvalidAnswers, SurveyAlreadyAnswered

TEMPLATES = templates_for(Path(__file__).parent / "templates")

# The page's own words; the questions come in the guest's language from the design.
WORDS: dict[str, dict[str, str]] = {
    "en": {
        "submit": "Send my answers",
        "required": "required",
        "optional": "optional",
        "answer_this": "Please answer this question.",
        "whole_number": "Please choose a number from {low} to {high}.",
        "one_of": "Please choose one of the options.",
        "too_long": "Please keep this under 2000 characters.",
        "fix": "Please check the answers marked below.",
        "not_likely": "Not likely",
        "very_likely": "Very likely",
        "poor": "Poor",
        "excellent": "Excellent",
        "thanks_title": "Thank you!",
        "thanks": "Your answers reached us. Thank you for staying with us.",
        "used_title": "Already answered",
        "used": "This survey has already been answered. Thank you!",
        "invalid_title": "This link does not work",
        "invalid": "This survey link is not valid or has expired. "
        "Please use the link in the e-mail we sent you.",
        "rejected": "The hotel could not accept these answers: {detail}",
    },
    "zh": {
        "submit": "提交我的回答",
        "required": "必答",
        "optional": "选答",
        "answer_this": "请回答此问题。",
        "whole_number": "请选择 {low} 到 {high} 之间的数字。",
        "one_of": "请选择一个选项。",
        "too_long": "请勿超过 2000 个字符。",
        "fix": "请检查下面标出的回答。",
        "not_likely": "不太可能",
        "very_likely": "非常可能",
        "poor": "很差",
        "excellent": "非常好",
        "thanks_title": "谢谢您!",
        "thanks": "我们已收到您的回答。感谢您的入住。",
        "used_title": "已回答",
        "used": "此问卷已经回答过了。谢谢您!",
        "invalid_title": "此链接无效",
        "invalid": "此问卷链接无效或已过期。请使用我们发给您的邮件中的链接。",
        "rejected": "酒店无法接受这些回答:{detail}",
    },
}


def wants_html(request: Request) -> bool:
    """A browser opening the link asks for text/html first; an app for JSON or anything."""
    accept = request.headers.get("accept", "")
    return "text/html" in accept and (
        "application/json" not in accept
        or accept.index("text/html") < accept.index("application/json")
    )


def _language(request: Request) -> str:
    """For pages shown before the survey is known (a bad link): the browser's language."""
    return "zh" if request.headers.get("accept-language", "").lower().startswith("zh") else "en"


def _page(template: str, language: str, status: int = 200, **context: Any) -> HTMLResponse:
    return html(
        TEMPLATES,
        template,
        status,
        lang=language,
        words=WORDS[language],
        static_root="/app/static",
        **context,
    )


def _friendly(problem: DomainError, language: str) -> HTMLResponse:
    if isinstance(problem, SurveyAlreadyAnswered):
        return _page("feedback/guest_message.html", language, 409, kind="used")
    # A bad signature, an unknown or a closed survey: the guest can do nothing but ask.
    return _page("feedback/guest_message.html", language, status_of(problem)[0], kind="invalid")


def field_errors(
    questions: list[dict[str, Any]], form: dict[str, str], words: dict[str, str]
) -> tuple[dict[str, Any], dict[str, str]]:
    """The answers as the API takes them (numbers as numbers), and a message in the
    guest's language for each question that needs another look."""
    answers: dict[str, Any] = {}
    errors: dict[str, str] = {}
    for question in questions:
        question_id, kind = question["question_id"], QuestionType(question["type"])
        raw = form.get(question_id, "").strip()
        if not raw:
            if question["required"]:
                errors[question_id] = words["answer_this"]
            continue
        if kind in SCALES:
            low, high = SCALES[kind]
            if not raw.isdigit() or not low <= int(raw) <= high:
                errors[question_id] = words["whole_number"].format(low=low, high=high)
                continue
            answers[question_id] = int(raw)
        elif kind == QuestionType.CHOICE and raw not in question["options"]:
            errors[question_id] = words["one_of"]
        elif kind == QuestionType.TEXT and len(raw) > 2000:
            errors[question_id] = words["too_long"]
        else:
            answers[question_id] = raw
    return answers, errors


def _form_page(
    survey: dict[str, Any],
    token: str,
    status: int = 200,
    errors: dict[str, str] | None = None,
    values: dict[str, str] | None = None,
    rejected: str | None = None,
) -> HTMLResponse:
    language = survey["language"]
    return _page(
        "feedback/survey.html",
        language,
        status,
        survey=survey,
        token=token,
        errors=errors or {},
        values=values or {},
        scales=SCALES,
        rejected=rejected,
    )


async def survey_page(
    service: FeedbackService, request: Request, survey_id: str, token: str
) -> HTMLResponse:
    try:
        survey = await service.survey_form(survey_id, token)
    except DomainError as problem:
        return _friendly(problem, _language(request))
    return _form_page(survey, token)


async def submit_survey(service: FeedbackService, request: Request, survey_id: str) -> HTMLResponse:
    form = await read_form(request) or {}
    token = form.pop("token", "")
    try:
        survey = await service.survey_form(survey_id, token)
    except DomainError as problem:
        return _friendly(problem, _language(request))
    words = WORDS[survey["language"]]
    answers, errors = field_errors(survey["questions"], form, words)
    if errors:
        return _form_page(survey, token, 422, errors=errors, values=form)
    try:
        await service.respond(survey_id, ResponseCreate(token=token, answers=answers))
    except InvalidAnswers as invalid:  # e.g. an ID number in a comment
        return _form_page(
            survey,
            token,
            422,
            values=form,
            rejected=words["rejected"].format(detail=invalid.detail),
        )
    except DomainError as problem:
        return _friendly(problem, survey["language"])
    return _page("feedback/guest_message.html", survey["language"], kind="thanks")
