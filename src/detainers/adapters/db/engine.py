"""Database engines: SQLite as an embedded file (WAL, foreign keys, a busy timeout) or PostgreSQL."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from sqlalchemy import Engine, create_engine, event
from sqlalchemy.engine import make_url


def make_engine(url: str, *, echo: bool = False, pool_size: int = 5) -> Engine:
    """An engine for `url`; for a SQLite file its folder is created.

    PostgreSQL connections are pooled (`pool_size` kept open, as many again
    when busy) and not pinged before each use: a ping is a round trip on every
    unit of work. A connection the server dropped (a restart, a failover) fails
    the statement that finds out; SQLAlchemy then discards every pooled
    connection older than that moment, so only the requests in flight on old
    connections fail (their transactions roll back whole), and the API answers
    them with 503 and `Retry-After`.
    """
    parsed = make_url(url)
    if parsed.get_backend_name() != "sqlite":
        return create_engine(url, echo=echo, pool_size=pool_size, max_overflow=pool_size)
    database = parsed.database
    if database and database != ":memory:":
        Path(database).expanduser().parent.mkdir(parents=True, exist_ok=True)
    engine = create_engine(url, echo=echo, connect_args={"timeout": 30})
    event.listen(engine, "connect", _sqlite_on_connect)
    event.listen(engine, "begin", _sqlite_on_begin)
    return engine


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy, not the sqlite3 module, decide where transactions begin,
    # so reads and writes of one unit of work share one transaction.
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute("PRAGMA journal_mode=WAL")
    cursor.execute("PRAGMA foreign_keys=ON")
    cursor.execute("PRAGMA synchronous=NORMAL")
    cursor.execute("PRAGMA busy_timeout=30000")
    cursor.close()


def _sqlite_on_begin(conn: Any) -> None:
    # IMMEDIATE: take the write lock at the start, so writers queue (up to the busy
    # timeout) instead of failing when two read the same snapshot and then both write.
    # Every unit of work may write (reads leave an audit record), so all take turns.
    conn.exec_driver_sql("BEGIN IMMEDIATE")
