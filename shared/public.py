"""The public side of a stored document: what a route may show of it.

Documents carry the store's bookkeeping (the outbox, applied event ids, the property key)
that no caller should see; a public model lists what they may see and `of` reads it from
the document, `_id` under the name the model gives it (`id` unless it says otherwise).
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any, ClassVar, Self

from pydantic import BaseModel, ConfigDict


class PublicDocument(BaseModel):
    # Fields the model does not name are bookkeeping or internal: left out, not an error.
    model_config = ConfigDict(extra="ignore")
    id_field: ClassVar[str] = "id"

    @classmethod
    def of(cls, document: Mapping[str, Any]) -> Self:
        fields = dict(document)
        if "_id" in fields:
            fields[cls.id_field] = fields.pop("_id")
        return cls.model_validate(fields)


class Answer(BaseModel):
    """What a route answers that is not one stored document (a form, a report, a receipt
    of an action): built by the code from named values. Keys the model does not name are
    left out of the answer rather than failing it."""

    model_config = ConfigDict(extra="ignore")
