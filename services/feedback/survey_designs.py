"""The survey's design: a new version, and the versions there are."""

from __future__ import annotations

from typing import Any

from shared.errors import Conflict

from .domain import SurveyDesignCreate
from .feedback_context import FeedbackContext


class SurveyDesigns(FeedbackContext):
    async def add_design(self, design: SurveyDesignCreate) -> dict[str, Any]:
        """A new version; surveys made before it keep the one they were made with."""
        property_id = self.settings.property_id
        latest = await self.repository.latest_design(property_id)
        document = self._design_document(
            property_id, (latest["version"] if latest else 0) + 1, design.model_dump(mode="json")
        )
        if not await self.repository.add_design_once(document):
            raise Conflict("another version was designed at the same moment; try again")
        return document

    async def designs(self) -> list[dict[str, Any]]:
        return await self.repository.find_designs(self.settings.property_id)
