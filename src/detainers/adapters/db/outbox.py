"""Repositories for the outbox (messages and their delivery attempts), timers and endpoints.

Claiming uses `FOR UPDATE SKIP LOCKED` on PostgreSQL: several workers share a
queue, each row goes to one of them, and a worker that dies releases its rows
with its connection (so they are delivered again: at least once). SQLite has
one writer at a time, and one worker.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, and_, bindparam, insert, or_, select, update
from sqlalchemy.exc import IntegrityError

from detainers.adapters.db import tables as t
from detainers.domain.notification import (
    Attempt,
    Audience,
    Channel,
    Endpoint,
    Message,
    MessageStatus,
    MessageType,
    Timer,
    TimerKind,
)


def _message_row(m: Message) -> dict[str, Any]:
    return {
        "id": m.id,
        "key": m.key,
        "type": m.type.value,
        "audience": m.audience.value,
        "recipient": m.recipient,
        "channel": m.channel.value,
        "subject": m.subject,
        "data": dict(m.data),
        "created_at": m.created_at,
        "due_at": m.due_at,
        "status": m.status.value,
        "attempts": m.attempts,
        "last_error": m.last_error,
        "delivered_at": m.delivered_at,
        "reason": m.reason,
        "acknowledged_at": m.acknowledged_at,
        "acknowledged_by": m.acknowledged_by,
    }


# Built once: a statement made anew per row costs more Python than the round trip. The
# rows' keys name the columns to set; `message_id` picks the row.
_SAVE_MESSAGE = update(t.message).where(t.message.c.id == bindparam("message_id"))
_INSERT_ATTEMPT = insert(t.delivery_attempt)


def _saved_message_row(m: Message) -> dict[str, Any]:
    values = _message_row(m)
    values["message_id"] = values.pop("id")
    return values


def _message_from(row: Any) -> Message:
    r = row._mapping
    return Message(
        id=r["id"],
        key=r["key"],
        type=MessageType(r["type"]),
        audience=Audience(r["audience"]),
        recipient=r["recipient"],
        channel=Channel(r["channel"]),
        subject=r["subject"],
        data=dict(r["data"]),
        created_at=r["created_at"],
        due_at=r["due_at"],
        status=MessageStatus(r["status"]),
        attempts=r["attempts"],
        last_error=r["last_error"],
        delivered_at=r["delivered_at"],
        reason=r["reason"],
        acknowledged_at=r["acknowledged_at"],
        acknowledged_by=r["acknowledged_by"],
    )


def _timer_from(row: Any) -> Timer:
    r = row._mapping
    return Timer(
        id=r["id"],
        key=r["key"],
        kind=TimerKind(r["kind"]),
        detainer_id=r["detainer_id"],
        due_at=r["due_at"],
        data=dict(r["data"]),
        fired_at=r["fired_at"],
    )


def _endpoint_from(row: Any) -> Endpoint:
    r = row._mapping
    return Endpoint(
        id=r["id"],
        audience=Audience(r["audience"]),
        owner_code=r["owner_code"],
        channel=Channel(r["channel"]),
        target=r["target"],
        secret=r["secret"],
        updated_at=r["updated_at"],
        previous_secret=r["previous_secret"],
        previous_until=r["previous_until"],
    )


def _insert_new(conn: Connection, statement: Any) -> bool:
    """Run an insert inside a savepoint; False if a unique key says it is already there."""
    try:
        with conn.begin_nested():
            conn.execute(statement)
    except IntegrityError:
        return False
    return True


class SqlMessages:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, message: Message) -> bool:
        exists = self._conn.execute(
            select(t.message.c.id).where(t.message.c.key == message.key)
        ).first()
        if exists is not None:
            return False
        return _insert_new(self._conn, insert(t.message).values(**_message_row(message)))

    def get(self, message_id: str) -> Message | None:
        row = self._conn.execute(select(t.message).where(t.message.c.id == message_id)).first()
        return None if row is None else _message_from(row)

    def save(self, message: Message) -> None:
        self.save_all([message])

    def save_all(self, messages: Sequence[Message]) -> None:
        if messages:
            self._conn.execute(_SAVE_MESSAGE, [_saved_message_row(m) for m in messages])

    def claim_due(self, now: datetime, limit: int) -> Sequence[Message]:
        rows = self._conn.execute(
            select(t.message)
            .where(
                t.message.c.status == MessageStatus.PENDING.value,
                t.message.c.due_at <= now,
            )
            .order_by(t.message.c.due_at, t.message.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [_message_from(r) for r in rows]

    def record_attempts(self, attempts: Sequence[Attempt]) -> None:
        if not attempts:
            return
        self._conn.execute(
            _INSERT_ATTEMPT,
            [
                {
                    "message_id": a.message_id,
                    "attempted_at": a.attempted_at,
                    "succeeded": a.succeeded,
                    "status_code": a.status_code,
                    "error": a.error,
                }
                for a in attempts
            ],
        )

    def attempts(self, message_id: str) -> Sequence[Attempt]:
        rows = self._conn.execute(
            select(t.delivery_attempt)
            .where(t.delivery_attempt.c.message_id == message_id)
            .order_by(t.delivery_attempt.c.id)
        )
        return [
            Attempt(
                message_id=r.message_id,
                attempted_at=r.attempted_at,
                succeeded=r.succeeded,
                status_code=r.status_code,
                error=r.error,
            )
            for r in rows
        ]

    def for_subject(self, subject: str) -> Sequence[Message]:
        rows = self._conn.execute(
            select(t.message)
            .where(t.message.c.subject == subject)
            .order_by(t.message.c.created_at, t.message.c.id)
        )
        return [_message_from(r) for r in rows]

    def inbox(
        self, audience: Audience, recipient: str, *, open_only: bool, after: str | None, limit: int
    ) -> Sequence[Message]:
        m = t.message
        query = (
            select(m)
            .where(
                m.c.audience == audience.value,
                m.c.recipient == recipient,
                m.c.channel == Channel.INBOX.value,
            )
            # Ids are random: newest first is by time, the id only breaking ties.
            .order_by(m.c.created_at.desc(), m.c.id.desc())
            .limit(limit)
        )
        if open_only:
            query = query.where(m.c.acknowledged_at.is_(None))
        if after is not None:
            anchor = select(m.c.created_at).where(m.c.id == after).scalar_subquery()
            query = query.where(
                or_(m.c.created_at < anchor, and_(m.c.created_at == anchor, m.c.id < after))
            )
        return [_message_from(r) for r in self._conn.execute(query)]

    def close_tasks(self, subject: str, at: datetime, by: str) -> int:
        m = t.message
        result = self._conn.execute(
            update(m)
            .where(
                m.c.subject == subject,
                m.c.channel == Channel.INBOX.value,
                m.c.type == MessageType.HOLD_DEADLINE.value,
                m.c.acknowledged_at.is_(None),
            )
            .values(acknowledged_at=at, acknowledged_by=by)
        )
        return result.rowcount


class SqlTimers:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, timer: Timer) -> bool:
        exists = self._conn.execute(select(t.timer.c.id).where(t.timer.c.key == timer.key)).first()
        if exists is not None:
            return False
        return _insert_new(
            self._conn,
            insert(t.timer).values(
                id=timer.id,
                key=timer.key,
                kind=timer.kind.value,
                detainer_id=timer.detainer_id,
                due_at=timer.due_at,
                data=dict(timer.data),
                fired_at=timer.fired_at,
            ),
        )

    def claim_due(self, now: datetime, limit: int) -> Sequence[Timer]:
        rows = self._conn.execute(
            select(t.timer)
            .where(t.timer.c.fired_at.is_(None), t.timer.c.due_at <= now)
            .order_by(t.timer.c.due_at, t.timer.c.id)
            .limit(limit)
            .with_for_update(skip_locked=True)
        )
        return [_timer_from(r) for r in rows]

    def save(self, timer: Timer) -> None:
        self._conn.execute(
            update(t.timer).where(t.timer.c.id == timer.id).values(fired_at=timer.fired_at)
        )

    def for_detainer(self, detainer_id: str) -> Sequence[Timer]:
        rows = self._conn.execute(
            select(t.timer).where(t.timer.c.detainer_id == detainer_id).order_by(t.timer.c.due_at)
        )
        return [_timer_from(r) for r in rows]


class SqlEndpoints:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def put(self, endpoint: Endpoint) -> None:
        e = t.endpoint
        values = {
            "audience": endpoint.audience.value,
            "owner_code": endpoint.owner_code,
            "channel": endpoint.channel.value,
            "target": endpoint.target,
            "secret": endpoint.secret,
            "previous_secret": endpoint.previous_secret,
            "previous_until": endpoint.previous_until,
            "updated_at": endpoint.updated_at,
        }
        changed = self._conn.execute(update(e).where(e.c.id == endpoint.id).values(**values))
        if changed.rowcount == 0:
            self._conn.execute(insert(e).values(id=endpoint.id, **values))

    def get(self, audience: Audience, owner_code: str, channel: Channel) -> Endpoint | None:
        e = t.endpoint
        row = self._conn.execute(
            select(e).where(
                e.c.audience == audience.value,
                e.c.owner_code == owner_code,
                e.c.channel == channel.value,
            )
        ).first()
        return None if row is None else _endpoint_from(row)

    def for_owner(self, audience: Audience, owner_code: str) -> Sequence[Endpoint]:
        e = t.endpoint
        rows = self._conn.execute(
            select(e)
            .where(e.c.audience == audience.value, e.c.owner_code == owner_code)
            .order_by(e.c.channel)
        )
        return [_endpoint_from(r) for r in rows]
