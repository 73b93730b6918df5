"""The shipped migrations: one head, reversible, and producing exactly the models' schema."""

from __future__ import annotations

import pytest
from alembic.autogenerate import compare_metadata
from alembic.runtime.migration import MigrationContext
from sqlalchemy import inspect

from detainers.adapters.db import migrate
from detainers.adapters.db.engine import make_engine
from detainers.adapters.db.tables import metadata

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


def test_the_migrations_have_exactly_one_head() -> None:
    assert len(migrate.heads(make_engine("sqlite://"))) == 1


def test_migration_files_start_with_their_date() -> None:
    names = [p.name for p in (migrate.MIGRATIONS / "versions").glob("*.py")]
    assert names
    assert all(name[:8].isdigit() and name[8] == "_" for name in names), names


@pytest.mark.parametrize("empty_database_url", BACKENDS, indirect=True)
def test_upgrade_downgrade_upgrade_leaves_the_models_schema(empty_database_url: str) -> None:
    engine = make_engine(empty_database_url)
    migrate.upgrade(engine)
    migrate.downgrade(engine, "base")
    assert set(inspect(engine).get_table_names()) <= {"alembic_version"}
    migrate.upgrade(engine)
    assert migrate.current(engine) == migrate.heads(engine)[0]
    with engine.connect() as conn:
        differences = compare_metadata(
            MigrationContext.configure(conn, opts={"compare_type": True}), metadata
        )
    engine.dispose()
    assert differences == []
