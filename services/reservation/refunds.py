"""Refunds paid, not only computed (issue 18, seed 002 3.3(4)).

A cancellation, a no-show or a walk (issue 18) whose terms leave money to give back marks
the booking `refund_due` in the same write that closes it. The payer sends the refund to
the payment provider against the booking's payment token, with the refund id
`refund-<reservation>` as the provider's idempotency key, then records the provider's
receipt on the booking and clears the mark. If it dies between the two, the next pass
asks again with the same id and the provider answers with the first receipt: paid once
(shared/payments.py). A booking without a token (cash, bank transfer) is marked for the
cashier to pay.
"""

from __future__ import annotations

from dataclasses import asdict
from decimal import Decimal
from typing import Any

from shared.clock import Clock
from shared.crypto import PersonalDataCipher
from shared.logging import get_logger
from shared.payments import PAYMENT_ERRORS, PaymentGateway, RefundRequest
from shared.worker import PollingWorker

from .service import payment_token_binding

log = get_logger(__name__)


def refund_id(reservation_id: str) -> str:
    return f"refund-{reservation_id}"


class RefundPayer(PollingWorker):
    name = "refund-payer"

    def __init__(
        self,
        database: Any,
        gateway: PaymentGateway,
        cipher: PersonalDataCipher,
        *,
        clock: Clock,
        poll_seconds: float = 10.0,
        batch_size: int = 50,
    ) -> None:
        super().__init__(poll_seconds)
        self.reservations = database["reservations"]
        self.gateway = gateway
        self.cipher = cipher
        self.clock = clock
        self.batch_size = batch_size

    async def prepare(self) -> None:
        await self.reservations.create_index("refund_due", sparse=True)

    async def work_once(self) -> int:
        due = (
            await self.reservations.find({"refund_due": True}, {"outbox": 0})
            .limit(self.batch_size)
            .to_list(None)
        )
        paid = 0
        for reservation in due:
            paid += await self._refund(reservation)
        return paid

    async def _refund(self, reservation: dict[str, Any]) -> int:
        closed = (
            reservation.get("cancellation")
            or reservation.get("no_show")
            or reservation.get("walk")  # walked to a partner hotel: all paid goes back
            or {}
        )
        amount = Decimal(closed.get("refund", "0"))
        token = (reservation.get("payment") or {}).get("token_encrypted")
        if not token:
            await self._record(reservation, {"status": "to_pay_by_hand", "amount": str(amount)})
            return 1
        request = RefundRequest(
            refund_id=refund_id(reservation["_id"]),
            token=self.cipher.decrypt(token, bound=payment_token_binding(reservation["_id"])),
            amount=amount,
            currency=reservation["currency"],
            reason=closed.get("reason") or reservation["status"],
        )
        try:
            receipt = await self.gateway.refund(request)
        except PAYMENT_ERRORS as error:
            await self.reservations.update_one(
                {"_id": reservation["_id"]},
                {"$set": {"refund_error": type(error).__name__}, "$inc": {"refund_attempts": 1}},
            )
            log.warning("refund not paid; will retry", reservation_id=reservation["_id"])
            return 0
        await self._record(reservation, {"status": "paid", **asdict(receipt)})
        log.info("refund paid", reservation_id=reservation["_id"], amount=str(amount))
        return 1

    async def _record(self, reservation: dict[str, Any], payment: dict[str, Any]) -> None:
        await self.reservations.update_one(
            {"_id": reservation["_id"], "refund_due": True},
            {
                "$set": {"refund_payment": {**payment, "recorded_at": self.clock()}},
                "$unset": {"refund_due": "", "refund_error": ""},
            },
        )
