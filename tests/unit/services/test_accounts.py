"""Accounts, sign-in, sessions and API keys (checklist IAM-01..10), in memory.

The credentials are the real adapters (argon2 with cheap parameters, RFC 6238
TOTP, zxcvbn's common-password list) over the fake unit of work; the clock is
a `FixedClock`, so lock-outs, idle sessions and expiring keys are time travel.
"""

from __future__ import annotations

import base64
import dataclasses
import hashlib
import itertools
import json
import re
from datetime import timedelta

import pytest
from argon2 import PasswordHasher

from detainers.adapters.security import credentials
from detainers.domain.access import Caller, PrincipalKind, Role
from detainers.domain.audit import AuditRecord, Outcome
from detainers.domain.errors import InvalidValue
from detainers.services import accounts
from detainers.services.accounts import CreatedUser, CreateKey, CreateUser, Login, SignedIn
from detainers.services.errors import AlreadyExists, Forbidden, NotFound, Unauthenticated
from detainers.services.ports import PasswordHasher as Hasher
from detainers.services.recent_keys import RecentKeys
from tests.unit.builders import AGENCY, FACILITY, T0, World

CHEAP_ARGON2 = PasswordHasher(time_cost=1, memory_cost=8, parallelism=1)
PASSWORD = "correct horse battery staple"
WRONG = "incorrect horse battery staple"
ADMIN = Caller(principal_id="u-admin", name="root.admin", kind=PrincipalKind.USER, role=Role.ADMIN)
CLERK = Caller(
    principal_id="u-clerk",
    name="desk.clerk",
    kind=PrincipalKind.USER,
    role=Role.FACILITY_STAFF,
    facility_code=FACILITY,
)


class Accounts:
    """A world over the fakes whose context carries real (cheap) credentials."""

    def __init__(self) -> None:
        world = World()
        self.clock = world.clock
        self.uow = world.uow
        self.creds = credentials(CHEAP_ARGON2)
        self.ctx = dataclasses.replace(world.ctx, credentials=self.creds)
        self.admin = self.ctx.acting(ADMIN)

    def create(
        self,
        username: str = "ana.clerk",
        *,
        role: Role = Role.FACILITY_STAFF,
        facility: str | None = FACILITY,
        agency: str | None = None,
        password: str = PASSWORD,
    ) -> CreatedUser:
        return accounts.create_user(
            CreateUser(
                username=username,
                role=role,
                password=password,
                facility_code=facility,
                agency_code=agency,
            ),
            self.admin,
        )

    def code(self, user: CreatedUser) -> str:
        """The code the person's authenticator app shows now."""
        return self.creds.second_factor.code(user.totp_secret, self.clock.now())

    def wrong_code(self, user: CreatedUser) -> str:
        """A well-formed code that matches no step around now."""
        now = self.clock.now()
        return next(
            code
            for code in (f"{d}" * 6 for d in range(10))
            if self.creds.second_factor.matching_step(user.totp_secret, code, now) is None
        )

    def login(
        self,
        user: CreatedUser,
        *,
        password: str = PASSWORD,
        code: str | None = None,
        previous: str | None = None,
    ) -> SignedIn:
        return accounts.login(
            Login(
                username=user.user.username,
                password=password,
                code=self.code(user) if code is None else code,
                previous_token=previous,
            ),
            self.ctx,
        )

    def refused(self, user: CreatedUser, **login: str) -> str:
        """Attempt a login that must fail; the failure's recorded reason."""
        with pytest.raises(Unauthenticated):
            self.login(user, **login)
        return self.records("session.login")[-1].entry.detail

    def records(self, action: str) -> list[AuditRecord]:
        return [r for r in self.uow.store.audit if r.entry.action == action]

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


# -- IAM-01 unique accounts ------------------------------------------------------------


def test_IAM_01_a_second_account_with_the_same_username_is_refused() -> None:
    a = Accounts()
    assert a.uow.store.users == {}, "a new system has no accounts at all"
    first = a.create("ana.clerk")
    with pytest.raises(AlreadyExists, match=r"^account \[ana.clerk\] already exists$"):
        a.create(" ana.clerk ", role=Role.AUDITOR, facility=None)
    assert list(a.uow.store.users) == [first.user.id]
    refused = a.records("account.create")[-1].entry
    assert (refused.outcome, refused.object_id) == (Outcome.REFUSED, " ana.clerk ")


