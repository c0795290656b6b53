"""A property's physical set-up (room types and rooms), read by each service at start.

This is configuration, not a business rule: reservation turns it into inventory, front
desk into rooms to allocate, housekeeping into rooms to keep. Each service copies what
it needs into its own database; none reads another's. `PROPERTY_FILE` points to another
property's file; the default is the demo hotel.
"""

from __future__ import annotations

from decimal import Decimal
from functools import cache
from pathlib import Path

from pydantic import BaseModel, ConfigDict

DEMO_PROPERTY_FILE = Path(__file__).with_name("demo_property.json")


class RoomSetup(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    number: str
    floor: int
    features: tuple[str, ...] = ()


class RoomTypeSetup(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    code: str
    name: str
    bed: str
    max_occupancy: int
    nightly_rate: Decimal
    rooms: tuple[RoomSetup, ...]


class PropertySetup(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)
    property_id: str
    name: str
    currency: str
    room_types: tuple[RoomTypeSetup, ...]

    def room_type(self, code: str) -> RoomTypeSetup | None:
        return next((room_type for room_type in self.room_types if room_type.code == code), None)

    def known_room_type(self, code: str) -> RoomTypeSetup:
        """A room type the caller knows exists (a room's, a booking's): KeyError if not."""
        room_type = self.room_type(code)
        if room_type is None:
            raise KeyError(f"no room type {code!r} in the property's set-up")
        return room_type


@cache
def load_property(path: str | None = None) -> PropertySetup:
    file = Path(path) if path else DEMO_PROPERTY_FILE
    return PropertySetup.model_validate_json(file.read_text())
