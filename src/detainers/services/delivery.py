"""The worker's half of the outbox: claim what is due, deliver it, record each attempt, retry.

Delivery is at least once: a message is marked delivered only after the
receiver acknowledged it (a 2xx, an accepted e-mail) and in the same
transaction that claimed it, so a worker that dies mid-batch leaves the
batch to be sent again, under the same key. Failures retry with exponential
backoff and jitter; after the retry budget the message is dead and the
facility's staff get an alarm in their inbox (and by e-mail where set up).
"""

from __future__ import annotations

import random
from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime
from typing import Protocol

from detainers.domain.access import SYSTEM
from detainers.domain.notification import (
    RETRY_BUDGET,
    Attempt,
    Audience,
    Channel,
    Endpoint,
    Message,
    MessageStatus,
    MessageType,
    next_try,
)
from detainers.services import notices
from detainers.services.context import Context
from detainers.services.ports import UnitOfWork


@dataclass(frozen=True, kw_only=True)
class Outgoing:
    """A message with where it goes: a URL (and signing secrets) or an e-mail address."""

    message: Message
    target: str
    secrets: tuple[str, ...] = ()


@dataclass(frozen=True, kw_only=True)
class Delivered:
    message_id: str
    ok: bool
    status_code: int | None = None
    error: str | None = None


class Sender(Protocol):
    def send(self, batch: Sequence[Outgoing], now: datetime) -> Sequence[Delivered]:
        """Try every message of `batch` once; one result per message, in any order."""
        ...


@dataclass(frozen=True, kw_only=True)
class Report:
    claimed: int
    delivered: int
    failed: int
    dead: int


_Where = tuple[Audience, str, Channel]


def _target(
    uow: UnitOfWork, message: Message, now: datetime, endpoints: dict[_Where, Endpoint | None]
) -> Outgoing | None:
    # A batch mostly goes to a few recipients: look each endpoint up once per batch.
    where = (message.audience, message.recipient, message.channel)
    if where not in endpoints:
        endpoints[where] = uow.endpoints.get(*where)
    endpoint = endpoints[where]
    if endpoint is not None:
        return Outgoing(
            message=message, target=endpoint.target, secrets=tuple(endpoint.signing_secrets(now))
        )
    if message.channel is Channel.EMAIL and message.audience is Audience.AGENCY:
        agency = uow.agencies.get(message.recipient)
        if agency is not None and agency.email:
            return Outgoing(message=message, target=agency.email)
    return None


def deliver_due(
    ctx: Context,
    sender: Sender,
    now: datetime,
    *,
    limit: int = 100,
    rng: random.Random | None = None,
) -> Report:
    """Claim up to `limit` due messages, deliver them, and record how each went."""
    rng = rng or random.Random()
    ctx = replace(ctx, caller=SYSTEM)
    with ctx.uow() as uow:
        claimed = list(uow.messages.claim_due(now, limit))
        if not claimed:
            return Report(claimed=0, delivered=0, failed=0, dead=0)
        outgoing: list[Outgoing] = []
        results: dict[str, Delivered] = {}
        endpoints: dict[_Where, Endpoint | None] = {}
        for message in claimed:
            found = _target(uow, message, now, endpoints)
            if found is None:
                results[message.id] = Delivered(
                    message_id=message.id,
                    ok=False,
                    error=f"no {message.channel} endpoint for {message.audience} {message.recipient}",
                )
            else:
                outgoing.append(found)
        for result in sender.send(outgoing, now):
            results[result.message_id] = result
        delivered = failed = dead = 0
        attempts: list[Attempt] = []
        for message in claimed:
            result = results.get(message.id) or Delivered(
                message_id=message.id, ok=False, error="the sender gave no result"
            )
            attempts.append(
                Attempt(
                    message_id=message.id,
                    attempted_at=now,
                    succeeded=result.ok,
                    status_code=result.status_code,
                    error=result.error,
                )
            )
            message.attempts += 1
            if result.ok:
                message.status, message.delivered_at, message.last_error = (
                    MessageStatus.DELIVERED,
                    now,
                    None,
                )
                delivered += 1
            elif message.attempts >= RETRY_BUDGET:
                message.status, message.last_error = MessageStatus.DEAD, result.error
                _alarm(uow, ctx, message, now)
                dead += 1
            else:
                message.due_at = next_try(message.attempts, now, rng)
                message.last_error = result.error
                failed += 1
        # A batch's writes go in one statement each: per message they were most of a round.
        uow.messages.record_attempts(attempts)
        uow.messages.save_all(claimed)
        uow.commit()
    return Report(claimed=len(claimed), delivered=delivered, failed=failed, dead=dead)


def _alarm(uow: UnitOfWork, ctx: Context, message: Message, now: datetime) -> None:
    """Tell the facility concerned that a message died (never about an alarm that died)."""
    if message.type is MessageType.DELIVERY_FAILED:
        return
    detainer = uow.detainers.get(message.subject)
    facility = detainer.facility_code if detainer is not None else message.recipient
    notices.send(
        uow,
        ctx,
        key=f"{message.key}/dead",
        type=MessageType.DELIVERY_FAILED,
        audience=Audience.FACILITY,
        recipient=facility,
        subject=message.subject,
        data={
            "message_id": message.id,
            "message_type": message.type.value,
            "channel": message.channel.value,
            "recipient": f"{message.audience}:{message.recipient}",
            "attempts": message.attempts,
            "last_error": (message.last_error or "")[:300],
        },
        at=now,
    )
