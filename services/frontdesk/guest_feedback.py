"""What the desk remembers of a guest's latest questionnaire, to recognise them (issue 18;
seed 000 一(二): greet a returning guest knowing how their last stay went).

survey.results_shared comes once per department of an answered questionnaire (scores and
low-scored topics, never the guest's words). The desk keeps, per guest, the newest
questionnaire only (`guest_feedback`, keyed by guest id): the parts of one questionnaire
gather under `departments`, a newer questionnaire replaces the lot, an older or repeated
part changes nothing. Check-in copies it into the stay's recognition (`last_feedback`).
"""

from __future__ import annotations

import contextlib
from datetime import UTC
from typing import Any

from pymongo.errors import DuplicateKeyError

from shared.events import SurveyResultsShared
from shared.logging import get_logger

log = get_logger(__name__)


def _part(event: SurveyResultsShared) -> dict[str, Any]:
    share = event.payload
    return {"scores": dict(share.scores), "low_topics": list(share.low_topics)}


async def record_results(collection: Any, event: SurveyResultsShared) -> bool:
    """Applies one department's part; True when it changed what the desk shows."""
    share = event.payload
    if not share.guest_id:  # a share from before guest ids travelled: nobody to recognise
        return False
    answered_at = share.answered_at.astimezone(UTC).isoformat()
    same_questionnaire = {"_id": share.guest_id, "survey_id": share.survey_id}
    department = f"departments.{share.department}"
    newest = {
        "survey_id": share.survey_id,
        "kind": share.kind,
        "stay_id": share.stay_id,
        "answered_at": answered_at,
        "departments": {share.department: _part(event)},
    }
    for _ in range(2):  # a part of the same questionnaire may have created it meanwhile
        joined = await collection.update_one(
            {**same_questionnaire, department: {"$exists": False}},
            {"$set": {department: _part(event)}},
        )
        if joined.modified_count or await collection.find_one(
            {**same_questionnaire, department: {"$exists": True}}, {"_id": 1}
        ):
            return bool(joined.modified_count)
        try:
            replaced = await collection.update_one(
                {"_id": share.guest_id, "answered_at": {"$lt": answered_at}},
                {"$set": newest, "$setOnInsert": {"property_id": event.property_id}},
                upsert=True,
            )
        except DuplicateKeyError:
            continue  # a newer one or this one's sibling is there: look again
        log.info("guest's latest results at the desk", survey_id=share.survey_id)
        return bool(replaced.modified_count or replaced.upserted_id)
    return False  # the guest's newest questionnaire is a later one


async def latest_results(collection: Any, guest_id: str) -> dict[str, Any] | None:
    found = await collection.find_one({"_id": guest_id}, {"_id": 0, "property_id": 0})
    return dict(found) if found else None


async def forget(collection: Any, guest_ids: list[str]) -> None:
    """Erasure: scores keyed by the guest go with the guest's other data at the desk."""
    await collection.delete_many({"_id": {"$in": guest_ids}})


async def follow_merge(collection: Any, merged: list[str], surviving: str) -> None:
    """The survivor keeps the newest questionnaire of all the merged ids."""
    for guest_id in merged:
        found = await collection.find_one({"_id": guest_id})
        if found is None:
            continue
        found.pop("_id")
        with contextlib.suppress(DuplicateKeyError):  # the survivor's own is newer
            await collection.update_one(
                {"_id": surviving, "answered_at": {"$lt": found["answered_at"]}},
                {"$set": found},
                upsert=True,
            )
        await collection.delete_one({"_id": guest_id})
