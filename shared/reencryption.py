"""Re-encryption after a key rotation (issue 15): a background job that rewrites every
ciphertext not yet made by the current key (`PII_KEYS` holds several keys; new writes
use the current one, the first by default) or still in the old `v1` format, bound only
to its record id.

A service names where its ciphertexts live (`SealedField`: the collection, the dotted
path, `*` stepping into each item of a list, and the field name its `Binding` uses).
Each pass finds up to `batch` documents holding a ciphertext that is not current,
re-encrypts it in place and writes the document's top-level field back only if it has
not changed since it was read, so a concurrent write wins and the next pass sees the
document again. A ciphertext that does not decrypt where it is (copied from another
record, or under a key no longer held) is left as it is and logged by record id: one
bad record never stops the others. Once a pass finds nothing, the old key can go.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from typing import Any

from cryptography.exceptions import InvalidTag
from prometheus_client import Counter

from shared.crypto import PREFIX, Binding, PersonalDataCipher
from shared.logging import get_logger
from shared.worker import PollingWorker

log = get_logger(__name__)

VALUES_REENCRYPTED = Counter(
    "ciphertexts_reencrypted_total", "Ciphertexts re-encrypted under the current key", ["field"]
)
VALUES_UNREADABLE = Counter(
    "ciphertexts_unreadable_total", "Ciphertexts that do not decrypt where they are", ["field"]
)


@dataclass(frozen=True)
class SealedField:
    collection: str
    path: str  # "registration.document_number_encrypted", "payments.*.token.encrypted"
    field: str  # the Binding's field

    @property
    def top(self) -> str:
        return self.path.split(".", 1)[0]

    @property
    def query_path(self) -> str:
        return self.path.replace(".*", "")


class ReencryptionJob(PollingWorker):
    name = "re-encryption"

    def __init__(
        self,
        database: Any,
        cipher: PersonalDataCipher,
        fields: Iterable[SealedField],
        *,
        poll_seconds: float = 3600,
        batch: int = 200,
    ) -> None:
        super().__init__(poll_seconds)
        self.database = database
        self.cipher = cipher
        self.fields = tuple(fields)
        self.batch = batch

    async def work_once(self) -> int:
        changed = 0
        for sealed in self.fields:
            collection = self.database[sealed.collection]
            current = f"{PREFIX}:{self.cipher.current_key_id}:"
            # Any ciphertext at the path that is not current (in a list: any item).
            stale = {sealed.query_path: {"$regex": f"^(?!{re.escape(current)})v\\d+:"}}
            documents = (
                await collection.find(stale, {sealed.top: 1}).limit(self.batch).to_list(self.batch)
            )
            for document in documents:
                changed += await self._rewrite(collection, sealed, document)
        return changed

    async def _rewrite(self, collection: Any, sealed: SealedField, document: dict[str, Any]) -> int:
        bound = Binding(sealed.collection, sealed.field, str(document["_id"]))
        old = document.get(sealed.top)
        unreadable: list[str] = []

        def rotate(token: str) -> str:
            try:
                return self.cipher.rotate(token, bound=bound)
            except (InvalidTag, ValueError):
                unreadable.append(token)
                return token

        new = _map_at(old, sealed.path.split(".")[1:], rotate)
        if unreadable:
            VALUES_UNREADABLE.labels(sealed.field).inc(len(unreadable))
            log.warning(
                "ciphertext does not decrypt where it is; left as it is",
                collection=sealed.collection,
                field=sealed.field,
                record_id=str(document["_id"]),
            )
        if new == old:
            return 0
        result = await collection.update_one(
            {"_id": document["_id"], sealed.top: old}, {"$set": {sealed.top: new}}
        )
        if result.modified_count:
            VALUES_REENCRYPTED.labels(sealed.field).inc()
        modified: int = result.modified_count
        return modified


def _map_at(value: Any, steps: list[str], change: Callable[[str], str]) -> Any:
    """`value` with `change` applied to the strings at `steps` below it (`*`: each item)."""
    if not steps:
        return change(value) if isinstance(value, str) else value
    step, rest = steps[0], steps[1:]
    if step == "*":
        return [_map_at(item, rest, change) for item in value] if isinstance(value, list) else value
    if isinstance(value, dict) and step in value:
        return {**value, step: _map_at(value[step], rest, change)}
    return value
