"""Registration beyond the check-in (issue 18, seed 002 6.2, 6.3, 9.1):

- companions registered on the stay with their own document, checked and kept as the
  guest's is (number encrypted under the stay's id, masked in every answer);
- the guest's details corrected during the stay (6.2(3)); what changed and why is kept,
  never the old or new values (they are personal data);
- at check-out the desk checks the document and the deposit receipt the guest shows
  against the registration (6.3(4), 9.1(2)). Numbers are compared, never echoed, logged or
  stored in clear; a failed check is counted. With REQUIRE_DEPARTURE_CHECK the desk's
  check-out refuses a registered stay whose check has not passed.
"""

from __future__ import annotations

import hmac
from datetime import date
from typing import Annotated, Any

from pydantic import EmailStr, Field, model_validator

from shared.errors import Conflict, Unprocessable
from shared.logging import get_logger
from shared.sensitive import FreeText

from .domain import RegistrationCreate, StayStatus, _Input
from .identity import normalise_document_number
from .records import document_number_binding
from .service import FrontDeskService
from .stay_lookup import in_house_stay

log = get_logger(__name__)
MAX_COMPANIONS = 10


class RegistrationUpdate(_Input):
    first_name: str | None = Field(default=None, min_length=1, max_length=100)
    last_name: str | None = Field(default=None, min_length=1, max_length=100)
    email: EmailStr | None = None
    phone: str | None = Field(default=None, max_length=30)
    reason: Annotated[str, FreeText(200)] = Field(min_length=3)

    @model_validator(mode="after")
    def something_changes(self) -> RegistrationUpdate:
        if not self.model_fields_set - {"reason"}:
            raise ValueError("name at least one detail to change")
        return self


class DepartureCheck(_Input):
    document_number: str = Field(min_length=4, max_length=40, repr=False)
    deposit_receipt: str | None = Field(default=None, max_length=100)


class DepartureCheckFailed(Unprocessable):
    title = "Departure check failed"


def _same(a: str, b: str) -> bool:
    return hmac.compare_digest(a.encode(), b.encode())


class RegistrationDesk:
    def __init__(self, service: FrontDeskService, *, require_departure_check: bool) -> None:
        self.service = service
        self.repository = service.repository
        self.cipher = service.cipher
        self.require_departure_check = require_departure_check

    async def add_companion(self, stay_id: str, companion: RegistrationCreate) -> dict[str, Any]:
        stay = await self._in_house(stay_id)
        today = await self.service.today()
        self.service._check_registration(companion, date.fromisoformat(stay["departure"]), today)
        number = normalise_document_number(companion.document.number)
        existing = stay.get("companions", [])
        if stay.get("registration") and self._number_of(stay, stay["registration"]) == number:
            raise Conflict("this document is the registered guest's own")
        for known in existing:
            if self._number_of(stay, known) == number:
                return self._view(known)  # a repeat: registered once
        if len(existing) >= MAX_COMPANIONS:
            raise Conflict(f"at most {MAX_COMPANIONS} companions on one stay")
        record = {
            **self.service._registration(stay_id, companion),
            "companion_id": f"{stay_id}-c{len(existing) + 1}",
            "registered_at": self.service.clock(),
        }
        for contact in ("email", "phone"):  # the guest's contact suffices for the stay
            record.pop(contact, None)
        saved = await self.repository.update_stay(
            stay_id,
            {"status": StayStatus.IN_HOUSE, "companions": {"$size": len(existing)}}
            if existing
            else {"status": StayStatus.IN_HOUSE, "companions.0": {"$exists": False}},
            {"$push": {"companions": record}},
        )
        if saved is None:  # another companion was added meanwhile: look again
            return await self.add_companion(stay_id, companion)
        log.info("companion registered", stay_id=stay_id, companion_id=record["companion_id"])
        return self._view(record)

    async def companions(self, stay_id: str) -> list[dict[str, Any]]:
        stay = await self.service.get_stay(stay_id)
        return [self._view(c) for c in stay.get("companions", [])]

    async def update_details(self, stay_id: str, update: RegistrationUpdate) -> dict[str, Any]:
        stay = await self._in_house(stay_id)
        if not stay.get("registration"):
            raise Conflict(f"stay {stay_id!r} has no registration to update")
        changes = update.model_dump(exclude_unset=True, exclude={"reason"})
        now = self.service.clock()
        saved = await self.repository.update_stay(
            stay_id,
            {"status": StayStatus.IN_HOUSE},
            {
                "$set": {f"registration.{field}": value for field, value in changes.items()},
                "$push": {
                    "registration_changes": {
                        "at": now,
                        "fields": sorted(changes),
                        "reason": update.reason,
                    }
                },
            },
        )
        if saved is None:
            raise Conflict(f"stay {stay_id!r} is checked out")
        log.info("registration updated", stay_id=stay_id, fields=sorted(changes))
        return {"stay_id": stay_id, "changes": saved.get("registration_changes", [])}

    async def departure_check(self, stay_id: str, shown: DepartureCheck) -> dict[str, Any]:
        stay = await self._in_house(stay_id)
        if not stay.get("registration"):
            raise Conflict(f"stay {stay_id!r} has no registration to check against")
        failures = []
        registered = self._number_of(stay, stay["registration"])
        if not _same(normalise_document_number(shown.document_number), registered or ""):
            failures.append("the document does not match the registration")
        deposits = [p["payment_id"] for p in stay.get("payments", []) if p["kind"] == "deposit"]
        if deposits and not any(_same(shown.deposit_receipt or "", d) for d in deposits):
            failures.append("the deposit receipt does not match the deposit taken")
        if failures:
            await self.repository.update_stay(
                stay_id, {}, {"$inc": {"departure_check_failures": 1}}
            )
            log.warning("departure check failed", stay_id=stay_id, checks=len(failures))
            raise DepartureCheckFailed("; ".join(failures))
        check = {
            "at": self.service.clock(),
            "identity": "matched",
            "deposit_receipt": "matched" if deposits else "no deposit taken",
        }
        await self.repository.update_stay(stay_id, {}, {"$set": {"departure_check": check}})
        return {"stay_id": stay_id, **check}

    async def ensure_checked(self, stay_id: str) -> None:
        """Before the desk settles: a registered stay's departure check must have passed
        (when the property requires it). A stay already settled answers as it is."""
        if not self.require_departure_check:
            return
        stay = await self.service.get_stay(stay_id)
        if (
            stay["status"] == StayStatus.IN_HOUSE
            and stay.get("registration")
            and not stay.get("departure_check")
        ):
            raise Conflict(
                "check the guest's document and deposit receipt first "
                f"(POST /stays/{stay_id}/departure-check)"
            )

    async def _in_house(self, stay_id: str) -> dict[str, Any]:
        return await in_house_stay(self.service.repository, stay_id)

    def _number_of(self, stay: dict[str, Any], record: dict[str, Any]) -> str | None:
        sealed = record.get("document_number_encrypted")
        return (
            self.cipher.decrypt(sealed, bound=document_number_binding(stay["_id"]))
            if sealed
            else None
        )

    @staticmethod
    def _view(record: dict[str, Any]) -> dict[str, Any]:
        return {
            "companion_id": record["companion_id"],
            "first_name": record["first_name"],
            "last_name": record["last_name"],
            "gender": record["gender"],
            "nationality": record["nationality"],
            "document_type": record["document_type"],
            "document_number_masked": record["document_number_masked"],
            "registered_at": record["registered_at"],
        }