def test_only_administrators_and_the_system_manage_accounts_and_keys() -> None:
    a = Accounts()
    ana = a.create()
    clerk = a.ctx.acting(CLERK)
    attempts = [
        lambda: accounts.create_user(
            CreateUser(username="eve", role=Role.ADMIN, password=PASSWORD), clerk
        ),
        lambda: accounts.create_key(CreateKey(name="mine", role=Role.ADMIN), clerk),
        lambda: accounts.list_users(clerk),
        lambda: accounts.list_keys(clerk),
        lambda: accounts.unlock_user(ana.user.username, clerk),
        lambda: accounts.disable_user(ana.user.username, clerk),
        lambda: accounts.end_sessions(ana.user.username, clerk),
    ]
    for attempt in attempts:
        with pytest.raises(Forbidden, match=r"permission \[account.manage\]"):
            attempt()
    assert [u.username for u in a.uow.store.users.values()] == ["ana.clerk"]
    assert a.uow.store.api_keys == {}
    denied = [r for r in a.uow.store.audit if r.entry.outcome is Outcome.DENIED]
    assert {r.entry.action for r in denied} >= {
        "account.create",
        "key.create",
        "account.unlock",
        "account.disable",
        "account.end_sessions",
    }
    assert a.uow.store.users[ana.user.id].disabled_at is None


# -- IAM-02 two factors ------------------------------------------------------------------


def test_IAM_02_login_requires_a_second_factor() -> None:
    a = Accounts()
    ana = a.create()
    assert a.refused(ana, code="") == "wrong or reused code"
    assert a.refused(ana, code=a.wrong_code(ana)) == "wrong or reused code"
    assert a.refused(ana, password=WRONG) == "wrong password"

    signed = a.login(ana)
    assert signed.caller.name == "ana.clerk"
    assert signed.caller.kind is PrincipalKind.USER
    assert (signed.caller.role, signed.caller.facility_code) == (Role.FACILITY_STAFF, FACILITY)
    assert a.records("session.login")[-1].entry.outcome is Outcome.SUCCESS


def test_an_unknown_name_is_refused_like_a_wrong_password() -> None:
    a = Accounts()
    ana = a.create()
    with pytest.raises(Unauthenticated) as unknown:
        accounts.login(Login(username="nobody", password=PASSWORD, code=a.code(ana)), a.ctx)
    with pytest.raises(Unauthenticated) as wrong:
        a.login(ana, password=WRONG)
    assert str(unknown.value) == str(wrong.value)
    assert a.records("session.login")[0].entry.detail == "unknown account"


def test_a_code_typed_with_non_ascii_digits_is_a_refusal_not_a_crash() -> None:
    a = Accounts()
    ana = a.create()
    fullwidth = a.code(ana).translate({ord(d): 0xFF10 + int(d) for d in "0123456789"})
    assert a.refused(ana, code=fullwidth) == "wrong or reused code"


# -- IAM-03 replay -------------------------------------------------------------------------


def test_IAM_03_a_used_totp_code_cannot_be_used_again() -> None:
    a = Accounts()
    ana = a.create()
    code = a.code(ana)
    a.login(ana, code=code)

    a.clock.advance(seconds=10)  # the same 30-second step: the app still shows this code
    assert a.code(ana) == code
    assert a.refused(ana, code=code) == "wrong or reused code"

    # Nor is an older code, still inside the one-step drift allowance, accepted after it.
    a.clock.advance(seconds=30)
    older = a.creds.second_factor.code(ana.totp_secret, a.clock.now() - timedelta(seconds=30))
    assert older == code
    assert a.refused(ana, code=older) == "wrong or reused code"

    a.login(ana)  # the next step's fresh code works


# -- IAM-04 passwords ----------------------------------------------------------------------


