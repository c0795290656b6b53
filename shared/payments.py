"""Money back to a guest through the payment provider: the interface and the local
provider used by `make run` and the tests.

A booking keeps only the provider's token for the guest's card (never the card number);
a refund is asked for against that token. A real provider (UnionPay, Alipay, WeChat Pay,
Stripe, Adyen...) plugs in behind `PaymentGateway`: `refund` sends `refund_id` as the
provider's idempotency key (Stripe's Idempotency-Key, Alipay's out_request_no, WeChat
Pay's out_refund_no), so asking twice for one refund pays it once; it returns the
provider's reference, and raises one of `PAYMENT_ERRORS` when the provider cannot be
reached, so the caller retries later with the same `refund_id`.
"""

from __future__ import annotations

import asyncio
import json
from dataclasses import asdict, dataclass
from datetime import UTC, datetime
from decimal import Decimal
from pathlib import Path
from typing import Protocol

from shared.crypto import mask

PAYMENT_ERRORS = (OSError, ConnectionError, TimeoutError)


@dataclass(frozen=True)
class RefundRequest:
    refund_id: str  # stable per refund: the provider's idempotency key
    token: str  # the provider's token for the guest's payment method
    amount: Decimal
    currency: str
    reason: str


@dataclass(frozen=True)
class RefundReceipt:
    refund_id: str
    provider_reference: str
    amount: str
    currency: str
    paid_at: str


class PaymentGateway(Protocol):
    async def refund(self, request: RefundRequest) -> RefundReceipt: ...


class LocalPaymentGateway:
    """Records each refund as a JSON line (the token masked): the local stand-in for the
    provider's ledger. The same refund_id asked again returns the first receipt and pays
    nothing more, as a provider honouring an idempotency key does."""

    def __init__(self, path: str | Path) -> None:
        self.path = Path(path)
        self._lock = asyncio.Lock()

    async def refund(self, request: RefundRequest) -> RefundReceipt:
        if request.amount <= 0:
            raise ValueError("a refund is a positive amount")
        async with self._lock:
            return await asyncio.to_thread(self._pay_once, request)

    def paid(self) -> list[dict[str, str]]:
        if not self.path.exists():
            return []
        lines = self.path.read_text(encoding="utf-8").splitlines()
        return [json.loads(line) for line in lines if line.strip()]

    def _pay_once(self, request: RefundRequest) -> RefundReceipt:
        for entry in self.paid():
            if entry["refund_id"] == request.refund_id:
                return RefundReceipt(**{k: entry[k] for k in RefundReceipt.__dataclass_fields__})
        receipt = RefundReceipt(
            refund_id=request.refund_id,
            provider_reference=f"local-{len(self.paid()) + 1:06d}",
            amount=str(request.amount),
            currency=request.currency,
            paid_at=datetime.now(UTC).isoformat(),
        )
        line = {**asdict(receipt), "token": mask(request.token), "reason": request.reason}
        self.path.parent.mkdir(parents=True, exist_ok=True)
        with self.path.open("a", encoding="utf-8") as out:
            out.write(json.dumps(line, ensure_ascii=False) + "\n")
        return receipt
