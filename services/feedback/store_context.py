"""What every part of feedback's MongoDB access stands on: its collections and their
indexes. The parts (contact_store.py, stay_store.py, design_store.py, survey_store.py,
case_store.py, merged_guest_store.py) subclass it; repository.py puts them together."""

from __future__ import annotations

from typing import Any

HIDDEN = {"outbox": 0}


class StoreContext:
    def __init__(self, database: Any) -> None:
        self.contacts = database["contacts"]
        self.stays = database["stays"]
        self.merged_ids = database["merged_guest_ids"]
        self.request_notices = database["request_notices"]  # issue 12: requests done
        self.designs = database["designs"]
        self.surveys = database["surveys"]
        self.cases = database["cases"]
        self.in_stay_surveys = database["in_stay_surveys"]  # issue 18: in_stay.py

    async def prepare(self) -> None:
        await self.surveys.create_index("stay_id", unique=True)
        await self.surveys.create_index([("status", 1), ("next_attempt_at", 1)])
        await self.surveys.create_index("guest_id")
        await self.designs.create_index([("property_id", 1), ("version", 1)], unique=True)
        await self.cases.create_index([("status", 1), ("due_at", 1)])
        await self.cases.create_index("guest_id")
        await self.cases.create_index([("guest_notice", 1), ("notice_next_attempt_at", 1)])
        # a guest's in-house stay is looked up per case, and a merge repoints their stays
        await self.stays.create_index("guest_id")
        # a merge re-files whoever had been merged into the ids it merges away
        await self.merged_ids.create_index("surviving_guest_id")
        # the notice sender claims the pending (or lease-expired sending) notice due first
        await self.request_notices.create_index([("status", 1), ("next_attempt_at", 1)])
        # issue 18: one in-stay questionnaire per stay, claimed when due; the departments'
        # results are read by answer date (department_results.py)
        await self.in_stay_surveys.create_index("stay_id", unique=True)
        await self.in_stay_surveys.create_index([("status", 1), ("next_attempt_at", 1)])
        await self.in_stay_surveys.create_index("answered_at")
        await self.in_stay_surveys.create_index("case_state")  # answers still owed a case
        await self.surveys.create_index("answered_at")