def test_IAM_04_a_password_shorter_than_12_characters_is_refused() -> None:
    a = Accounts()
    with pytest.raises(InvalidValue, match=r"is shorter than 12 characters"):
        a.create(password="tulip-kite9")
    assert a.uow.store.users == {}
    a.create(password="tulip-kite97")


def test_IAM_04_long_passphrases_are_accepted_up_to_128_characters() -> None:
    a = Accounts()
    a.create("ana.clerk", password="a quiet walk along the river at dawn " * 3 + "x" * 17)
    with pytest.raises(InvalidValue, match=r"is longer than 128 characters"):
        a.create("bo.clerk", password="w" * 129)


@pytest.mark.parametrize("password", ["password1234", "Password1234", "123456789abc"])
def test_IAM_04_a_common_password_is_refused(password: str) -> None:
    a = Accounts()
    # zxcvbn's list has "password1234" and "123456789abc" (not "password123456").
    assert a.creds.common_passwords.is_common(password)
    with pytest.raises(InvalidValue, match=r"is on a list of common or breached passwords"):
        a.create(password=password)
    assert a.uow.store.users == {}


@pytest.mark.parametrize(
    "password", ["ana.clerk is my name", "my ANA.CLERK password", "the detainers system 7"]
)
def test_IAM_04_a_password_containing_the_username_or_the_system_name_is_refused(
    password: str,
) -> None:
    a = Accounts()
    with pytest.raises(InvalidValue, match=r"contains the username or the system's name"):
        a.create("ana.clerk", password=password)


def test_a_refused_password_never_reaches_the_audit_trail() -> None:
    a = Accounts()
    with pytest.raises(InvalidValue) as refused:
        a.create(password="password1234")
    assert "password1234" not in str(refused.value)
    assert "password1234" not in repr(a.uow.store.audit)
    assert a.records("account.create")[-1].entry.outcome is Outcome.REFUSED


# -- IAM-05 lock-out -------------------------------------------------------------------------


def test_IAM_05_five_failures_lock_the_account_for_ten_minutes() -> None:
    a = Accounts()
    ana = a.create()
    for _ in range(4):
        a.refused(ana, password=WRONG)
    assert a.records("account.lock") == []
    a.refused(ana, code=a.wrong_code(ana))  # a wrong code counts as a failure too

    [lock] = a.records("account.lock")
    assert (lock.entry.outcome, lock.entry.object_id) == (Outcome.SUCCESS, ana.user.id)
    assert lock.entry.detail == "failures=5"
    assert a.uow.store.users[ana.user.id].locked_until == T0 + timedelta(minutes=10)

    a.clock.advance(minutes=9, seconds=59)
    assert a.refused(ana) == "account locked", "the right password and code do not open it"
    assert len(a.records("account.lock")) == 1

    a.clock.advance(seconds=1)
    a.login(ana)
    assert a.uow.store.users[ana.user.id].failed_logins == 0


def test_IAM_05_an_administrator_can_release_a_locked_account_and_the_release_is_audited() -> None:
    a = Accounts()
    ana = a.create()
    for _ in range(5):
        a.refused(ana, password=WRONG)
    assert a.refused(ana) == "account locked"

    accounts.unlock_user("ana.clerk", a.admin)

    [unlock] = a.records("account.unlock")
    assert (unlock.entry.actor, unlock.entry.outcome) == ("root.admin", Outcome.SUCCESS)
    a.login(ana)


def test_IAM_05_a_lock_that_ran_out_needs_five_new_failures_to_lock_again() -> None:
    a = Accounts()
    ana = a.create()
    for _ in range(5):
        a.refused(ana, password=WRONG)
    a.clock.advance(minutes=10)

    a.refused(ana, password=WRONG)
    a.login(ana)
    assert len(a.records("account.lock")) == 1


def test_IAM_05_a_successful_login_restarts_the_count() -> None:
    a = Accounts()
    ana = a.create()
    for _ in range(4):
        a.refused(ana, password=WRONG)
    a.login(ana)
    a.clock.advance(seconds=30)
    for _ in range(4):
        a.refused(ana, password=WRONG)
    a.login(ana)
    assert a.records("account.lock") == []


# -- IAM-06 sessions --------------------------------------------------------------------------


