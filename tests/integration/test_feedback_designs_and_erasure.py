"""Survey designs through the API (in-process, on the embedded store), the version a survey
keeps, the guest's language, and what merge and erasure leave behind."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import httpx
from fastapi import FastAPI

from services.feedback.api import feedback_router
from services.feedback.domain import (
    CaseNoteCreate,
    CaseResolve,
    ResponseCreate,
    survey_id_for_stay,
    survey_token,
)
from shared.events import (
    ComplaintRaised,
    ComplaintRaisedPayload,
    GuestAnonymized,
    GuestAnonymizedPayload,
    GuestCreated,
    GuestMerged,
    GuestMergedPayload,
    GuestProfilePayload,
)
from shared.problems import install_problem_handlers
from tests.integration.test_feedback_schedulers import T0, Clock, Feedback, RecordingSender
from tests.support.journeys import PROPERTY, checkout

LATER = T0 + timedelta(days=30)  # a survey link's expiry

SPA_DESIGN = {
    "title": {"en": "Your stay", "zh": "您的入住"},
    "questions": [
        {
            "question_id": "recommend",
            "type": "nps",
            "text": {"en": "Recommend us?", "zh": "推荐我们吗?"},
            "required": True,
        },
        {
            "question_id": "spa",
            "type": "rating",
            "department": "spa",
            "text": {"en": "The spa?", "zh": "水疗中心?"},
        },
    ],
}


def api(feedback: Feedback) -> httpx.AsyncClient:
    app = FastAPI()
    install_problem_handlers(app)
    app.include_router(feedback_router(feedback.service))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://feedback")


async def test_a_new_design_is_a_new_version_and_a_survey_keeps_its_own(tmp_path) -> None:
    feedback = Feedback(tmp_path, Clock(T0), RecordingSender())
    await feedback.service.prepare()
    (_, before), (_, after) = checkout(1), checkout(2)
    await feedback.service.survey_after_stay(before)
    await feedback.service.record_profile(
        GuestCreated.new(
            GuestProfilePayload(
                guest_id=after.payload.guest_id,
                first_name="伟",
                last_name="李",
                language="zh-CN",
                email="li@example.com",
            ),
            producer="loyalty",
            property_id=PROPERTY,
        )
    )

    async with api(feedback) as client:
        no_chinese = {
            **SPA_DESIGN,
            "questions": [{**SPA_DESIGN["questions"][1], "text": {"en": "The spa?"}}],
        }
        refused = await client.post("/survey-designs", json=no_chinese)
        assert refused.status_code == 422
        assert refused.headers["content-type"] == "application/problem+json"
        assert "needs its text in ['zh']" in refused.json()["detail"]
        created = await client.post("/survey-designs", json=SPA_DESIGN)
        assert created.status_code == 201, created.text
        assert created.json()["version"] == 2
        await feedback.service.survey_after_stay(after)

        old_id, new_id = (
            survey_id_for_stay(before.payload.stay_id),
            survey_id_for_stay(after.payload.stay_id),
        )
        secret = feedback.settings.survey_link_secret
        form = (
            await client.get(
                f"/surveys/{new_id}", params={"token": survey_token(secret, new_id, LATER)}
            )
        ).json()
        assert (form["design_version"], form["language"], form["title"]) == (2, "zh", "您的入住")
        assert [q["text"] for q in form["questions"]] == ["推荐我们吗?", "水疗中心?"]
        # The spa question is not in the version the earlier guest was sent.
        old = await client.post(
            f"/surveys/{old_id}/responses",
            json={
                "token": survey_token(secret, old_id, LATER),
                "answers": {"recommend": 8, "spa": 5},
            },
        )
        assert old.status_code == 422 and "'spa' is not a question" in old.json()["detail"]
        new = await client.post(
            f"/surveys/{new_id}/responses",
            json={
                "token": survey_token(secret, new_id, LATER),
                "answers": {"recommend": 8, "spa": 5},
            },
        )
        assert new.status_code == 201, new.text
        report = (await client.get("/reports/satisfaction", params={"department": "spa"})).json()
        assert [(d["department"], d["csat"]) for d in report["departments"]] == [("spa", 100.0)]
        designs = (await client.get("/survey-designs")).json()["items"]
        assert [d["version"] for d in designs] == [1, 2]


async def test_merge_moves_the_guest_and_erasure_removes_their_words(tmp_path) -> None:
    feedback = Feedback(tmp_path, Clock(T0), RecordingSender())
    service = feedback.service
    await service.prepare()
    profile, stay = checkout(3)
    guest_id = stay.payload.guest_id
    await service.record_contact(profile)
    await service.survey_after_stay(stay)
    survey_id = survey_id_for_stay(stay.payload.stay_id)
    await service.respond(
        survey_id,
        ResponseCreate(
            token=survey_token(feedback.settings.survey_link_secret, survey_id, LATER),
            answers={"recommend": 2, "comments": "Mr Li in room 301 was rude"},
        ),
    )
    await service.case_from_complaint(
        ComplaintRaised.new(
            ComplaintRaisedPayload(
                complaint_id="cmp-9",
                guest_id="duplicate-profile",
                category="staff",
                severity="low",
                description="My phone is 13800000000",
                taken_by="agent",
            ),
            producer="frontdesk",
            property_id=PROPERTY,
        )
    )

    await service.merge_guests(
        GuestMerged.new(
            GuestMergedPayload(surviving_guest_id=guest_id, merged_guest_ids=["duplicate-profile"]),
            producer="loyalty",
            property_id=PROPERTY,
        )
    )
    case = await feedback.repository.cases.find_one({"complaint_id": "cmp-9"})
    assert case["guest_id"] == guest_id
    await service.add_note(case["_id"], CaseNoteCreate(text="guest has a heart condition"))
    await service.resolve(
        case["_id"], CaseResolve(resolved_by="agent", resolution="refunded: she was in hospital")
    )

    await service.erase_guest(
        GuestAnonymized.new(
            GuestAnonymizedPayload(guest_id=guest_id, requested_at=datetime.now(UTC)),
            producer="loyalty",
            property_id=PROPERTY,
        )
    )
    assert await feedback.repository.contact(guest_id) is None
    survey = await feedback.repository.survey(survey_id)
    assert {a["question_id"]: a["value"] for a in survey["response"]["answers"]} == {
        "recommend": 2,
        "comments": "[erased]",
    }
    erased = await feedback.repository.case(case["_id"])
    assert erased is not None and erased.description == "[erased]"
    # issue 15: notes and the resolution speak of the guest too
    assert [n.text for n in erased.notes] == ["[erased]"]
    assert erased.resolution == "[erased]"
    assert (await service.report(since=None, until=None, department=None))["overall"][
        "nps"
    ] == -100.0


async def test_a_satisfaction_report_covers_at_most_a_year_of_answers(tmp_path) -> None:
    """Issue 15: one request must not load every answered survey there is."""
    feedback = Feedback(tmp_path, Clock(T0), RecordingSender())
    await feedback.service.prepare()

    def window(days: int) -> dict[str, str]:
        return {"since": (T0 - timedelta(days=days)).isoformat(), "until": T0.isoformat()}

    async with api(feedback) as client:
        year = await client.get("/reports/satisfaction", params=window(366))
        longer = await client.get("/reports/satisfaction", params=window(367))
        csv_longer = await client.get("/reports/satisfaction.csv", params=window(5000))
        unbounded = await client.get("/reports/satisfaction", params={"until": T0.isoformat()})
    assert year.status_code == 200, year.text
    for refused in (longer, csv_longer):
        assert refused.status_code == 422, refused.text
        assert refused.headers["content-type"] == "application/problem+json"
    # Without `since`, the last 90 days.
    assert unbounded.status_code == 200
    assert unbounded.json()["since"].startswith((T0 - timedelta(days=90)).date().isoformat())
