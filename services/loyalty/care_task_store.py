"""Guest relations' care tasks (issue 18, care.py): gifts and calls, recorded once per
occasion."""

from __future__ import annotations

from typing import Any

from shared.idempotency import insert_once

from .store_context import StoreContext


class CareTaskStore(StoreContext):
    async def record_care_task(self, task: dict[str, Any]) -> bool:
        return await insert_once(self.care_tasks, task)