def test_IAM_06_sessions_end_after_30_idle_minutes_rotate_on_login_and_die_on_logout_and_disable() -> (
    None
):
    a = Accounts()
    ana = a.create()
    first = a.login(ana)
    assert accounts.session_caller(first.token, a.ctx).name == "ana.clerk"

    # Each use counts as activity: 58 minutes after login, idle for 29.
    a.clock.advance(minutes=29)
    assert a.session_ok(first.token)
    a.clock.advance(minutes=29)
    assert a.session_ok(first.token)
    a.clock.advance(minutes=30, seconds=1)
    assert not a.session_ok(first.token)
    assert not a.session_ok(first.token), "an expired session stays ended"
    assert a.records("session.expire")[0].entry.object_id == first.session.id

    # Signing in again while holding a session replaces it: new id, old token dead.
    second = a.login(ana)
    a.clock.advance(seconds=30)
    third = a.login(ana, previous=second.token)
    assert (third.token, third.session.id) != (second.token, second.session.id)
    assert not a.session_ok(second.token)
    assert a.session_ok(third.token)

    accounts.logout(third.token, a.ctx.acting(third.caller))
    assert not a.session_ok(third.token)
    with pytest.raises(Unauthenticated):
        accounts.logout(third.token, a.ctx)

    a.clock.advance(seconds=30)
    fourth = a.login(ana)
    assert accounts.disable_user("ana.clerk", a.admin) == 1
    assert not a.session_ok(fourth.token)
    a.clock.advance(seconds=30)
    assert a.refused(ana) == "account disabled"


def test_IAM_06_a_session_ends_after_12_hours_however_busy() -> None:
    a = Accounts()
    ana = a.create()
    signed = a.login(ana)
    for _ in range(28):
        a.clock.advance(minutes=25)
        assert a.session_ok(signed.token)
    a.clock.advance(minutes=19)  # 11 h 59 min
    assert a.session_ok(signed.token)
    a.clock.advance(minutes=2)  # 12 h 1 min, idle for 2
    assert not a.session_ok(signed.token)


def test_IAM_06_an_administrator_can_end_all_of_a_persons_sessions() -> None:
    a = Accounts()
    ana = a.create()
    bo = a.create("bo.clerk")
    mine = [a.login(ana)]
    a.clock.advance(seconds=30)
    mine.append(a.login(ana))
    theirs = a.login(bo)

    assert accounts.end_sessions("ana.clerk", a.admin) == 2

    assert [a.session_ok(s.token) for s in mine] == [False, False]
    assert a.session_ok(theirs.token)
    assert a.records("account.end_sessions")[-1].entry.detail == "sessions_ended=2"
    with pytest.raises(NotFound, match=r"^no account \[nobody\]$"):
        accounts.end_sessions("nobody", a.admin)


# -- IAM-10 tokens ------------------------------------------------------------------------------


def _unsigned_jwt(claims: dict[str, object]) -> str:
    def part(value: dict[str, object]) -> str:
        return base64.urlsafe_b64encode(json.dumps(value).encode()).decode().rstrip("=")

    return f"{part({'alg': 'none', 'typ': 'JWT'})}.{part(claims)}."


