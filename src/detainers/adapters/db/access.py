"""Repositories for accounts, sessions, API keys, idempotency records and the audit chain.

Appending to the audit chain locks its one-row head (`SELECT ... FOR UPDATE`
on PostgreSQL; SQLite serialises writers anyway), so records are sealed one
after another even with several workers, inside the writer's own transaction.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import fields
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, bindparam, delete, insert, select, text, update

from detainers.adapters.db import tables as t
from detainers.adapters.db.repositories import versioned_update
from detainers.domain.access import ApiKey, Role, Session, User
from detainers.domain.audit import (
    AuditEntry,
    AuditRecord,
    Outcome,
    canonical_around_chain,
    seal,
)
from detainers.services.ports import IdempotencyRecord

_ENTRY_FIELDS = tuple(f.name for f in fields(AuditEntry))

# Statements run on every request, built once (SQLAlchemy then compiles each once).
_KEY_BY_PREFIX = select(t.api_key).where(t.api_key.c.prefix == bindparam("prefix"))
_HEAD = t.audit_head
_LOCK_HEAD = select(_HEAD.c.seq, _HEAD.c.hash).where(_HEAD.c.id == 1).with_for_update()
_MOVE_HEAD = (
    update(_HEAD)
    .where(_HEAD.c.id == 1)
    .values(
        seq=bindparam("head_seq", type_=_HEAD.c.seq.type),
        hash=bindparam("head_hash", type_=_HEAD.c.hash.type),
    )
)
# PostgreSQL: the head is locked, the record sealed and inserted and the head moved in
# one statement, the hash computed by the database from the canonical text around the
# two values only the head knows (`canonical_around_chain`). Nothing in Python runs
# while the head is held, so writers queued behind it wait only for the statement and
# the commit. SQLite serialises writers itself and seals in Python.
_APPEND = text(
    # The names are the entry's own fields; every value is a bound parameter.
    f"""
    WITH head AS (
        SELECT seq + 1 AS seq, hash AS previous_hash FROM audit_head WHERE id = 1 FOR UPDATE
    ), sealed AS (
        SELECT seq, previous_hash, encode(sha256(convert_to(
            :before || previous_hash || :between || seq::text || '}}', 'UTF8')), 'hex') AS hash
        FROM head
    ), inserted AS (
        INSERT INTO audit_record ({", ".join(_ENTRY_FIELDS)}, seq, previous_hash, hash)
        SELECT {", ".join(f":{name}" for name in _ENTRY_FIELDS)}, seq, previous_hash, hash
        FROM sealed
    )
    UPDATE audit_head SET seq = sealed.seq, hash = sealed.hash FROM sealed
    WHERE audit_head.id = 1
    RETURNING sealed.seq, sealed.previous_hash, sealed.hash
    """  # noqa: S608
).bindparams(bindparam("at", type_=t.audit_record.c.at.type))

_SAVE_SESSION = update(t.user_session).where(t.user_session.c.id == bindparam("key"))


def _user_from(row: Any) -> User:
    values = dict(row._mapping)
    values["role"] = Role(values["role"])
    return User(**values)


def _key_from(row: Any) -> ApiKey:
    values = dict(row._mapping)
    values["role"] = Role(values["role"])
    return ApiKey(**values)


def _record_from(row: Any) -> AuditRecord:
    m = row._mapping
    values = {name: m[name] for name in _ENTRY_FIELDS}
    values["outcome"] = Outcome(values["outcome"])
    return AuditRecord(
        seq=m["seq"], entry=AuditEntry(**values), previous_hash=m["previous_hash"], hash=m["hash"]
    )


class SqlUsers:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, user: User) -> None:
        values = {f.name: getattr(user, f.name) for f in fields(User)}
        self._conn.execute(insert(t.app_user), values)

    def get(self, user_id: str) -> User | None:
        row = self._conn.execute(select(t.app_user).where(t.app_user.c.id == user_id)).first()
        return None if row is None else _user_from(row)

    def by_username(self, username: str) -> User | None:
        row = self._conn.execute(
            select(t.app_user).where(t.app_user.c.username == username)
        ).first()
        return None if row is None else _user_from(row)

    def save(self, user: User) -> None:
        versioned_update(
            self._conn,
            t.app_user,
            {f.name: getattr(user, f.name) for f in fields(User) if f.name != "id"},
            row_id=user.id,
            version=user.version,
            kind="account",
            key=user.username,
        )
        user.version += 1

    def list(self) -> Sequence[User]:
        rows = self._conn.execute(select(t.app_user).order_by(t.app_user.c.username))
        return [_user_from(row) for row in rows]


class SqlApiKeys:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, key: ApiKey) -> None:
        self._conn.execute(
            insert(t.api_key), {f.name: getattr(key, f.name) for f in fields(ApiKey)}
        )

    def by_prefix(self, prefix: str) -> ApiKey | None:
        row = self._conn.execute(_KEY_BY_PREFIX, {"prefix": prefix}).first()
        return None if row is None else _key_from(row)

    def save(self, key: ApiKey) -> None:
        self._conn.execute(
            update(t.api_key)
            .where(t.api_key.c.id == key.id)
            .values(revoked_at=key.revoked_at, expires_at=key.expires_at)
        )

    def list(self) -> Sequence[ApiKey]:
        rows = self._conn.execute(select(t.api_key).order_by(t.api_key.c.created_at))
        return [_key_from(row) for row in rows]


class SqlSessions:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, session: Session) -> None:
        self._conn.execute(
            insert(t.user_session), {f.name: getattr(session, f.name) for f in fields(Session)}
        )

    def by_token_hash(self, token_hash: str) -> Session | None:
        row = self._conn.execute(
            select(t.user_session).where(t.user_session.c.token_hash == token_hash)
        ).first()
        return None if row is None else Session(**dict(row._mapping))

    def save(self, session: Session) -> None:
        self._conn.execute(
            _SAVE_SESSION,
            {"key": session.id, "last_seen_at": session.last_seen_at, "ended_at": session.ended_at},
        )

    def end_all(self, user_id: str, at: datetime) -> int:
        result = self._conn.execute(
            update(t.user_session)
            .where(t.user_session.c.user_id == user_id, t.user_session.c.ended_at.is_(None))
            .values(ended_at=at)
        )
        return result.rowcount


class SqlIdempotency:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, record: IdempotencyRecord) -> None:
        self._conn.execute(
            insert(t.idempotency_record),
            {f.name: getattr(record, f.name) for f in fields(IdempotencyRecord)},
        )

    def get(self, principal_id: str, key: str) -> IdempotencyRecord | None:
        row = self._conn.execute(
            select(t.idempotency_record).where(
                t.idempotency_record.c.principal_id == principal_id,
                t.idempotency_record.c.key == key,
            )
        ).first()
        return None if row is None else IdempotencyRecord(**dict(row._mapping))


class SqlAudit:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def append(self, entry: AuditEntry) -> AuditRecord:
        values = {name: getattr(entry, name) for name in _ENTRY_FIELDS}
        values["outcome"] = entry.outcome.value
        if self._conn.dialect.name == "postgresql":
            before, between = canonical_around_chain(entry)
            seq, previous, sealed = self._conn.execute(
                _APPEND, {**values, "before": before, "between": between}
            ).one()
            return AuditRecord(seq=seq, entry=entry, previous_hash=previous, hash=sealed)
        seq, previous = self._conn.execute(_LOCK_HEAD).one()
        record = seal(seq + 1, entry, previous)
        self._conn.execute(
            insert(t.audit_record),
            {**values, "seq": record.seq, "previous_hash": previous, "hash": record.hash},
        )
        self._conn.execute(_MOVE_HEAD, {"head_seq": record.seq, "head_hash": record.hash})
        return record

    def records(
        self,
        after_seq: int = 0,
        limit: int = 1000,
        start: datetime | None = None,
        end: datetime | None = None,
    ) -> Sequence[AuditRecord]:
        query = (
            select(t.audit_record)
            .where(t.audit_record.c.seq > after_seq)
            .order_by(t.audit_record.c.seq)
            .limit(limit)
        )
        if start is not None:
            query = query.where(t.audit_record.c.at >= start)
        if end is not None:
            query = query.where(t.audit_record.c.at < end)
        return [_record_from(row) for row in self._conn.execute(query)]

    def between(self, start: datetime, end: datetime) -> Sequence[AuditRecord]:
        rows = self._conn.execute(
            select(t.audit_record)
            .where(t.audit_record.c.at >= start, t.audit_record.c.at < end)
            .order_by(t.audit_record.c.seq)
        )
        return [_record_from(row) for row in rows]

    def head(self) -> tuple[int, str]:
        seq, last = self._conn.execute(
            select(t.audit_head.c.seq, t.audit_head.c.hash).where(t.audit_head.c.id == 1)
        ).one()
        return int(seq), str(last)

    def find(self, action: str) -> Sequence[AuditRecord]:
        rows = self._conn.execute(
            select(t.audit_record)
            .where(t.audit_record.c.action == action)
            .order_by(t.audit_record.c.seq)
        )
        return [_record_from(row) for row in rows]

    def purge_through(self, seq: int) -> int:
        """Delete the oldest records past the append-only guard, inside this transaction.

        Only the tables' owner can do this (the application's role has no DELETE on
        the trail, and cannot switch triggers off); the guard is back before commit.
        """
        delete_old = delete(t.audit_record).where(t.audit_record.c.seq <= seq)
        if self._conn.dialect.name == "postgresql":
            self._conn.execute(
                text("ALTER TABLE audit_record DISABLE TRIGGER audit_record_append_only")
            )
            removed = self._conn.execute(delete_old).rowcount
            self._conn.execute(
                text("ALTER TABLE audit_record ENABLE TRIGGER audit_record_append_only")
            )
            return removed
        self._conn.execute(text("DROP TRIGGER audit_record_no_delete"))
        removed = self._conn.execute(delete_old).rowcount
        self._conn.execute(
            text(
                "CREATE TRIGGER audit_record_no_delete BEFORE DELETE ON audit_record"
                " BEGIN SELECT RAISE(ABORT, 'audit_record is append-only'); END"
            )
        )
        return removed
