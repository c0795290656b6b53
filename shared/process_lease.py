"""This process's claim to be alive, so that others can tell work it left half-done from
work it is still doing.

Work that spans several writes (a booking holding its nights, an amendment, a POST holding
its Idempotency-Key) records the owner it runs under. The owner renews a lease document
every third of its term and deletes it on a clean stop. Anyone may repair that work as
soon as the owner's lease has lapsed, instead of after a fixed age: a client retrying
after a crash gets on within seconds, while a slow but live process is left alone.

With INSTANCE_NAME set (one process per name: make run and compose give each service
its own), a restarted process also knows its predecessor is dead and takes over what it
left at once, without waiting for the lease to run out.
"""

from __future__ import annotations

import contextlib
import time
import uuid
from typing import Any

from shared.worker import PollingWorker

COLLECTION = "process_leases"


class ProcessLease(PollingWorker):
    name = "process-lease"

    def __init__(
        self, database: Any, *, term_seconds: float, instance_name: str | None = None
    ) -> None:
        super().__init__(poll_seconds=term_seconds / 3)
        self.leases = database[COLLECTION]
        self.term_seconds = term_seconds
        self.instance_name = instance_name
        # Wall-clock epoch seconds, not the property clock: tests move the hotel's time.
        self.owner = f"{instance_name or 'process'}#{uuid.uuid4().hex[:12]}"

    async def renew(self) -> None:
        await self.leases.update_one(
            {"_id": self.owner},
            {"$set": {"expires_at": time.time() + self.term_seconds}},
            upsert=True,
        )

    async def work_once(self) -> int:
        await self.renew()
        return 0  # nothing queued behind: wait a third of the term

    async def release(self) -> None:
        """A clean stop: whatever this process still owns is abandoned now."""
        await self.stop_loop()
        with contextlib.suppress(Exception):
            await self.leases.delete_one({"_id": self.owner})

    async def lapsed(self, owner: str | None) -> bool:
        """True when `owner` is certainly not working any more. Unknown (None) is not
        certain: such work is left to the age-based safety net."""
        if owner is None:
            return False
        if owner == self.owner:
            return False
        instance, _, _ = owner.partition("#")
        if self.instance_name and instance == self.instance_name:
            return True  # this instance's predecessor: it died or stopped
        lease = await self.leases.find_one({"_id": owner})
        return lease is None or lease["expires_at"] < time.time()