def test_IAM_10_tokens_are_opaque_server_side_secrets_and_forged_ones_are_refused() -> None:
    a = Accounts()
    ana = a.create()
    signed = a.login(ana)
    created = accounts.create_key(
        CreateKey(
            name="county feed",
            role=Role.FACILITY_STAFF,
            facility_code=FACILITY,
            expires_at=T0 + timedelta(days=30),
        ),
        a.admin,
    )
    secret, prefix = created.secret, created.key.prefix
    assert re.fullmatch(rf"dk_{prefix}_[A-Za-z0-9_-]{{43}}", secret)
    caller = accounts.key_caller(secret, a.ctx)
    assert (caller.kind, caller.role, caller.facility_code) == (
        PrincipalKind.KEY,
        Role.FACILITY_STAFF,
        FACILITY,
    )

    # Only hashes are kept: nothing stored would let anyone rebuild a token.
    assert a.uow.store.api_keys[prefix].secret_hash == hashlib.sha256(secret.encode()).hexdigest()
    stored = repr(a.uow.store)
    assert secret not in stored
    assert signed.token not in stored

    # Self-made tokens carry no authority, however they are dressed.
    jwt = _unsigned_jwt({"sub": "root.admin", "role": "admin", "exp": 4102444800})
    altered = secret[:-1] + ("A" if secret[-1] != "A" else "B")
    forged = [
        jwt,
        f"dk_{jwt}",
        altered,
        f"dk_{prefix}_{'A' * 43}",
        f"dk_{'0' * 12}_{secret.split('_', 2)[2]}",
        signed.token[:-1] + ("A" if signed.token[-1] != "A" else "B"),
        "",
    ]
    for token in forged:
        assert not a.key_ok(token), token
        assert not a.session_ok(token), token

    accounts.revoke_key(prefix, a.admin)
    assert not a.key_ok(secret)
    assert a.records("key.revoke")[-1].entry.outcome is Outcome.SUCCESS

    expiring = accounts.create_key(
        CreateKey(name="short", role=Role.AUDITOR, expires_at=T0 + timedelta(days=1)), a.admin
    )
    a.clock.advance(hours=23, minutes=59)
    assert a.key_ok(expiring.secret)
    a.clock.advance(minutes=1)
    assert not a.key_ok(expiring.secret)

    reasons = [r.entry.detail for r in a.records("key.authenticate")]
    assert {"unknown key", "revoked key", "expired key"} <= set(reasons)
    assert all(r.entry.outcome is Outcome.FAILED for r in a.records("key.authenticate"))


def test_a_key_is_accepted_whatever_characters_its_random_parts_hold() -> None:
    a = Accounts()
    counter = itertools.count()
    # URL-safe tokens may hold `_`, which also separates a key's parts.
    a.ctx = dataclasses.replace(
        a.ctx,
        credentials=dataclasses.replace(a.creds, token=lambda: f"_{next(counter)}_" + "a_-" * 14),
    )
    for n in range(5):
        created = accounts.create_key(CreateKey(name=f"feed {n}", role=Role.AUDITOR), a.ctx)
        assert "_" not in created.key.prefix
        assert a.key_ok(created.secret)


def test_a_key_cannot_be_created_already_expired() -> None:
    a = Accounts()
    with pytest.raises(InvalidValue, match=r"^expires_at: \[.*\] is not in the future$"):
        accounts.create_key(CreateKey(name="late", role=Role.AUDITOR, expires_at=T0), a.admin)


# -- tenancy of keys and accounts -----------------------------------------------------------------


@pytest.mark.parametrize(
    ("role", "facility", "agency", "field"),
    [
        (Role.FACILITY_STAFF, None, None, "facility"),
        (Role.FACILITY_SUPERVISOR, FACILITY, AGENCY, "facility"),
        (Role.AGENCY_OFFICER, None, None, "agency"),
        (Role.AGENCY_OFFICER, FACILITY, AGENCY, "agency"),
        (Role.AUDITOR, FACILITY, None, "role"),
        (Role.ADMIN, None, AGENCY, "role"),
        (Role.SYSTEM, None, None, "role"),
        (Role.ANONYMOUS, None, None, "role"),
    ],
)
def test_a_keys_role_decides_which_tenant_it_must_name(
    role: Role, facility: str | None, agency: str | None, field: str
) -> None:
    a = Accounts()
    with pytest.raises(InvalidValue) as refused:
        accounts.create_key(
            CreateKey(name="feed", role=role, facility_code=facility, agency_code=agency), a.admin
        )
    assert refused.value.field == field
    assert a.uow.store.api_keys == {}
    assert a.records("key.create")[-1].entry.outcome is Outcome.REFUSED


def test_a_key_or_account_for_an_unknown_facility_or_agency_is_not_found() -> None:
    a = Accounts()
    with pytest.raises(NotFound, match=r"^no facility \[XX-NONE\]$"):
        accounts.create_key(
            CreateKey(name="feed", role=Role.FACILITY_STAFF, facility_code="XX-NONE"), a.admin
        )
    with pytest.raises(NotFound, match=r"^no agency \[ERO-NONE\]$"):
        a.create(role=Role.AGENCY_OFFICER, facility=None, agency="ERO-NONE")
    assert (a.uow.store.api_keys, a.uow.store.users) == ({}, {})


