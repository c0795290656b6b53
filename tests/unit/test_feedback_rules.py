"""Feedback rules without I/O: answers on their scales, low scores, deadlines, designs,
messages in the guest's language."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from pydantic import ValidationError

from services.feedback.domain import (
    DEFAULT_DESIGN,
    AnswersInvalid,
    SurveyDesignCreate,
    case_deadline,
    case_id_for,
    checked_answers,
    grant_id_for_case,
    response_scores,
    survey_case_severity,
)
from services.feedback.messages import case_result_message, reachable, survey_message

QUESTIONS = DEFAULT_DESIGN["questions"]


@pytest.mark.parametrize(
    "answers, problem",
    [
        ({"recommend": 11}, "'recommend' takes a whole number from 0 to 10"),
        ({"recommend": -1}, "'recommend' takes a whole number from 0 to 10"),
        ({"recommend": 7.5}, "'recommend' takes a whole number from 0 to 10"),
        ({"recommend": True}, "'recommend' takes a whole number from 0 to 10"),
        ({"recommend": 9, "check_in": 0}, "'check_in' takes a whole number from 1 to 5"),
        ({"recommend": 9, "check_in": "5"}, "'check_in' takes a whole number from 1 to 5"),
        ({"recommend": 9, "purpose": "pleasure"}, "'purpose' takes one of"),
        ({"recommend": 9, "spa": 5}, "'spa' is not a question of this survey"),
        ({"check_in": 5}, "'recommend' must be answered"),
    ],
)
def test_an_answer_off_its_scale_or_unknown_is_refused(answers: dict, problem: str) -> None:
    with pytest.raises(AnswersInvalid) as refused:
        checked_answers(QUESTIONS, answers)
    assert any(p.startswith(problem) for p in refused.value.problems), refused.value.problems


def test_valid_answers_carry_their_question_for_the_analysis() -> None:
    answers = checked_answers(
        QUESTIONS, {"recommend": 0, "check_in": 5, "purpose": "business", "comments": "noisy"}
    )
    assert [(a["question_id"], a["type"], a["department"], a["value"]) for a in answers] == [
        ("recommend", "nps", "overall", 0),
        ("check_in", "rating", "front_office", 5),
        ("purpose", "choice", "overall", "business"),
        ("comments", "text", "overall", "noisy"),
    ]


@pytest.mark.parametrize(
    "answers, low",
    [
        ({"recommend": 6}, True),
        ({"recommend": 7}, False),
        ({"recommend": 3}, True),
        ({"recommend": 10, "breakfast": 2}, True),
        ({"recommend": 10, "breakfast": 3}, False),
    ],
)
def test_a_detractor_or_a_rating_of_two_or_less_is_a_low_score(answers: dict, low: bool) -> None:
    assert response_scores(checked_answers(QUESTIONS, answers))["low_score"] is low


def test_survey_case_severity_and_deadlines_by_severity() -> None:
    assert survey_case_severity({"nps": 3, "lowest_rating": None}) == "high"
    assert survey_case_severity({"nps": 6, "lowest_rating": 2}) == "medium"
    assert survey_case_severity({"nps": 9, "lowest_rating": 1}) == "high"
    opened = datetime(2027, 1, 4, 9, tzinfo=UTC)
    hours = {"critical": 1, "high": 4, "medium": 24, "low": 72}
    assert case_deadline("high", opened, hours) == opened + timedelta(hours=4)
    assert case_deadline("low", opened, hours) == opened + timedelta(days=3)


def test_one_case_per_source_key_and_one_grant_per_case() -> None:
    assert case_id_for("survey", "s-1") == case_id_for("survey", "s-1")
    assert case_id_for("survey", "s-1") != case_id_for("complaint", "s-1")
    assert grant_id_for_case("c-1") == grant_id_for_case("c-1") != grant_id_for_case("c-2")


def test_a_design_needs_english_and_chinese_texts_and_options_for_choices() -> None:
    question = {
        "question_id": "spa",
        "type": "rating",
        "department": "spa",
        "text": {"en": "The spa?"},
    }
    with pytest.raises(ValidationError, match="needs its text"):
        SurveyDesignCreate(title={"en": "t", "zh": "t"}, questions=[question])
    with pytest.raises(ValidationError, match="two or more options"):
        SurveyDesignCreate(
            title={"en": "t", "zh": "t"},
            questions=[
                {**question, "type": "choice", "text": {"en": "a", "zh": "b"}, "options": ["x"]}
            ],
        )
    with pytest.raises(ValidationError, match="distinct"):
        SurveyDesignCreate(
            title={"en": "t", "zh": "t"},
            questions=[{**question, "text": {"en": "a", "zh": "b"}}] * 2,
        )


def test_messages_in_the_guest_language_by_email_else_sms() -> None:
    assert reachable({"email": "a@example.com", "phone": "+86 138"}) == ("email", "a@example.com")
    assert reachable({"email": None, "phone": "+8613800000000"}) == ("sms", "+8613800000000")
    assert reachable({"email": None, "phone": None}) is None
    zh = survey_message(
        survey_id="s1",
        channel="email",
        to="a@example.com",
        name="李伟",
        language="zh",
        hotel="Demo",
        link="http://x/s1",
        reminder=False,
    )
    assert "感谢您入住" in zh.body and "http://x/s1" in zh.body and zh.message_id == "survey-s1"
    reminder = survey_message(
        survey_id="s1",
        channel="sms",
        to="+86",
        name="Li",
        language="en",
        hotel="Demo",
        link="http://x/s1",
        reminder=True,
    )
    assert reminder.message_id == "survey-s1-reminder" and "http://x/s1" in reminder.body
    result = case_result_message(
        case_id="c1",
        channel="email",
        to="a@example.com",
        name="Li",
        language="en",
        hotel="Demo",
        resolution="Room moved",
        points=500,
        voucher=None,
    )
    assert "Room moved" in result.body and "500 points" in result.body


@pytest.mark.parametrize("token", ["Ê󓏊QDvH", "\ud800", "", "0" * 32])
def test_a_forged_survey_token_of_any_characters_is_invalid_not_an_error(token: str) -> None:
    from datetime import UTC, datetime, timedelta

    from services.feedback.domain import survey_token, token_is_valid

    now = datetime(2027, 3, 1, tzinfo=UTC)
    valid = survey_token("secret", "survey-1", now + timedelta(days=1))
    assert token_is_valid("secret", "survey-1", token, now) is False
    assert token_is_valid("secret", "Ê\ud800", token, now) is False
    assert token_is_valid("secret", "survey-1", valid, now) is True


def test_a_free_text_answer_with_a_card_number_is_refused_naming_the_question_only() -> None:
    with pytest.raises(AnswersInvalid) as refused:
        checked_answers(QUESTIONS, {"recommend": 9, "comments": "refund 4111 1111 1111 1111"})
    assert refused.value.problems == [
        "'comments' must not contain a card number; the hotel never asks for one in a survey"
    ]


def test_resolving_and_escalating_answer_the_case_and_the_repository_writes_what_changed() -> None:
    """Issue 17: the case rules return the Case as left, not a Mongo fragment; the write
    is the difference (case_changes), None values included where the rule sets them."""
    from services.feedback.domain import Case, CaseResolve, escalated, grant_id_for_case, resolved
    from services.feedback.repository import case_changes

    opened_at = datetime(2027, 3, 1, 10, tzinfo=UTC)
    case = Case.model_validate(
        {
            "_id": "c-1",
            "property_id": "p",
            "guest_id": "g",
            "category": "noise",
            "severity": "high",
            "source": "phone",
            "description": "loud",
            "owner": "desk-anna",
            "status": "open",
            "opened_at": opened_at,
            "due_at": opened_at + timedelta(hours=4),
            "notes": [],
        }
    )
    late = opened_at + timedelta(hours=5)
    manager_due = late + timedelta(hours=2)
    held = escalated(case, "manager", late, manager_due)
    assert case_changes(case, held) == {
        "status": "escalated",
        "escalated_to": "manager",
        "escalated_at": late,
        "owner_due_at": opened_at + timedelta(hours=4),
        "due_at": manager_due,
    }
    quiet = resolved(
        held, CaseResolve(resolution="moved", notify_guest=False, resolved_by="anna"), late
    )
    assert case_changes(held, quiet) == {
        "status": "resolved",
        "resolution": "moved",
        "resolved_by": "anna",
        "resolved_at": late,
        "guest_notice": "none",
        "notice_next_attempt_at": late,
        "improvement": None,
        "guest_satisfaction": None,
    }
    granted = resolved(held, CaseResolve(resolution="sorry", goodwill_points=300), late)
    changes = case_changes(held, granted)
    assert (changes["guest_notice"], changes["guest_satisfaction"]) == ("pending", "asked")
    assert changes["goodwill"] == {
        "grant_id": grant_id_for_case("c-1"),
        "points": 300,
        "voucher": None,
    }
    assert case.status == "open" and held.status == "escalated"  # the case read is untouched
