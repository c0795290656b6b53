"""The scan or photo of the registered guest's ID document (issue 18, seed 002 6.3(2)),
kept encrypted with the same reveal and audit rules as the ID number.

The image is encrypted under the stay's id (a copy moved to another record does not
decrypt), never logged, never in an event. Reading it back needs `?reveal=true` with a
reason, and each reveal is in the audit log before the image leaves. Retention erases the
image with the rest of the registration (the `departure` it carries dates it).
"""

from __future__ import annotations

import base64
import binascii
from typing import Any, Literal

from pydantic import Field

from shared.crypto import Binding, PersonalDataCipher
from shared.errors import Conflict, NotFound, Unprocessable

from .domain import _Input
from .service import FrontDeskService

MAX_SCAN_BYTES = 2 * 1024 * 1024
MAGIC = {"image/jpeg": b"\xff\xd8\xff", "image/png": b"\x89PNG\r\n\x1a\n"}
COLLECTION = "id_scans"


class IdScanUpload(_Input):
    content_type: Literal["image/jpeg", "image/png"]
    data_base64: str = Field(min_length=8, max_length=(MAX_SCAN_BYTES * 4) // 3 + 8, repr=False)


def _binding(stay_id: str) -> Binding:
    # The scan decrypts only as this stay's ID scan (shared/crypto.py).
    return Binding("id_scans", "image", stay_id)


class IdScans:
    def __init__(self, service: FrontDeskService, database: Any, cipher: PersonalDataCipher):
        self.service = service
        self.scans = database[COLLECTION]
        self.cipher = cipher

    async def keep(self, stay_id: str, upload: IdScanUpload, taken_by: str) -> dict[str, Any]:
        stay = await self.service.get_stay(stay_id)
        if not stay.get("registration"):
            raise Conflict(f"stay {stay_id!r} has no registration to attach a scan to")
        try:
            image = base64.b64decode(upload.data_base64, validate=True)
        except (binascii.Error, ValueError):
            raise Unprocessable("data_base64 is not base64") from None
        if len(image) > MAX_SCAN_BYTES:
            raise Unprocessable(f"a scan is at most {MAX_SCAN_BYTES} bytes")
        if not image.startswith(MAGIC[upload.content_type]):
            raise Unprocessable(f"the data is not a {upload.content_type} image")
        record = {
            "_id": stay_id,
            "content_type": upload.content_type,
            "size": len(image),
            "image_encrypted": self.cipher.encrypt(
                base64.b64encode(image).decode(), bound=_binding(stay_id)
            ),
            "taken_by": taken_by,
            "taken_at": self.service.clock(),
            "departure": stay["departure"],  # what retention dates it by
            "guest_id": stay["guest_id"],  # what erasure finds it by
        }
        await self.scans.replace_one({"_id": stay_id}, record, upsert=True)  # a rescan replaces
        return self.metadata(record)

    async def find(self, stay_id: str) -> dict[str, Any]:
        record = await self.scans.find_one({"_id": stay_id})
        if record is None or not record.get("image_encrypted"):
            raise NotFound(f"stay {stay_id!r} has no ID scan")
        return record

    def image(self, record: dict[str, Any]) -> bytes:
        """The image in clear: only for an audited reveal."""
        sealed = record["image_encrypted"]
        return base64.b64decode(self.cipher.decrypt(sealed, bound=_binding(record["_id"])))

    @staticmethod
    def metadata(record: dict[str, Any]) -> dict[str, Any]:
        return {
            "stay_id": record["_id"],
            "content_type": record["content_type"],
            "size": record["size"],
            "taken_by": record["taken_by"],
            "taken_at": record["taken_at"],
            "revealed": False,
        }