def test_a_key_and_an_account_act_only_within_their_tenant() -> None:
    a = Accounts()
    officer = a.create("agent.smith", role=Role.AGENCY_OFFICER, facility=None, agency=AGENCY)
    key = accounts.create_key(
        CreateKey(name="supervisor feed", role=Role.FACILITY_SUPERVISOR, facility_code=FACILITY),
        a.admin,
    )
    by_key = accounts.key_caller(key.secret, a.ctx)
    assert (by_key.role, by_key.facility_code, by_key.agency_code) == (
        Role.FACILITY_SUPERVISOR,
        FACILITY,
        None,
    )
    by_login = a.login(officer).caller
    assert (by_login.role, by_login.facility_code, by_login.agency_code) == (
        Role.AGENCY_OFFICER,
        None,
        AGENCY,
    )


# -- what the trail shows of a typed name ---------------------------------------------------------


def test_a_typed_name_with_line_breaks_is_recorded_escaped() -> None:
    a = Accounts()
    with pytest.raises(Unauthenticated):
        accounts.login(
            Login(username="ana\r\n2024-01-01 admin login ok", password=WRONG, code="000000"),
            a.ctx,
        )
    [failed] = a.records("session.login")
    assert failed.entry.actor == "ana\\x0d\\x0a2024-01-01 admin login ok"
    assert failed.entry.detail == "unknown account"


def test_a_list_of_keys_never_holds_a_secret() -> None:
    a = Accounts()
    created = accounts.create_key(CreateKey(name="feed", role=Role.AUDITOR), a.admin)
    [listed] = accounts.list_keys(a.admin)
    assert listed.prefix == created.key.prefix
    assert created.secret not in repr(listed)
    assert a.records("key.list")[-1].entry.outcome is Outcome.SUCCESS


# -- keys verified lately: no read per request, revocation still felt --------------------


def _remembering(a: Accounts, seconds: int = 5) -> None:
    a.ctx = dataclasses.replace(a.ctx, recent_keys=RecentKeys(timedelta(seconds=seconds)))
    a.admin = a.ctx.acting(ADMIN)


def test_a_key_verified_moments_ago_is_trusted_without_reading_it_again() -> None:
    a = Accounts()
    _remembering(a)
    made = accounts.create_key(
        CreateKey(name="feed", role=Role.AGENCY_OFFICER, agency_code=AGENCY), a.admin
    )
    assert accounts.recent_key_caller(made.secret, a.ctx) is None  # not verified yet

    first = accounts.key_caller(made.secret, a.ctx)
    opened = len(a.uow.made)
    again = accounts.recent_key_caller(made.secret, a.ctx)

    assert again == first
    assert (again.role, again.agency_code, again.name) == (Role.AGENCY_OFFICER, AGENCY, "key:feed")
    assert len(a.uow.made) == opened  # no unit of work: nothing read
    a.clock.advance(seconds=5)
    assert accounts.recent_key_caller(made.secret, a.ctx) is None  # lapsed: read it again


def test_a_key_revoked_here_is_refused_at_once_and_elsewhere_within_seconds() -> None:
    a = Accounts()
    _remembering(a, seconds=5)
    here = accounts.create_key(CreateKey(name="here", role=Role.AUDITOR), a.admin)
    there = accounts.create_key(CreateKey(name="there", role=Role.AUDITOR), a.admin)
    accounts.key_caller(here.secret, a.ctx)
    accounts.key_caller(there.secret, a.ctx)

    accounts.revoke_key(here.key.prefix, a.admin)
    assert accounts.recent_key_caller(here.secret, a.ctx) is None
    assert not a.key_ok(here.secret)

    # Revoked by another server process: this one learns of it when its entry lapses.
    stored = a.uow.store.api_keys[there.key.prefix]
    a.uow.store.api_keys[there.key.prefix] = dataclasses.replace(stored, revoked_at=a.clock.now())
    a.clock.advance(seconds=4)
    assert accounts.recent_key_caller(there.secret, a.ctx) is not None
    a.clock.advance(seconds=1)
    assert accounts.recent_key_caller(there.secret, a.ctx) is None
    assert not a.key_ok(there.secret)


