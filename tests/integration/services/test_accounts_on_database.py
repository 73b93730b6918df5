"""Accounts, sign-in, sessions and API keys on a real database (SQLite and PostgreSQL).

What the in-memory tests cannot show: the schema and the seeded demo world
hold no account, the database's unique key backs the username check, lock,
sessions and keys survive a round trip through the tables, only hashes are
stored, and names typed by strangers (too long, with NUL or line breaks) are
refusals recorded in the audit trail, not database errors.
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterator
from datetime import UTC, datetime, timedelta

import pytest
from argon2 import PasswordHasher
from sqlalchemy import Engine, func, select

from detainers.adapters.db import migrate
from detainers.adapters.db import tables as t
from detainers.adapters.db.engine import make_engine
from detainers.adapters.db.unit_of_work import SqlUnitOfWork, SqlUnitOfWorkFactory
from detainers.adapters.security import credentials
from detainers.adapters.synthetic import seed_world
from detainers.domain.access import Caller, PrincipalKind, Role, User
from detainers.domain.audit import AuditRecord, Outcome
from detainers.domain.errors import InvalidValue
from detainers.services import accounts, audit
from detainers.services.accounts import CreatedUser, CreateKey, CreateUser, Login, SignedIn
from detainers.services.context import Context
from detainers.services.errors import AlreadyExists, ConcurrencyConflict, Unauthenticated
from tests.fakes import FakeLegalEngine, FixedClock, SequentialIds

NOW = datetime(2025, 6, 30, 9, 0, tzinfo=UTC)
PASSWORD = "correct horse battery staple"
WRONG = "incorrect horse battery staple"
ADMIN = Caller(principal_id="u-admin", name="root.admin", kind=PrincipalKind.USER, role=Role.ADMIN)
BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


class Accounts:
    """The account use cases over `engine`, with a fixed clock and cheap argon2."""

    def __init__(self, engine: Engine) -> None:
        self.engine = engine
        self.clock = FixedClock(NOW)
        self.creds = credentials(PasswordHasher(time_cost=1, memory_cost=8, parallelism=1))
        self.ctx = Context(
            uow=SqlUnitOfWorkFactory(engine),
            clock=self.clock,
            ids=SequentialIds(),
            engine=FakeLegalEngine(),
            credentials=self.creds,
        )
        self.admin = self.ctx.acting(ADMIN)

    def create(self, username: str = "ana.admin", role: Role = Role.ADMIN) -> CreatedUser:
        return accounts.create_user(
            CreateUser(username=username, role=role, password=PASSWORD), self.admin
        )

    def login(
        self,
        user: CreatedUser,
        *,
        password: str = PASSWORD,
        code: str | None = None,
        previous: str | None = None,
    ) -> SignedIn:
        if code is None:
            code = self.creds.second_factor.code(user.totp_secret, self.clock.now())
        return accounts.login(
            Login(
                username=user.user.username,
                password=password,
                code=code,
                previous_token=previous,
            ),
            self.ctx,
        )

    def wrong_code(self, user: CreatedUser) -> str:
        """A well-formed code that matches no step around now."""
        now = self.clock.now()
        return next(
            code
            for code in (f"{d}" * 6 for d in range(10))
            if self.creds.second_factor.matching_step(user.totp_secret, code, now) is None
        )

    def session_ok(self, token: str) -> bool:
        try:
            accounts.session_caller(token, self.ctx)
        except Unauthenticated:
            return False
        return True

    def key_ok(self, secret: str) -> bool:
        try:
            accounts.key_caller(secret, self.ctx)
        except Unauthenticated:
            return False
        return True

    def records(self, action: str) -> list[AuditRecord]:
        return [r for r in audit.walk(self.ctx) if r.entry.action == action]

    def count(self, table: t.Table) -> int:
        with self.engine.connect() as conn:
            return int(conn.execute(select(func.count()).select_from(table)).scalar_one())


@pytest.fixture
def fresh(empty_database_url: str) -> Iterator[Engine]:
    """A database migrated here from nothing (not a template nor a truncated one)."""
    engine = make_engine(empty_database_url)
    migrate.upgrade(engine)
    yield engine
    engine.dispose()


def _add_directly(engine: Engine, user: User) -> None:
    with SqlUnitOfWork(engine) as uow:
        uow.users.add(user)
        uow.commit()


@pytest.mark.parametrize("empty_database_url", BACKENDS, indirect=True)
def test_IAM_01_every_account_is_unique_and_no_default_accounts_exist(fresh: Engine) -> None:
    a = Accounts(fresh)
    credentials_tables = (t.app_user, t.api_key, t.user_session)
    assert [a.count(table) for table in credentials_tables] == [0, 0, 0]

    seed_world(fresh, seed=7, detainers=40, as_of=NOW.date())
    assert [a.count(table) for table in credentials_tables] == [0, 0, 0]

    ana = a.create("ana.admin")
    with pytest.raises(AlreadyExists, match=r"^account \[ana.admin\] already exists$"):
        a.create("ana.admin", Role.AUDITOR)
    # The database's unique key refuses a second row even past the service's check.
    with pytest.raises(ConcurrencyConflict):
        _add_directly(fresh, dataclasses.replace(ana.user, id="another-id"))
    assert a.count(t.app_user) == 1


def test_IAM_02_login_requires_a_second_factor(engine: Engine) -> None:
    a = Accounts(engine)
    ana = a.create()
    for code in ("", a.wrong_code(ana)):
        with pytest.raises(Unauthenticated):
            a.login(ana, code=code)
    assert a.login(ana).caller.role is Role.ADMIN
    attempts = [(r.entry.outcome, r.entry.detail) for r in a.records("session.login")]
    assert attempts[:2] == [(Outcome.FAILED, "wrong or reused code")] * 2
    assert attempts[2][0] is Outcome.SUCCESS


def test_IAM_03_a_used_totp_code_cannot_be_used_again(engine: Engine) -> None:
    a = Accounts(engine)
    ana = a.create()
    code = a.creds.second_factor.code(ana.totp_secret, a.clock.now())
    a.login(ana, code=code)
    a.clock.advance(seconds=15)
    with pytest.raises(Unauthenticated):
        a.login(ana, code=code)
    assert a.records("session.login")[-1].entry.detail == "wrong or reused code"


def test_IAM_05_five_failures_lock_the_account_for_ten_minutes(engine: Engine) -> None:
    a = Accounts(engine)
    ana = a.create()
    for _ in range(5):
        with pytest.raises(Unauthenticated):
            a.login(ana, password=WRONG)
    [lock] = a.records("account.lock")
    assert (lock.entry.object_id, lock.entry.detail) == (ana.user.id, "failures=5")

    a.clock.advance(minutes=5)
    with pytest.raises(Unauthenticated):
        a.login(ana)
    a.clock.advance(minutes=5)
    a.login(ana)

    a.clock.advance(seconds=30)
    for _ in range(5):
        with pytest.raises(Unauthenticated):
            a.login(ana, password=WRONG)
    accounts.unlock_user("ana.admin", a.admin)
    a.login(ana)
    [unlock] = a.records("account.unlock")
    assert (unlock.entry.actor, unlock.entry.outcome) == ("root.admin", Outcome.SUCCESS)
    assert audit.verify(a.ctx).broken is None


def test_IAM_06_sessions_end_after_30_idle_minutes_rotate_on_login_and_die_on_logout_and_disable(
    engine: Engine,
) -> None:
    a = Accounts(engine)
    ana = a.create()
    first = a.login(ana)
    a.clock.advance(minutes=29)
    assert a.session_ok(first.token), "the visit is written as activity"
    a.clock.advance(minutes=29)
    assert a.session_ok(first.token)
    a.clock.advance(minutes=30, seconds=1)
    assert not a.session_ok(first.token)

    second = a.login(ana)
    a.clock.advance(seconds=30)
    third = a.login(ana, previous=second.token)
    assert third.session.id != second.session.id
    assert not a.session_ok(second.token)
    accounts.logout(third.token, a.ctx)
    assert not a.session_ok(third.token)

    a.clock.advance(seconds=30)
    fourth = a.login(ana)
    a.clock.advance(seconds=30)
    fifth = a.login(ana)
    assert accounts.end_sessions("ana.admin", a.admin) == 2
    assert not a.session_ok(fourth.token)
    assert not a.session_ok(fifth.token)

    a.clock.advance(seconds=30)
    sixth = a.login(ana)
    assert accounts.disable_user("ana.admin", a.admin) == 1
    assert not a.session_ok(sixth.token)
    a.clock.advance(seconds=30)
    with pytest.raises(Unauthenticated):
        a.login(ana)


def test_IAM_10_tokens_are_opaque_server_side_secrets_and_forged_ones_are_refused(
    engine: Engine,
) -> None:
    a = Accounts(engine)
    ana = a.create()
    signed = a.login(ana)
    created = accounts.create_key(
        CreateKey(name="feed", role=Role.AUDITOR, expires_at=NOW + timedelta(days=1)), a.admin
    )
    assert a.key_ok(created.secret)

    with engine.connect() as conn:
        key_row = conn.execute(select(t.api_key)).one()._mapping
        session_hashes = conn.execute(select(t.user_session.c.token_hash)).scalars().all()
    assert key_row["secret_hash"] == hashlib.sha256(created.secret.encode()).hexdigest()
    assert created.secret not in {str(v) for v in key_row.values()}
    assert session_hashes == [hashlib.sha256(signed.token.encode()).hexdigest()]

    # {"alg": "none", "typ": "JWT"} . {"sub": "root.admin", "role": "admin"} . (no signature)
    jwt_none = (
        "eyJhbGciOiJub25lIiwidHlwIjoiSldUIn0.eyJzdWIiOiJyb290LmFkbWluIiwicm9sZSI6ImFkbWluIn0."
    )
    altered = created.secret[:-1] + ("A" if created.secret[-1] != "A" else "B")
    for forged in (jwt_none, f"dk_{jwt_none}", altered):
        assert not a.key_ok(forged)
        assert not a.session_ok(forged)

    a.clock.advance(days=1)
    assert not a.key_ok(created.secret), "expired"
    a.clock.at = NOW
    accounts.revoke_key(created.key.prefix, a.admin)
    assert not a.key_ok(created.secret), "revoked"
    reasons = [r.entry.detail for r in a.records("key.authenticate")]
    assert reasons.count("unknown key") == 3
    assert {"expired key", "revoked key"} <= set(reasons)


@pytest.mark.parametrize(
    "typed",
    ["x" * 300, "ana\x00admin", "ana\r\nforged line", "dk_" + "z" * 300 + "_abc"],
    ids=["300 characters", "NUL", "line break", "key-like"],
)
def test_a_stranger_typed_name_is_a_recorded_refusal_not_a_database_error(
    engine: Engine, typed: str
) -> None:
    a = Accounts(engine)
    with pytest.raises(Unauthenticated):
        accounts.login(Login(username=typed, password=WRONG, code="000000"), a.ctx)
    with pytest.raises(Unauthenticated):
        accounts.key_caller(typed, a.ctx)
    with pytest.raises(InvalidValue, match=r"^username: "):
        accounts.create_user(
            CreateUser(username=typed, role=Role.AUDITOR, password=PASSWORD), a.admin
        )
    [login] = a.records("session.login")
    assert login.entry.outcome is Outcome.FAILED
    assert len(login.entry.actor) <= 200
    assert login.entry.actor.isprintable()
    [refused] = a.records("account.create")
    assert refused.entry.outcome is Outcome.REFUSED
    assert len(refused.entry.object_id) <= 200
    assert audit.verify(a.ctx).broken is None
