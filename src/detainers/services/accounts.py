"""Accounts, sessions and API keys: who may sign in, how, and for how long.

People sign in with a password (argon2, checked against a list of common and
breached passwords) and a TOTP code; five failures in a row lock the account
for ten minutes; a used code cannot be used again. A session ends after 30
idle minutes or 12 hours in all, at logout, or when the account is disabled.
Systems use API keys: random secrets stored only as hashes, scoped to a role
and a tenant, revocable and expiring. Every sign-in, failure, lock and change
of an account or key leaves one audit record.
"""

from __future__ import annotations

import hashlib
import hmac
from dataclasses import dataclass, replace
from datetime import datetime, timedelta

from detainers.domain.access import (
    AGENCY_ROLES,
    ASSIGNABLE,
    FACILITY_ROLES,
    ApiKey,
    Caller,
    PrincipalKind,
    Role,
    Session,
    User,
)
from detainers.domain.audit import Outcome
from detainers.domain.errors import InvalidValue
from detainers.services import authz
from detainers.services.audit import Trail, audited, entry, record_alone
from detainers.services.authz import Permission
from detainers.services.context import Context
from detainers.services.errors import AlreadyExists, NotFound, Unauthenticated
from detainers.services.ports import Credentials, UnitOfWork

MAX_FAILURES = 5
LOCKOUT = timedelta(minutes=10)
IDLE_TIMEOUT = timedelta(minutes=30)
SESSION_LIFETIME = timedelta(hours=12)
# A session's last-seen time is written at most this often (every request would be a write).
TOUCH_EVERY = timedelta(seconds=60)
MIN_PASSWORD, MAX_PASSWORD = 12, 128
KEY_PREFIX = "dk"
# A key's public prefix: hex, so it never contains the `_` that separates the parts of a key.
PREFIX_LENGTH = 12
# Words a password must not contain: the system's own names.
CONTEXT_WORDS = ("detainer", "detainers")


def _credentials(ctx: Context) -> Credentials:
    if ctx.credentials is None:
        raise RuntimeError("accounts need credentials (wire them in bootstrap)")
    return ctx.credentials


def digest(secret: str) -> str:
    """The stored form of a high-entropy secret (a session token or an API key)."""
    return hashlib.sha256(secret.encode()).hexdigest()


# -- accounts ------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class CreateUser:
    username: str
    role: Role
    password: str
    facility_code: str | None = None
    agency_code: str | None = None


@dataclass(frozen=True, kw_only=True)
class CreatedUser:
    user: User
    totp_secret: str


def check_password(ctx: Context, password: str, username: str) -> None:
    """Refuse a password that is short, over-long, common, or made of the username or system name."""
    if len(password) < MIN_PASSWORD:
        raise InvalidValue(
            field="password", value="(hidden)", problem=f"is shorter than {MIN_PASSWORD} characters"
        )
    if len(password) > MAX_PASSWORD:
        raise InvalidValue(
            field="password", value="(hidden)", problem=f"is longer than {MAX_PASSWORD} characters"
        )
    lowered = password.lower()
    if _credentials(ctx).common_passwords.is_common(lowered):
        raise InvalidValue(
            field="password",
            value="(hidden)",
            problem="is on a list of common or breached passwords",
        )
    if username.lower() in lowered or any(word in lowered for word in CONTEXT_WORDS):
        raise InvalidValue(
            field="password", value="(hidden)", problem="contains the username or the system's name"
        )


def _tenant(
    uow: UnitOfWork, role: Role, facility_code: str | None, agency_code: str | None
) -> None:
    if role not in ASSIGNABLE:
        raise InvalidValue(
            field="role",
            value=role.value,
            problem="cannot be given to an account or key; accepted: "
            + " | ".join(r.value for r in ASSIGNABLE),
        )
    if role in FACILITY_ROLES:
        if not facility_code or agency_code:
            raise InvalidValue(
                field="facility",
                value=str(facility_code),
                problem=f"role [{role}] needs a facility and no agency",
            )
        if uow.facilities.get(facility_code) is None:
            raise NotFound("facility", facility_code)
    elif role in AGENCY_ROLES:
        if not agency_code or facility_code:
            raise InvalidValue(
                field="agency",
                value=str(agency_code),
                problem=f"role [{role}] needs an agency and no facility",
            )
        if uow.agencies.get(agency_code) is None:
            raise NotFound("agency", agency_code)
    elif facility_code or agency_code:
        raise InvalidValue(
            field="role",
            value=role.value,
            problem="is not tied to a facility or agency; give neither",
        )


