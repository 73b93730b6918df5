"""Who is asking: roles, the caller behind every command, and the accounts and keys behind callers.

Person-level records are criminal-justice information; access to them is
decided from the caller's role and tenant (the facility or agency the caller
works for). Accounts are people who log in; API keys are systems. Both reduce
to a `Caller` before any use case runs.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from detainers.domain._enum import DocumentedEnum


class Role(DocumentedEnum):
    FACILITY_STAFF = "facility_staff", "staff of one facility: bookings, reviews, releases there"
    FACILITY_SUPERVISOR = (
        "facility_supervisor",
        "a facility's supervisor: staff's rights plus overdue-hold alarms and overrides",
    )
    AGENCY_OFFICER = (
        "agency_officer",
        "an officer of one agency office: lodges and cancels its detainers",
    )
    AUDITOR = "auditor", "reads the audit trail and aggregate statistics, no person-level records"
    ADMIN = "admin", "manages jurisdictions, agencies, facilities, accounts and keys"
    ANONYMOUS = "anonymous", "anyone: public statistics and policy evaluation only"
    SYSTEM = "system", "the system itself (command line, worker, scheduled checks)"


FACILITY_ROLES = frozenset({Role.FACILITY_STAFF, Role.FACILITY_SUPERVISOR})
AGENCY_ROLES = frozenset({Role.AGENCY_OFFICER})
# Roles that can be given to an account or a key (anonymous and system are not assignable).
ASSIGNABLE = (
    Role.FACILITY_STAFF,
    Role.FACILITY_SUPERVISOR,
    Role.AGENCY_OFFICER,
    Role.AUDITOR,
    Role.ADMIN,
)


class PrincipalKind(DocumentedEnum):
    USER = "user", "a person who logged in with a password and a second factor"
    KEY = "key", "a system calling with an API key"
    ANONYMOUS = "anonymous", "no credentials"
    SYSTEM = "system", "the system acting on its own behalf (CLI, worker)"


@dataclass(frozen=True, kw_only=True)
class Caller:
    """The principal behind a request, and where the request came from.

    `name` is what events and audit records show (a username or a key's name);
    `principal_id` is the account's or key's id. `client` and `request_id` tie
    an audit record to the request that caused it.
    """

    principal_id: str
    name: str
    kind: PrincipalKind
    role: Role
    facility_code: str | None = None
    agency_code: str | None = None
    client: str = "local"
    request_id: str = "-"

    @property
    def organization(self) -> str:
        """The caller's tenant code (facility or agency), or `-`."""
        return self.facility_code or self.agency_code or "-"


SYSTEM = Caller(principal_id="system", name="system", kind=PrincipalKind.SYSTEM, role=Role.SYSTEM)
ANONYMOUS = Caller(
    principal_id="anonymous", name="anonymous", kind=PrincipalKind.ANONYMOUS, role=Role.ANONYMOUS
)


def cli_caller(actor: str) -> Caller:
    """The caller for a command typed at this machine's command line (trusted like the system)."""
    return Caller(principal_id="system", name=actor, kind=PrincipalKind.SYSTEM, role=Role.SYSTEM)


@dataclass(kw_only=True)
class User:
    """A person's account. The password hash and TOTP secret never leave the service layer."""

    id: str
    username: str
    role: Role
    facility_code: str | None
    agency_code: str | None
    password_hash: str
    totp_secret: str
    created_at: datetime
    disabled_at: datetime | None = None
    failed_logins: int = 0
    locked_until: datetime | None = None
    last_totp_step: int | None = None
    version: int = 1


@dataclass(kw_only=True)
class ApiKey:
    """A system's credential: only its hash is stored; the secret is shown once."""

    id: str
    name: str
    role: Role
    facility_code: str | None
    agency_code: str | None
    prefix: str
    secret_hash: str
    created_at: datetime
    expires_at: datetime | None = None
    revoked_at: datetime | None = None


@dataclass(kw_only=True)
class Session:
    """A logged-in person's session; the token is stored only as its hash."""

    id: str
    user_id: str
    token_hash: str
    created_at: datetime
    last_seen_at: datetime
    ended_at: datetime | None = None
