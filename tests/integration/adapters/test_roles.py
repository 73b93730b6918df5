"""The application's PostgreSQL role: it can do its work and append to the audit trail, nothing more.

A login role is created for each test (random name, dropped afterwards),
granted with `grant_app_role`, and used over its own connection.
"""

from __future__ import annotations

import secrets
from collections.abc import Iterator
from datetime import UTC, datetime

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import DBAPIError

from detainers.adapters.db import roles
from detainers.adapters.db.access import SqlAudit
from detainers.adapters.db.engine import make_engine
from detainers.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from detainers.domain import commands as c
from detainers.domain.audit import AuditEntry, Outcome
from detainers.domain.errors import InvalidValue
from detainers.domain.vocabulary import JurisdictionKind
from detainers.services import registry
from detainers.services.context import Context
from detainers.services.errors import NotFound
from tests.fakes import FakeLegalEngine, FixedClock, SequentialIds

ENTRY = AuditEntry(
    at=datetime(2026, 11, 24, 9, 30, tzinfo=UTC),
    actor="staff-1",
    actor_kind="user",
    role="facility_staff",
    organization="CT-HCC",
    action="detainer.read",
    object_type="detainer",
    object_id="d-1",
    outcome=Outcome.SUCCESS,
    client="203.0.113.7",
    request_id="req-1",
)


@pytest.fixture
def app_role(engine: Engine, postgres_admin: Engine) -> Iterator[tuple[str, Engine]]:
    """A fresh login role, granted, and an engine that connects as it."""
    name = f"detainers_app_{secrets.token_hex(5)}"
    password = secrets.token_hex(16)
    with postgres_admin.connect() as conn:
        conn.execute(text(f"CREATE ROLE {name} LOGIN PASSWORD '{password}'"))
    as_role = make_engine(
        make_url(engine.url.render_as_string(hide_password=False))
        .set(username=name, password=password)
        .render_as_string(hide_password=False)
    )
    try:
        roles.grant_app_role(engine, name)
        yield name, as_role
    finally:
        as_role.dispose()
        with engine.begin() as conn:
            conn.execute(text(f"DROP OWNED BY {name}"))
        with postgres_admin.connect() as conn:
            conn.execute(text(f"DROP ROLE {name}"))


@pytest.mark.postgres
@pytest.mark.parametrize("engine", ["postgres"], indirect=True)
def test_the_app_role_appends_to_the_audit_trail(app_role: tuple[str, Engine]) -> None:
    _, as_role = app_role
    with as_role.begin() as conn:
        record = SqlAudit(conn).append(ENTRY)
    with as_role.connect() as conn:
        assert SqlAudit(conn).records() == [record]


@pytest.mark.postgres
@pytest.mark.parametrize("engine", ["postgres"], indirect=True)
@pytest.mark.parametrize(
    "statement",
    [
        "UPDATE audit_record SET actor = 'someone-else'",
        "DELETE FROM audit_record",
        "TRUNCATE audit_record",
        "DELETE FROM audit_head",
        "ALTER TABLE audit_record DISABLE TRIGGER USER",
        "SET session_replication_role = replica",
    ],
)
def test_the_app_role_cannot_change_or_unguard_the_audit_trail(
    app_role: tuple[str, Engine], statement: str
) -> None:
    _, as_role = app_role
    with as_role.begin() as conn:
        SqlAudit(conn).append(ENTRY)

    with (
        pytest.raises(DBAPIError, match=r"permission denied|must be owner"),
        as_role.begin() as conn,
    ):
        conn.execute(text(statement))

    with as_role.connect() as conn:
        assert len(SqlAudit(conn).records()) == 1


@pytest.mark.postgres
@pytest.mark.parametrize("engine", ["postgres"], indirect=True)
def test_the_app_role_can_run_a_use_case_with_its_audit_record(
    app_role: tuple[str, Engine],
) -> None:
    _, as_role = app_role
    ctx = Context(
        uow=SqlUnitOfWorkFactory(as_role),
        clock=FixedClock(),
        ids=SequentialIds(),
        engine=FakeLegalEngine(),
    )

    registry.register_jurisdiction(
        c.RegisterJurisdiction(code="US", name="United States", kind=JurisdictionKind.FEDERAL),
        ctx,
    )

    with as_role.connect() as conn:
        assert [r.entry.action for r in SqlAudit(conn).records()] == [
            "reference.jurisdiction.create"
        ]


@pytest.mark.postgres
@pytest.mark.parametrize("engine", ["postgres"], indirect=True)
def test_a_superuser_is_refused_since_grants_cannot_limit_it(engine: Engine) -> None:
    superuser = make_url(engine.url.render_as_string(hide_password=False)).username
    assert superuser is not None

    with pytest.raises(InvalidValue, match="superuser or owns the tables"):
        roles.grant_app_role(engine, superuser)


@pytest.mark.postgres
@pytest.mark.parametrize("engine", ["postgres"], indirect=True)
def test_an_unknown_role_is_not_found(engine: Engine) -> None:
    with pytest.raises(NotFound, match="no-such-role"):
        roles.grant_app_role(engine, "no-such-role")


@pytest.mark.parametrize("engine", ["sqlite"], indirect=True)
def test_sqlite_has_no_roles_to_grant(engine: Engine) -> None:
    assert roles.grant_app_role(engine, "app") is None