@audited("account.create", "account", "username")
def create_user(cmd: CreateUser, ctx: Context, trail: Trail) -> CreatedUser:
    """A new account with a fresh TOTP secret (shown once, for the person's authenticator app)."""
    authz.require(ctx.caller, Permission.ACCOUNT_MANAGE)
    username = cmd.username.strip()
    if not _is_username(username):
        raise InvalidValue(
            field="username",
            value=cmd.username,
            problem="must be 1-64 letters, digits, dots, dashes or underscores",
        )
    check_password(ctx, cmd.password, username)
    creds = _credentials(ctx)
    secret = creds.second_factor.new_secret()
    with ctx.uow() as uow:
        _tenant(uow, cmd.role, cmd.facility_code, cmd.agency_code)
        if uow.users.by_username(username) is not None:
            raise AlreadyExists("account", username)
        user = User(
            id=ctx.ids(),
            username=username,
            role=cmd.role,
            facility_code=cmd.facility_code,
            agency_code=cmd.agency_code,
            password_hash=creds.hasher.hash(cmd.password),
            totp_secret=secret,
            created_at=ctx.clock.now(),
        )
        uow.users.add(user)
        trail.success(uow, user.id, detail=f"role={cmd.role}")
        uow.commit()
    return CreatedUser(user=user, totp_secret=secret)


def _is_username(name: str) -> bool:
    return 0 < len(name) <= 64 and name.replace(".", "").replace("-", "").replace("_", "").isalnum()


def _user(uow: UnitOfWork, username: str) -> User:
    user = uow.users.by_username(username)
    if user is None:
        raise NotFound("account", username)
    return user


@audited("account.disable", "account")
def disable_user(username: str, ctx: Context, trail: Trail) -> int:
    """Disable an account and end its sessions at once; how many sessions were ended."""
    authz.require(ctx.caller, Permission.ACCOUNT_MANAGE)
    now = ctx.clock.now()
    with ctx.uow() as uow:
        user = _user(uow, username)
        user.disabled_at = user.disabled_at or now
        uow.users.save(user)
        ended = uow.sessions.end_all(user.id, now)
        trail.success(uow, user.id, detail=f"sessions_ended={ended}")
        uow.commit()
    return ended


@audited("account.unlock", "account")
def unlock_user(username: str, ctx: Context, trail: Trail) -> None:
    authz.require(ctx.caller, Permission.ACCOUNT_MANAGE)
    with ctx.uow() as uow:
        user = _user(uow, username)
        user.failed_logins, user.locked_until = 0, None
        uow.users.save(user)
        trail.success(uow, user.id)
        uow.commit()


@audited("account.end_sessions", "account")
def end_sessions(username: str, ctx: Context, trail: Trail) -> int:
    """End every session of an account (an administrator's kill switch)."""
    authz.require(ctx.caller, Permission.ACCOUNT_MANAGE)
    with ctx.uow() as uow:
        user = _user(uow, username)
        ended = uow.sessions.end_all(user.id, ctx.clock.now())
        trail.success(uow, user.id, detail=f"sessions_ended={ended}")
        uow.commit()
    return ended


# -- signing in ----------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class Login:
    username: str
    password: str
    code: str
    previous_token: str | None = None


@dataclass(frozen=True, kw_only=True)
class SignedIn:
    token: str
    session: Session
    caller: Caller


def user_caller(user: User, base: Caller) -> Caller:
    return replace(
        base,
        principal_id=user.id,
        name=user.username,
        kind=PrincipalKind.USER,
        role=user.role,
        facility_code=user.facility_code,
        agency_code=user.agency_code,
    )


def login(cmd: Login, ctx: Context) -> SignedIn:
    """Check password and code; a new session (and the presented old one ended) or `Unauthenticated`.

    Every attempt leaves one record; a fifth failure in a row also records the lock.
    """
    creds = _credentials(ctx)
    now = ctx.clock.now()
    with ctx.uow() as uow:
        # A name no account can have is not looked up (PostgreSQL refuses NUL characters).
        user = uow.users.by_username(cmd.username) if _is_username(cmd.username) else None
        problem = _refusal(ctx, user, cmd, now)
        if user is None or problem is not None:
            records = [
                entry(
                    ctx,
                    "session.login",
                    "account",
                    user.id if user else "-",
                    Outcome.FAILED,
                    detail=problem or "unknown account",
                    actor=cmd.username,
                )
            ]
            if user is not None and problem in ("wrong password", "wrong or reused code"):
                if user.locked_until is not None:
                    # The lock has run out: count five new failures before locking again.
                    user.failed_logins, user.locked_until = 0, None
                user.failed_logins += 1
                if user.failed_logins >= MAX_FAILURES:
                    user.locked_until = now + LOCKOUT
                    records.append(
                        entry(
                            ctx,
                            "account.lock",
                            "account",
                            user.id,
                            Outcome.SUCCESS,
                            detail=f"failures={user.failed_logins}",
                            actor=cmd.username,
                        )
                    )
                uow.users.save(user)
            for record in records:
                uow.audit.append(record)
            uow.commit()
            raise Unauthenticated()
        user.failed_logins, user.locked_until = 0, None
        user.last_totp_step = creds.second_factor.matching_step(user.totp_secret, cmd.code, now)
        uow.users.save(user)
        if cmd.previous_token:
            old = uow.sessions.by_token_hash(digest(cmd.previous_token))
            if old is not None and old.ended_at is None:
                old.ended_at = now
                uow.sessions.save(old)
        token = creds.token()
        session = Session(
            id=ctx.ids(),
            user_id=user.id,
            token_hash=digest(token),
            created_at=now,
            last_seen_at=now,
        )
        uow.sessions.add(session)
        caller = user_caller(user, ctx.caller)
        uow.audit.append(
            entry(
                replace(ctx, caller=caller),
                "session.login",
                "account",
                user.id,
                Outcome.SUCCESS,
                detail=f"session={session.id}",
            )
        )
        uow.commit()
    return SignedIn(token=token, session=session, caller=caller)


