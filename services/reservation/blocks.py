"""Group and corporate blocks: an allotment held for a company or agency at a contracted
rate until its release date, when the rooms nobody picked up go back on sale.

A block holds its rooms on the nightly inventory like a reservation does (holder
`b_<id>`), so the rooms are off general sale from the moment it is agreed; a pick-up
moves a room from the block's hold to the reservation's in one update (see
inventory.py), and the release drops what is left of the block's hold.
"""

from __future__ import annotations

from datetime import date
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, ConfigDict, Field, model_validator

from shared.clock import Clock
from shared.errors import Conflict, NotFound, Unprocessable
from shared.logging import get_logger

from .domain import (
    Code,
    ReservationStatus,
    block_holder,
    holds_of,
    new_reservation_id,
    nights_of,
    request_fingerprint,
)
from .policies import DEFAULT_RATE_PLAN, Amount, local_date
from .repository import ReservationRepository
from .service import ReservationService, StillInFlight, capacity_of, outbox_push

log = get_logger(__name__)
MAX_BLOCK_NIGHTS = 120


class BlockKind(StrEnum):
    GROUP = "group"
    CORPORATE = "corporate"
    AGENCY = "agency"


class BlockCreate(BaseModel):
    model_config = ConfigDict(extra="forbid", str_strip_whitespace=True)
    name: Annotated[str, Field(min_length=1, max_length=120)]
    company: Annotated[str, Field(min_length=1, max_length=120)]
    kind: BlockKind
    room_type: Annotated[str, Field(min_length=1, max_length=40)]
    start: date
    end: date  # like a departure: the last night is the day before
    rooms_per_night: Annotated[int, Field(ge=1, le=500)]
    nightly_rate: Amount  # the contracted rate, per room and night
    release_date: date
    rate_plan: Code | None = None  # whose cancellation and no-show terms apply

    @model_validator(mode="after")
    def dates_in_order(self) -> BlockCreate:
        if self.end <= self.start:
            raise ValueError("end must be after start")
        if (self.end - self.start).days > MAX_BLOCK_NIGHTS:
            raise ValueError(f"a block covers at most {MAX_BLOCK_NIGHTS} nights")
        if self.release_date > self.start:
            raise ValueError("the release date must be on or before the first night")
        return self


