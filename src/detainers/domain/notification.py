"""Notifications: messages the system owes someone, and timers that make it owe them later.

A `Message` is written in the same transaction as the change that causes it
(the transactional outbox) and delivered at least once by a worker; its `key`
stays the same across redeliveries so receivers can drop duplicates. A
`Timer` is a deadline kept as a row (a hold's alarms, a release notice's lead
time); the worker fires what is due, including what fell due while it was
down. Envelopes carry opaque ids only: no names, dates of birth or identifiers.
"""

from __future__ import annotations

import random
from dataclasses import dataclass, field
from datetime import datetime, timedelta

from detainers.domain._enum import DocumentedEnum


class Channel(DocumentedEnum):
    WEBHOOK = "webhook", "an HTTPS POST of a signed CloudEvent to the recipient's endpoint"
    EMAIL = "email", "an e-mail over SMTP to the recipient's address"
    INBOX = "inbox", "the recipient's in-app inbox, read over the API and acknowledged there"


class Audience(DocumentedEnum):
    AGENCY = "agency", "an agency (field office), by its code"
    FACILITY = "facility", "a facility's staff, by the facility's code"


class MessageType(DocumentedEnum):
    """CloudEvents `type` values (reverse-DNS style, versioned by name)."""

    DETAINER_LODGED = "org.detainers.detainer.lodged", "a detainer awaits the facility's review"
    DECISION_RECORDED = (
        "org.detainers.detainer.decision_recorded",
        "the facility recorded its decision (read it, with reasons and remedies, over the API)",
    )
    DETAINER_AMENDED = (
        "org.detainers.detainer.amended",
        "the agency changed the terms; review again",
    )
    DETAINER_CANCELLED = (
        "org.detainers.detainer.cancelled",
        "the agency withdrew the detainer; any hold on it ended at once",
    )
    RELEASE_NOTICE = "org.detainers.release.notice", "the person's release date and time"
    RELEASE_NOTICE_CORRECTED = (
        "org.detainers.release.notice_corrected",
        "the release date changed since the last notice (or the release is off)",
    )
    HOLD_STARTED = "org.detainers.hold.started", "a hold began; its deadline is fixed"
    HOLD_ALARM = "org.detainers.hold.alarm", "a hold's deadline is near (24, 4 or 1 hours)"
    HOLD_DEADLINE = (
        "org.detainers.hold.deadline",
        "a hold's deadline has come: release or transfer now (a task that stays open)",
    )
    HOLD_OVERDUE = (
        "org.detainers.hold.overdue",
        "VIOLATION: a hold is open past its deadline (repeated every 15 minutes)",
    )
    PERSON_NOTICE = (
        "org.detainers.person_notice.due",
        "the law requires giving the person a written notice; a printable copy is ready",
    )
    DELIVERY_FAILED = (
        "org.detainers.delivery.failed",
        "a message could not be delivered after every retry; it needs a person",
    )


class MessageStatus(DocumentedEnum):
    PENDING = "pending", "waiting to be delivered (or retried)"
    DELIVERED = "delivered", "the recipient acknowledged it (a 2xx answer, an accepted e-mail)"
    DEAD = "dead", "every retry failed; an alarm was raised"
    WITHHELD = (
        "withheld",
        "not sent, because the law or the decision forbids it (the reason says why)",
    )


class TimerKind(DocumentedEnum):
    RELEASE_NOTICE = "release_notice", "send the release notice its lead time before release"
    HOLD_ALARM = "hold_alarm", "warn staff that a hold's deadline is near"
    HOLD_DEADLINE = "hold_deadline", "a hold's deadline: raise the release task"
    HOLD_OVERDUE = "hold_overdue", "a hold still open after its deadline: record it and alarm again"


@dataclass(kw_only=True)
class Message:
    """One message to one recipient over one channel."""

    id: str
    key: str
    type: MessageType
    audience: Audience
    recipient: str
    channel: Channel
    subject: str
    data: dict[str, str | int | None]
    created_at: datetime
    due_at: datetime
    status: MessageStatus = MessageStatus.PENDING
    attempts: int = 0
    last_error: str | None = None
    delivered_at: datetime | None = None
    reason: str | None = None
    acknowledged_at: datetime | None = None
    acknowledged_by: str | None = None


@dataclass(frozen=True, kw_only=True)
class Attempt:
    """One try at delivering a message: when, how it went, and why not."""

    message_id: str
    attempted_at: datetime
    succeeded: bool
    error: str | None = None
    status_code: int | None = None


@dataclass(kw_only=True)
class Timer:
    id: str
    key: str
    kind: TimerKind
    detainer_id: str
    due_at: datetime
    data: dict[str, str | int | None] = field(default_factory=dict)
    fired_at: datetime | None = None


# Retries: exponential from 5 s, full jitter, capped at 15 minutes; eight tries, then dead.
RETRY_BASE = timedelta(seconds=5)
RETRY_CAP = timedelta(minutes=15)
RETRY_BUDGET = 8


def next_try(attempts: int, now: datetime, rng: random.Random) -> datetime:
    """When to try again after `attempts` failures ("full jitter" exponential backoff)."""
    ceiling = min(RETRY_CAP, RETRY_BASE * (2 ** max(0, attempts - 1)))
    return now + timedelta(seconds=rng.uniform(0.5, 1.0) * ceiling.total_seconds())


HOLD_ALARMS = (timedelta(hours=24), timedelta(hours=4), timedelta(hours=1))
OVERDUE_REPEAT = timedelta(minutes=15)
DEFAULT_NOTICE_LEAD = timedelta(hours=48)


@dataclass(kw_only=True)
class Endpoint:
    """Where an agency's or facility's messages go on one channel (a URL or an e-mail address).

    Webhook secrets rotate without downtime: after a change the previous secret
    also signs until `previous_until`, so receivers can switch at their pace.
    """

    id: str
    audience: Audience
    owner_code: str
    channel: Channel
    target: str
    secret: str | None
    updated_at: datetime
    previous_secret: str | None = None
    previous_until: datetime | None = None

    def signing_secrets(self, now: datetime) -> list[str]:
        secrets = [self.secret] if self.secret else []
        if self.previous_secret and self.previous_until and now < self.previous_until:
            secrets.append(self.previous_secret)
        return secrets


SECRET_OVERLAP = timedelta(hours=24)