def _refusal(ctx: Context, user: User | None, cmd: Login, now: datetime) -> str | None:
    creds = _credentials(ctx)
    if user is None:
        # Hash anyway, so an unknown name takes as long as a known one.
        creds.hasher.verify(_DUMMY_HASH.get(creds), cmd.password)
        return "unknown account"
    # The password is checked first whatever happens next, so a disabled or locked
    # account takes as long to refuse as a wrong password (its state does not leak).
    password_ok = creds.hasher.verify(user.password_hash, cmd.password)
    if user.disabled_at is not None:
        return "account disabled"
    if user.locked_until is not None and now < user.locked_until:
        return "account locked"
    if not password_ok:
        return "wrong password"
    step = creds.second_factor.matching_step(user.totp_secret, cmd.code, now)
    if step is None or (user.last_totp_step is not None and step <= user.last_totp_step):
        return "wrong or reused code"
    return None


class _DummyHash:
    """A hash of nothing, made once per hasher, to spend the same time on unknown names."""

    def __init__(self) -> None:
        self._by_hasher: dict[int, str] = {}

    def get(self, creds: Credentials) -> str:
        key = id(creds.hasher)
        if key not in self._by_hasher:
            self._by_hasher[key] = creds.hasher.hash("not a password of anyone")
        return self._by_hasher[key]


_DUMMY_HASH = _DummyHash()