class BlockService:
    def __init__(
        self,
        repository: ReservationRepository,
        reservations: ReservationService,
        *,
        clock: Clock,
    ) -> None:
        self.repository = repository
        self.inventory = repository.inventory
        self.reservations = reservations
        self.clock = clock

    async def create_block(
        self, request: BlockCreate, *, idempotency_key: str | None = None
    ) -> tuple[dict[str, Any], bool]:
        room_type = await self.repository.room_type(request.room_type)
        if room_type is None:
            raise Unprocessable(f"unknown room type {request.room_type!r}")
        plan_code = request.rate_plan or DEFAULT_RATE_PLAN
        if await self.repository.rate_plan(plan_code) is None:
            raise Unprocessable(f"unknown rate plan {plan_code!r}")
        if request.start < local_date(self.clock()):
            raise Unprocessable("a block cannot start in the past")
        block_id = new_reservation_id()
        document: dict[str, Any] = {
            "_id": block_id,
            "property_id": self.repository.property_id,
            **request.model_dump(mode="json"),
            "rate_plan": plan_code,
            "status": "pending",
            "created_at": self.clock(),
            "outbox": [],
        }
        if idempotency_key:
            document["idempotency_key"] = f"{self.repository.property_id}|{idempotency_key}"
            document["request_fingerprint"] = request_fingerprint(request.model_dump(mode="json"))
        if not await self.repository.insert_block(document):
            existing = await self.repository.block_by_key(document["idempotency_key"])
            assert existing is not None  # the insert met this very key
            if existing["request_fingerprint"] != document["request_fingerprint"]:
                raise Unprocessable("this Idempotency-Key was used for a different request")
            if existing["status"] == "pending":
                raise StillInFlight("the same block is still being set up; retry shortly")
            return existing, False
        holder = block_holder(block_id)
        holds = holds_of(request.room_type, request.start, request.end, request.rooms_per_night)
        try:
            for key, rooms in sorted(holds.items()):
                if not await self.inventory.resize(key, holder, 0, rooms, capacity_of(room_type)):
                    raise Conflict(
                        f"not {rooms} {room_type['name']} rooms left on {key[1]}", night=key[1]
                    )
        except BaseException:
            for key in holds:
                await self.inventory.release(key, holder)
            await self.repository.delete_block(block_id)
            raise
        opened = await self.repository.update_block(
            {"_id": block_id, "status": "pending"},
            {
                "$set": {"status": "open"},
                "$push": outbox_push(await self.reservations.availability_entries(holds)),
            },
        )
        self.reservations.events_written()
        log.info(
            "block opened", block_id=block_id, rooms=request.rooms_per_night, nights=len(holds)
        )
        assert opened is not None  # only this call moves its own pending block
        return opened, True

    async def get_block(self, block_id: str) -> dict[str, Any]:
        block = await self.repository.block(block_id)
        if block is None:
            raise NotFound(f"no block {block_id!r}")
        return {**block, "nights": await self._nights(block)}

    async def _nights(self, block: dict[str, Any]) -> dict[str, dict[str, int]]:
        """Per night: allotted, picked up, and still held for the block."""
        nights = [
            n.isoformat()
            for n in nights_of(date.fromisoformat(block["start"]), date.fromisoformat(block["end"]))
        ]
        picked = dict.fromkeys(nights, 0)
        _, pickups = await self.repository.search(
            {"block_id": block["_id"], "status": ReservationStatus.CONFIRMED}, 0, 10_000
        )
        for reservation in pickups:
            for night in nights_of(
                date.fromisoformat(reservation["arrival"]),
                date.fromisoformat(reservation["departure"]),
            ):
                picked[night.isoformat()] += reservation["room_count"]
        holder = block_holder(block["_id"])
        held = {key[1]: rooms for key, rooms in (await self.inventory.holds_of(holder)).items()}
        return {
            night: {
                "allotted": block["rooms_per_night"],
                "picked_up": picked[night],
                "held": held.get(night, 0),
            }
            for night in nights
        }

    async def release_block(self, block_id: str) -> dict[str, Any]:
        """Unpicked rooms go back to general inventory. Safe to repeat and to resume."""
        block = await self.repository.block(block_id)
        if block is None:
            raise NotFound(f"no block {block_id!r}")
        if block["status"] == "released":
            return block
        if block["status"] not in ("open", "releasing"):
            raise Conflict(f"block {block_id!r} is {block['status']}")
        await self.repository.update_block(
            {"_id": block_id, "status": "open"}, {"$set": {"status": "releasing"}}
        )
        holder = block_holder(block_id)
        held = await self.inventory.holds_of(holder)
        for key in held:
            await self.inventory.release(key, holder)
        released = await self.repository.update_block(
            {"_id": block_id, "status": "releasing"},
            {
                "$set": {
                    "status": "released",
                    "released_at": self.clock(),
                    "released_rooms": sum(held.values()),
                },
                "$push": outbox_push(await self.reservations.availability_entries(held)),
            },
        )
        self.reservations.events_written()
        log.info("block released", block_id=block_id, rooms_returned=sum(held.values()))
        if released is None:  # released meanwhile by another call: as it stands now
            released = await self.repository.block(block_id)
            assert released is not None  # blocks are never deleted once open
        return released

    async def release_due(self, limit: int = 50) -> int:
        due = await self.repository.blocks_due(local_date(self.clock()).isoformat(), limit)
        for block in due:
            await self.release_block(block["_id"])
        return len(due)
