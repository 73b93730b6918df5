"""Shared fixtures: a fresh, migrated database per test on SQLite and, when reachable, PostgreSQL.

PostgreSQL tests carry the `postgres` marker. They run whenever the server in
`DETAINERS_TEST_POSTGRES_URL` (default: the local `test` database) answers;
when it does not, they are skipped, except under CI (`CI` set), where an
unreachable server is a failure.
"""

from __future__ import annotations

import os
import shutil
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import Engine, create_engine, insert, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from detainers.adapters.db import migrate
from detainers.adapters.db.engine import make_engine
from detainers.adapters.db.tables import audit_head, metadata
from detainers.domain.audit import GENESIS

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


def postgres_server_url() -> str:
    return os.environ.get("DETAINERS_TEST_POSTGRES_URL", DEFAULT_POSTGRES)


def _reachable(url: str) -> str | None:
    try:
        engine = create_engine(url)
        with engine.connect() as conn:
            conn.execute(text("SELECT 1"))
        engine.dispose()
    except OperationalError as e:
        return str(e.orig).strip().splitlines()[0]
    return None


@pytest.fixture(scope="session")
def postgres_admin() -> Iterator[Engine]:
    """An AUTOCOMMIT engine on the PostgreSQL server, for creating test databases."""
    url = postgres_server_url()
    problem = _reachable(url)
    if problem is not None:
        if os.environ.get("CI"):
            pytest.fail(f"PostgreSQL at [{url}] is unreachable under CI: {problem}")
        pytest.skip(f"PostgreSQL at [{url}] is unreachable: {problem}")
    engine = create_engine(url, isolation_level="AUTOCOMMIT")
    yield engine
    engine.dispose()


def create_postgres_database(admin: Engine, prefix: str) -> str:
    """Create an empty database on the server; returns its URL."""
    name = f"{prefix}_{uuid.uuid4().hex[:10]}"
    with admin.connect() as conn:
        conn.execute(text(f'CREATE DATABASE "{name}"'))
    return make_url(postgres_server_url()).set(database=name).render_as_string(hide_password=False)


def drop_postgres_database(admin: Engine, url: str) -> None:
    name = make_url(url).database
    with admin.connect() as conn:
        conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))


@pytest.fixture(scope="session")
def postgres_url(postgres_admin: Engine) -> Iterator[str]:
    """A migrated PostgreSQL database for this test session."""
    url = create_postgres_database(postgres_admin, "detainers_test")
    engine = make_engine(url)
    migrate.upgrade(engine)
    engine.dispose()
    yield url
    drop_postgres_database(postgres_admin, url)


@pytest.fixture(scope="session")
def sqlite_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite file, copied for each test (faster than migrating each time)."""
    path = tmp_path_factory.mktemp("template") / "template.db"
    engine = make_engine(f"sqlite:///{path}")
    migrate.upgrade(engine)
    engine.dispose()
    return path


def _truncate_all(engine: Engine) -> None:
    names = ", ".join(f'"{table.name}"' for table in metadata.sorted_tables)
    with engine.begin() as conn:
        # TRUNCATE does not fire the row triggers that keep the logs append-only; the
        # audit trail's statement trigger is switched off for this (superuser) session.
        conn.execute(text("SET LOCAL session_replication_role = replica"))
        conn.execute(text(f"TRUNCATE {names} RESTART IDENTITY CASCADE"))
        conn.execute(insert(audit_head).values(id=1, seq=0, hash=GENESIS))


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
def engine(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[Engine]:
    """A fresh, migrated, empty database: each test runs on SQLite and on PostgreSQL."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path / "detainers.db"
        shutil.copyfile(template, path)
        sqlite = make_engine(f"sqlite:///{path}")
        yield sqlite
        sqlite.dispose()
        return
    url: str = request.getfixturevalue("postgres_url")
    postgres = make_engine(url)
    _truncate_all(postgres)
    yield postgres
    postgres.dispose()


@pytest.fixture
def empty_database_url(request: pytest.FixtureRequest, tmp_path: Path) -> Iterator[str]:
    """A database URL with no schema at all (for migration tests); see `backend` param."""
    backend = getattr(request, "param", "sqlite")
    if backend == "sqlite":
        yield f"sqlite:///{tmp_path / 'empty.db'}"
        return
    admin: Engine = request.getfixturevalue("postgres_admin")
    url = create_postgres_database(admin, "detainers_empty")
    yield url
    drop_postgres_database(admin, url)
