"""The printer behind the channel port: letters go into the daily print batch.

The dispatcher does not hand letters over one by one (a coordinator makes the day's batch:
bot/printer/batches.py); what the port asks of the printer is the meaning of its one report,
"posted", which a confirmed batch gives every letter in it.
"""

from __future__ import annotations

from datetime import datetime

from casework.channels import Outgoing, Receipt, Result, Sent, TemporaryFailure, plain_receipt
from flows.flow import LETTER


class PrinterChannel:
    name = LETTER

    async def send_many(self, messages: list[Outgoing]) -> dict[str, Result]:
        # Taken into the next print batch; posted (delivered) once the batch is confirmed.
        return {m.idempotency_key: Sent(f"letter-{m.idempotency_key}") for m in messages}

    async def find(self, message: Outgoing, since: datetime) -> Sent | TemporaryFailure | None:
        return None  # a letter is in a batch or not: casework/letters.py knows, not a provider

    def receipt(self, status: str, error: str | None) -> Receipt:
        return plain_receipt(status, error)  # "delivered" = the batch went to the post
