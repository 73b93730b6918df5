"""The unit of work over SQLAlchemy: one connection, one transaction, every repository.

Leaving the block without `commit()` rolls everything back, so a failed
command never half-writes. What the database itself refuses because of a
concurrent writer (SQLite's stale snapshot or busy lock, a PostgreSQL
deadlock, a unique key another transaction filled first) is reported as a
`ConcurrencyConflict`, like a version mismatch: nothing saved, try again.
"""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import IntegrityError, OperationalError

from detainers.adapters.db.access import (
    SqlApiKeys,
    SqlAudit,
    SqlIdempotency,
    SqlSessions,
    SqlUsers,
)
from detainers.adapters.db.outbox import SqlEndpoints, SqlMessages, SqlTimers
from detainers.adapters.db.person_notices import SqlPersonNotices
from detainers.adapters.db.repositories import (
    SqlAgencies,
    SqlBookings,
    SqlDetainers,
    SqlFacilities,
    SqlJurisdictions,
    SqlPersons,
    is_write_conflict,
)
from detainers.adapters.db.stats import SqlStats
from detainers.services.errors import ConcurrencyConflict


class SqlUnitOfWork:
    jurisdictions: SqlJurisdictions
    agencies: SqlAgencies
    facilities: SqlFacilities
    persons: SqlPersons
    bookings: SqlBookings
    detainers: SqlDetainers
    audit: SqlAudit
    users: SqlUsers
    api_keys: SqlApiKeys
    sessions: SqlSessions
    idempotency: SqlIdempotency
    messages: SqlMessages
    timers: SqlTimers
    endpoints: SqlEndpoints
    stats: SqlStats
    person_notices: SqlPersonNotices

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self._conn: Connection | None = None

    def __enter__(self) -> Self:
        conn = self._engine.connect()
        conn.begin()
        self._conn = conn
        self.jurisdictions = SqlJurisdictions(conn)
        self.agencies = SqlAgencies(conn)
        self.facilities = SqlFacilities(conn)
        self.persons = SqlPersons(conn)
        self.bookings = SqlBookings(conn)
        self.detainers = SqlDetainers(conn)
        self.audit = SqlAudit(conn)
        self.users = SqlUsers(conn)
        self.api_keys = SqlApiKeys(conn)
        self.sessions = SqlSessions(conn)
        self.idempotency = SqlIdempotency(conn)
        self.messages = SqlMessages(conn)
        self.timers = SqlTimers(conn)
        self.endpoints = SqlEndpoints(conn)
        self.stats = SqlStats(conn)
        self.person_notices = SqlPersonNotices(conn)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        conn = self._conn
        self._conn = None
        if conn is None:
            return
        try:
            if conn.in_transaction():
                conn.rollback()
        finally:
            conn.close()
        if isinstance(exc, OperationalError) and is_write_conflict(exc):
            raise ConcurrencyConflict(
                "transaction", "this command", detail="was interrupted by another write"
            ) from exc
        if isinstance(exc, IntegrityError) and _is_uniqueness(exc):
            # The checks before a write read what was committed; a racing writer can
            # still get there first, and the database's unique keys catch it.
            raise ConcurrencyConflict(
                "record",
                _constraint(exc),
                detail="was written by someone else at the same time (a unique key)",
            ) from exc

    @property
    def connection(self) -> Connection:
        if self._conn is None:
            raise RuntimeError("the unit of work is not open")
        return self._conn

    def commit(self) -> None:
        self.connection.commit()
        self.connection.begin()

    def rollback(self) -> None:
        self.connection.rollback()
        self.connection.begin()


def _is_uniqueness(error: IntegrityError) -> bool:
    sqlstate = getattr(error.orig, "sqlstate", None)
    return sqlstate == "23505" or "unique constraint failed" in str(error.orig).lower()


def _constraint(error: IntegrityError) -> str:
    """The constraint's name (PostgreSQL) or its columns (SQLite); never the rest of the driver's text."""
    diag = getattr(error.orig, "diag", None)
    name = getattr(diag, "constraint_name", None)
    if name:
        return str(name)
    _, found, columns = str(error.orig).partition("constraint failed: ")
    return columns.strip().splitlines()[0] if found and columns.strip() else "a unique key"


class SqlUnitOfWorkFactory:
    """Makes a fresh `SqlUnitOfWork` per command."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine)
