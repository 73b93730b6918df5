"""Alembic environment: runs migrations on the connection (or URL) that `migrate.py` passes in."""

from __future__ import annotations

from typing import Any, Literal

from alembic import context
from alembic.autogenerate.api import AutogenContext
from sqlalchemy import Connection

from detainers.adapters.db.engine import make_engine
from detainers.adapters.db.tables import metadata
from detainers.adapters.db.types import UTCDateTime

config = context.config


def _render_item(kind: str, obj: Any, _ctx: AutogenContext) -> str | Literal[False]:
    # Migrations stay self-contained: the UTC decorator is stored as its impl.
    if kind == "type" and isinstance(obj, UTCDateTime):
        return "sa.DateTime(timezone=True)"
    return False


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        render_item=_render_item,
    )
    with context.begin_transaction():
        context.run_migrations()


def run_migrations_online() -> None:
    connection = config.attributes.get("connection")
    if connection is not None:
        _run(connection)
        return
    engine = make_engine(config.get_main_option("sqlalchemy.url") or "")
    with engine.connect() as conn:
        _run(conn)
    engine.dispose()


if context.is_offline_mode():
    raise SystemExit(
        "offline (SQL script) migrations are not supported; run `detainers db upgrade`"
    )
run_migrations_online()
