"""The unit of work over SQLAlchemy: one connection, one transaction, every repository.

Leaving the block without `commit()` rolls everything back, so a failed
command never half-writes. A write conflict that the database itself detects
(PostgreSQL serialization failure, SQLite's stale snapshot) is reported as a
`ConcurrencyConflict`, like a version mismatch.
"""

from __future__ import annotations

from types import TracebackType
from typing import Self

from sqlalchemy import Connection, Engine
from sqlalchemy.exc import OperationalError

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
            raise ConcurrencyConflict("transaction", "this unit of work") from exc

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


class SqlUnitOfWorkFactory:
    """Makes a fresh `SqlUnitOfWork` per command."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine

    def __call__(self) -> SqlUnitOfWork:
        return SqlUnitOfWork(self.engine)