def test_a_remembered_key_still_expires_on_time_and_failures_are_never_remembered() -> None:
    a = Accounts()
    _remembering(a, seconds=60)
    made = accounts.create_key(
        CreateKey(name="short", role=Role.AUDITOR, expires_at=T0 + timedelta(seconds=30)),
        a.admin,
    )
    accounts.key_caller(made.secret, a.ctx)
    a.clock.advance(seconds=29)
    assert accounts.recent_key_caller(made.secret, a.ctx) is not None
    a.clock.advance(seconds=1)
    assert accounts.recent_key_caller(made.secret, a.ctx) is None

    wrong = made.secret[:-1] + ("A" if made.secret[-1] != "A" else "B")
    for _ in range(3):
        assert not a.key_ok(wrong)
        assert accounts.recent_key_caller(wrong, a.ctx) is None
    failures = [r for r in a.records("key.authenticate") if r.entry.detail == "unknown key"]
    assert len(failures) == 3  # each failure read, refused and audited


def test_remembered_keys_are_bounded_and_hold_no_secret() -> None:
    remembered = RecentKeys(timedelta(seconds=5), size=3)
    a = Accounts()
    made = [
        accounts.create_key(CreateKey(name=f"k{n}", role=Role.AUDITOR), a.admin) for n in range(5)
    ]
    for m in made:
        remembered.put(accounts.digest(m.secret), m.key, T0)
    kept = [m for m in made if remembered.get(accounts.digest(m.secret), T0) is not None]
    assert [m.key.name for m in kept] == ["k2", "k3", "k4"]
    assert not any(m.secret in repr(remembered.__dict__) for m in made)


def test_a_key_read_just_before_this_process_revoked_it_is_not_remembered_after() -> None:
    a = Accounts()
    _remembering(a)
    made = accounts.create_key(CreateKey(name="racing", role=Role.AUDITOR), a.admin)
    read_before = dataclasses.replace(a.uow.store.api_keys[made.key.prefix])  # read, valid...

    accounts.revoke_key(made.key.prefix, a.admin)  # ...another revokes it meanwhile...
    assert a.ctx.recent_keys is not None
    a.ctx.recent_keys.put(accounts.digest(made.secret), read_before, a.clock.now())  # ...then

    assert accounts.recent_key_caller(made.secret, a.ctx) is None
    assert not a.key_ok(made.secret)


class _CountingHasher:
    def __init__(self, real: Hasher) -> None:
        self.real, self.verified = real, 0

    def hash(self, password: str) -> str:
        return self.real.hash(password)

    def verify(self, hashed: str, password: str) -> bool:
        self.verified += 1
        return self.real.verify(hashed, password)


def test_IAM_05_every_refused_sign_in_costs_one_password_hash_whatever_the_reason() -> None:
    """Unknown, disabled, locked or wrong: the same work, so timing tells nothing apart."""
    a = Accounts()
    counting = _CountingHasher(a.creds.hasher)
    a.ctx = dataclasses.replace(a.ctx, credentials=dataclasses.replace(a.creds, hasher=counting))
    a.admin = a.ctx.acting(ADMIN)
    locked, disabled, plain = a.create("lou.locked"), a.create("dee.disabled"), a.create()
    for _ in range(accounts.MAX_FAILURES):
        a.refused(locked, password=WRONG)
    accounts.disable_user(disabled.user.username, a.admin)
    ghost = dataclasses.replace(plain, user=dataclasses.replace(plain.user, username="no.one"))

    reasons = {}
    for who, password in (
        (locked, PASSWORD),
        (disabled, PASSWORD),
        (plain, WRONG),
        (ghost, PASSWORD),
    ):
        before = counting.verified
        reasons[who.user.username] = a.refused(who, password=password)
        assert counting.verified - before == 1, who.user.username

    assert reasons == {
        "lou.locked": "account locked",
        "dee.disabled": "account disabled",
        "ana.clerk": "wrong password",
        "no.one": "unknown account",
    }
