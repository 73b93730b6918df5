"""The application's database role on PostgreSQL: what it may do, and what it may not.

The application should not connect as the owner of its tables: an owner can
alter the audit trail's triggers and rewrite it. `grant_app_role` gives a
separate login role what the application needs (read and write on every
table) except on the audit trail, where it may only read and append. SQLite
has no roles; there, the append-only triggers are the guard.
"""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy import Connection, Engine, text

from detainers.adapters.db import tables as t
from detainers.domain.errors import InvalidValue
from detainers.services.errors import NotFound

AUDIT_TABLE = t.audit_record.name
# The chain's one-row head: read and moved on by every writer, never added to or removed.
HEAD_TABLE = t.audit_head.name
READ_WRITE = "SELECT, INSERT, UPDATE, DELETE"
APPEND_ONLY = "SELECT, INSERT"
HEAD_ONLY = "SELECT, UPDATE"
REVOKED = "UPDATE, DELETE, TRUNCATE, REFERENCES, TRIGGER"


@dataclass(frozen=True, kw_only=True)
class AppRoleGrant:
    """What `grant_app_role` granted, for the operator to read."""

    role: str
    database: str
    schema: str
    read_write: tuple[str, ...]
    statements: tuple[str, ...]


def grant_app_role(engine: Engine, role: str) -> AppRoleGrant | None:
    """Grant `role` the application's rights; `None` on a database without roles (SQLite).

    Refuses a role that does not exist, is a superuser, or owns the audit
    trail (such a role bypasses every grant). Run again after each migration,
    so new tables are granted too.
    """
    if engine.dialect.name != "postgresql":
        return None
    with engine.begin() as conn:
        _check(conn, role)
        database, schema = conn.execute(text("SELECT current_database(), current_schema()")).one()
        quote = engine.dialect.identifier_preparer.quote
        who = quote(role)
        others = tuple(
            table.name for table in t.metadata.sorted_tables if table.name != AUDIT_TABLE
        )
        statements = [
            f"GRANT CONNECT ON DATABASE {quote(database)} TO {who}",
            f"GRANT USAGE ON SCHEMA {quote(schema)} TO {who}",
            *(
                f"GRANT {HEAD_ONLY if name == HEAD_TABLE else READ_WRITE} ON {quote(name)} TO {who}"
                for name in others
            ),
            f"REVOKE {REVOKED} ON {quote(AUDIT_TABLE)} FROM {who}",
            f"GRANT {APPEND_ONLY} ON {quote(AUDIT_TABLE)} TO {who}",
            f"GRANT USAGE ON ALL SEQUENCES IN SCHEMA {quote(schema)} TO {who}",
        ]
        for statement in statements:
            conn.execute(text(statement))
    return AppRoleGrant(
        role=role,
        database=str(database),
        schema=str(schema),
        read_write=tuple(name for name in others if name != HEAD_TABLE),
        statements=tuple(statements),
    )


def _check(conn: Connection, role: str) -> None:
    found = conn.execute(
        text(
            "SELECT r.rolsuper, pg_has_role(r.oid, c.relowner, 'USAGE')"
            " FROM pg_roles r, pg_class c"
            " WHERE r.rolname = :role AND c.oid = to_regclass(:table)"
        ),
        {"role": role, "table": AUDIT_TABLE},
    ).first()
    if found is None:
        exists = conn.execute(
            text("SELECT 1 FROM pg_roles WHERE rolname = :role"), {"role": role}
        ).first()
        if exists is None:
            raise NotFound("database role", role)
        # The role exists, so the table does not: the schema is missing.
        raise NotFound("table (run `detainers db upgrade` first)", AUDIT_TABLE)
    superuser, owner = found
    if superuser or owner:
        raise InvalidValue(
            field="--role",
            value=role,
            problem="is a superuser or owns the tables, so grants cannot limit it;"
            " give the application a role of its own",
        )
