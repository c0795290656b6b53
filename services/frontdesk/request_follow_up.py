"""A guest's request closed by housekeeping's work (issue 12: a finished task never
closed the desk's request nor told the guest).

hk.task.completed names the request its task answered; the desk marks the request done,
adds a notice for the guest to the stay (what the desk, the in-room TV or the phone tells
them) and publishes guest.request_completed for whoever reaches the guest. Once per
request: a redelivered completion finds it done.
"""

from __future__ import annotations

from collections.abc import Callable

from shared.events import GuestRequestCompleted, GuestRequestCompletedPayload, HkTaskCompleted
from shared.logging import get_logger
from shared.outbox import push_outbox

from .records import origin
from .repository import FrontDeskRepository

log = get_logger(__name__)
MESSAGES = {
    "cleaning": "Your room has been cleaned.",
    "amenities": "What you asked for has been brought to your room.",
    "turndown": "Your turndown service is done.",
    "maintenance": "The repair you reported is done.",
}


class RequestFollowUp:
    def __init__(self, repository: FrontDeskRepository, events_written: Callable[[], None]) -> None:
        self.repository = repository
        self.events_written = events_written

    async def task_completed(self, event: HkTaskCompleted) -> bool:
        done = event.payload
        if not done.request_id or event.property_id != self.repository.property_id:
            return False
        stays = await self.repository.stays_where({"requests.request_id": done.request_id})
        if not stays:
            log.info("completed task answers no request of the desk", task_id=done.task_id)
            return False
        stay = stays[0]
        request = next(r for r in stay["requests"] if r["request_id"] == done.request_id)
        if request.get("status") == "done":
            return False
        message = MESSAGES.get(request["kind"], "Your request is done.")
        completed = GuestRequestCompleted.new(
            GuestRequestCompletedPayload(
                request_id=done.request_id,
                stay_id=stay["_id"],
                guest_id=stay["guest_id"],
                room_number=done.room_number,
                kind=request["kind"],
                task_id=done.task_id,
                completed_at=event.occurred_at,
                message=message,
            ),
            **{**origin(stay), **event.caused()},
        )
        updated = await self.repository.update_stay(
            stay["_id"],
            {
                "requests": {
                    "$elemMatch": {"request_id": done.request_id, "status": {"$ne": "done"}}
                }
            },
            {
                "$set": {
                    "requests.$.status": "done",
                    "requests.$.completed_at": event.occurred_at,
                    "requests.$.task_id": done.task_id,
                },
                "$push": {
                    "guest_notices": {
                        "request_id": done.request_id,
                        "message": message,
                        "at": event.occurred_at,
                    },
                    **push_outbox(completed),
                },
            },
        )
        if updated is not None:
            self.events_written()
            log.info(
                "guest request done; guest told", stay_id=stay["_id"], request_id=done.request_id
            )
        return updated is not None
