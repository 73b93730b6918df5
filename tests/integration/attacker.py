"""An attacker with the database owner's rights: the audit trail's append-only triggers set aside."""

from __future__ import annotations

from collections.abc import Iterator
from contextlib import contextmanager

from sqlalchemy import Connection, Engine, text


@contextmanager
def owner_rights(engine: Engine) -> Iterator[Connection]:
    """One transaction in which audit_record can be changed; the guard is back after it.

    PostgreSQL: replica mode for this transaction only (user triggers do not
    fire). SQLite: the triggers are dropped and recreated before the commit.
    """
    with engine.begin() as conn:
        if engine.dialect.name == "postgresql":
            conn.execute(text("SET LOCAL session_replication_role = replica"))
            yield conn
            return
        triggers = conn.execute(
            text(
                "SELECT name, sql FROM sqlite_master"
                " WHERE type = 'trigger' AND tbl_name = 'audit_record'"
            )
        ).all()
        if not triggers:
            raise RuntimeError("audit_record has no append-only triggers to set aside")
        for name, _ in triggers:
            conn.execute(text(f'DROP TRIGGER "{name}"'))
        yield conn
        for _, sql in triggers:
            conn.execute(text(sql))