def session_caller(token: str, ctx: Context) -> Caller:
    """The person behind a session token, or `Unauthenticated` (ended, idle, too old, disabled)."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        session = uow.sessions.by_token_hash(digest(token))
        if session is None or session.ended_at is not None:
            raise Unauthenticated("the session has ended; sign in again")
        user = uow.users.get(session.user_id)
        expired = (
            now - session.last_seen_at > IDLE_TIMEOUT or now - session.created_at > SESSION_LIFETIME
        )
        if user is None or user.disabled_at is not None or expired:
            session.ended_at = now
            uow.sessions.save(session)
            uow.audit.append(
                entry(
                    ctx,
                    "session.expire",
                    "session",
                    session.id,
                    Outcome.SUCCESS,
                    actor=user.username if user else "-",
                )
            )
            uow.commit()
            raise Unauthenticated("the session has ended; sign in again")
        if now - session.last_seen_at >= TOUCH_EVERY:
            session.last_seen_at = now
            uow.sessions.save(session)
            uow.commit()
        return user_caller(user, ctx.caller)


def logout(token: str, ctx: Context) -> None:
    """End the session at once (it cannot be used again)."""
    now = ctx.clock.now()
    with ctx.uow() as uow:
        session = uow.sessions.by_token_hash(digest(token))
        if session is None or session.ended_at is not None:
            raise Unauthenticated("the session has ended")
        session.ended_at = now
        uow.sessions.save(session)
        uow.audit.append(entry(ctx, "session.logout", "session", session.id, Outcome.SUCCESS))
        uow.commit()


# -- API keys ------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class CreateKey:
    name: str
    role: Role
    facility_code: str | None = None
    agency_code: str | None = None
    expires_at: datetime | None = None


@dataclass(frozen=True, kw_only=True)
class CreatedKey:
    key: ApiKey
    secret: str


@audited("key.create", "key", "name")
def create_key(cmd: CreateKey, ctx: Context, trail: Trail) -> CreatedKey:
    """A new key; the secret (`dk_<prefix>_<random>`) is returned once and stored only hashed."""
    authz.require(ctx.caller, Permission.ACCOUNT_MANAGE)
    if not cmd.name.strip() or len(cmd.name) > 100:
        raise InvalidValue(field="name", value=cmd.name, problem="must be 1-100 characters")
    now = ctx.clock.now()
    if cmd.expires_at is not None and cmd.expires_at <= now:
        raise InvalidValue(
            field="expires_at", value=cmd.expires_at.isoformat(), problem="is not in the future"
        )
    creds = _credentials(ctx)
    prefix = digest(creds.token())[:PREFIX_LENGTH]
    secret = f"{KEY_PREFIX}_{prefix}_{creds.token()}"
    with ctx.uow() as uow:
        _tenant(uow, cmd.role, cmd.facility_code, cmd.agency_code)
        key = ApiKey(
            id=ctx.ids(),
            name=cmd.name.strip(),
            role=cmd.role,
            facility_code=cmd.facility_code,
            agency_code=cmd.agency_code,
            prefix=prefix,
            secret_hash=digest(secret),
            created_at=now,
            expires_at=cmd.expires_at,
        )
        uow.api_keys.add(key)
        trail.success(uow, key.id, detail=f"role={cmd.role} prefix={prefix}")
        uow.commit()
    return CreatedKey(key=key, secret=secret)


@audited("key.revoke", "key")
def revoke_key(prefix: str, ctx: Context, trail: Trail) -> ApiKey:
    authz.require(ctx.caller, Permission.ACCOUNT_MANAGE)
    with ctx.uow() as uow:
        key = uow.api_keys.by_prefix(prefix)
        if key is None:
            raise NotFound("key", prefix)
        key.revoked_at = key.revoked_at or ctx.clock.now()
        uow.api_keys.save(key)
        trail.success(uow, key.id)
        uow.commit()
    if ctx.recent_keys is not None:
        ctx.recent_keys.forget(key.id)
    return key


def key_caller(secret: str, ctx: Context) -> Caller:
    """The system behind an API key, or `Unauthenticated` (unknown, revoked, expired); failures audited."""
    now = ctx.clock.now()
    parts = secret.split("_", 2)
    prefix = parts[1] if len(parts) == 3 and parts[0] == KEY_PREFIX else ""
    if len(prefix) != PREFIX_LENGTH or not all(c in "0123456789abcdef" for c in prefix):
        prefix = ""
    hashed = digest(secret)
    with ctx.uow() as uow:
        key = uow.api_keys.by_prefix(prefix) if prefix else None
        problem = None
        if key is None or not hmac.compare_digest(key.secret_hash, hashed):
            problem = "unknown key"
        elif key.revoked_at is not None:
            problem = "revoked key"
        elif key.expires_at is not None and now >= key.expires_at:
            problem = "expired key"
        if key is None or problem is not None:
            uow.audit.append(
                entry(
                    ctx,
                    "key.authenticate",
                    "key",
                    key.id if key else "-",
                    Outcome.FAILED,
                    detail=problem or "unknown key",
                    actor=prefix or "-",
                )
            )
            uow.commit()
            raise Unauthenticated("the API key was not accepted")
    if ctx.recent_keys is not None:
        ctx.recent_keys.put(hashed, key, now)
    return _key_holder(ctx.caller, key)


def recent_key_caller(secret: str, ctx: Context) -> Caller | None:
    """The system behind a key this process verified moments ago, or None (then `key_caller`).

    Reads no database, so a server can answer it without a thread of its own.
    """
    if ctx.recent_keys is None:
        return None
    key = ctx.recent_keys.get(digest(secret), ctx.clock.now())
    return None if key is None else _key_holder(ctx.caller, key)


def _key_holder(caller: Caller, key: ApiKey) -> Caller:
    return replace(
        caller,
        principal_id=key.id,
        name=f"key:{key.name}",
        kind=PrincipalKind.KEY,
        role=key.role,
        facility_code=key.facility_code,
        agency_code=key.agency_code,
    )


def list_users(ctx: Context) -> list[User]:
    authz.require(ctx.caller, Permission.ACCOUNT_MANAGE)
    with ctx.uow() as uow:
        users = list(uow.users.list())
        uow.audit.append(entry(ctx, "account.list", "account", "all", Outcome.SUCCESS))
        uow.commit()
    return users


def list_keys(ctx: Context) -> list[ApiKey]:
    """Every API key, oldest first; reading the list is audited."""
    authz.require(ctx.caller, Permission.ACCOUNT_MANAGE)
    with ctx.uow() as uow:
        keys = list(uow.api_keys.list())
        uow.audit.append(entry(ctx, "key.list", "key", "all", Outcome.SUCCESS))
        uow.commit()
    return keys


def record_failure(
    ctx: Context, action: str, object_type: str, object_id: str, detail: str
) -> None:
    """Record a failed attempt that never reached a use case (e.g. a malformed credential)."""
    record_alone(ctx, entry(ctx, action, object_type, object_id, Outcome.FAILED, detail=detail))
