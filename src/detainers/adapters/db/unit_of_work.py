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

from detainers.adapters.db.repositories import (
    SqlAgencies,
    SqlBookings,
    SqlDetainers,
    SqlFacilities,
    SqlJurisdictions,
    SqlPersons,
    is_write_conflict,
)
from detainers.services.errors import ConcurrencyConflict


class SqlUnitOfWork:
    jurisdictions: SqlJurisdictions
    agencies: SqlAgencies
    facilities: SqlFacilities
    persons: SqlPersons
    bookings: SqlBookings
    detainers: SqlDetainers

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
    diag = getattr(error.orig, "diag", None)
    name = getattr(diag, "constraint_name", None)
    return str(name) if name else str(error.orig).strip().splitlines()[0]


class SqlUnitOfWorkFactory:
    """Makes a fresh `SqlUnitOfWork` per command."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine)
