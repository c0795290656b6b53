"""Campaign messages a change queues: recorded for the e-mail/SMS adapter, only with
consent, naming the guest and the channel, never the address."""

from __future__ import annotations

from typing import Any

from .care import GREETING_TEMPLATES
from .domain import contact_channel
from .guest_store_context import GuestStoreContext


class GuestMessages(GuestStoreContext):
    async def _record_message(self, guest: dict[str, Any], action: dict[str, str]) -> None:
        """Queues a campaign message for the e-mail/SMS adapter, only with consent. The
        record names the guest and the channel, never the address."""
        profile = guest.get("profile") or {}
        channel = contact_channel(profile)
        if channel is None:
            return
        channels = [channel]
        # greetings go by SMS as well as e-mail (issue 18, seed 000 二(二)); the SMS copy
        # has an id of its own, so each channel sends once
        if action["template"] in GREETING_TEMPLATES and channel == "email" and profile.get("phone"):
            channels.append("sms")
        for each in channels:
            if await self.repository.record_message(
                {
                    "_id": action["action_id"] if each == channel else f"{action['action_id']}|sms",
                    "guest_id": guest["_id"],
                    "channel": each,
                    "template": action["template"],
                    "status": "queued",
                    "created_at": self.clock(),
                    "property_id": guest.get("property_id"),
                }
            ):
                self.messages_queued()
