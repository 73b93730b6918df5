"""`detainers users`: create, list, disable and unlock people's accounts, and end their sessions.

Commands here act as the system (whoever runs them at this machine). A new
account's TOTP secret is printed once, with an `otpauth://` URI for the
person's authenticator app; it cannot be shown again. Nothing here prints a
password hash or a secret of an existing account.
"""

from __future__ import annotations

import sys
from typing import Annotated, Any

import pyotp
import typer
from rich.table import Table

from detainers.adapters.security import TOTP_STEP_SECONDS
from detainers.domain.access import AGENCY_ROLES, ASSIGNABLE, FACILITY_ROLES, Role, User
from detainers.domain.errors import InvalidValue, VocabularyError
from detainers.entrypoints.cli.common import application, console, print_json
from detainers.entrypoints.cli.render import when
from detainers.entrypoints.cli.views import iso
from detainers.services import accounts

app = typer.Typer(help="People's accounts (password and TOTP sign-in).", no_args_is_help=True)

ISSUER = "detainers"
ROLES = " | ".join(role.value for role in ASSIGNABLE)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for machines")]
RoleOption = Annotated[str, typer.Option("--role", help=f"One of: {ROLES}")]
FacilityOption = Annotated[
    str | None,
    typer.Option("--facility", help="Facility code (facility_staff, facility_supervisor)"),
]
AgencyOption = Annotated[str | None, typer.Option("--agency", help="Agency code (agency_officer)")]
Username = Annotated[str, typer.Argument(help="The account's username")]


def parse_role(raw: str) -> Role:
    """`raw` as a role an account or key can hold, or a `VocabularyError` naming `--role`."""
    if raw not in {role.value for role in ASSIGNABLE}:
        raise VocabularyError(field="--role", value=raw, accepted=ROLES)
    return Role(raw)


def check_tenant(role: Role, facility: str | None, agency: str | None) -> None:
    """Refuse option combinations the role cannot have, naming the option (the service checks too)."""
    takes_facility = " | ".join(sorted(r.value for r in FACILITY_ROLES))
    takes_agency = " | ".join(sorted(r.value for r in AGENCY_ROLES))
    if role in FACILITY_ROLES and not facility:
        raise InvalidValue(
            field="--facility",
            value="",
            problem=f"is needed for role [{role}]: give a facility code",
        )
    if role in AGENCY_ROLES and not agency:
        raise InvalidValue(
            field="--agency", value="", problem=f"is needed for role [{role}]: give an agency code"
        )
    if facility and role not in FACILITY_ROLES:
        raise InvalidValue(
            field="--facility",
            value=facility,
            problem=f"is not taken by role [{role}]; only [{takes_facility}] take --facility",
        )
    if agency and role not in AGENCY_ROLES:
        raise InvalidValue(
            field="--agency",
            value=agency,
            problem=f"is not taken by role [{role}]; only [{takes_agency}] take --agency",
        )


def _password(from_stdin: bool) -> str:
    if not from_stdin:
        # Prompts go to stderr so that `--json` output stays clean.
        password: str = typer.prompt(
            "Password", hide_input=True, confirmation_prompt=True, err=True
        )
        return password
    line = sys.stdin.readline()
    if not line:
        raise InvalidValue(
            field="--password-stdin", value="", problem="found no line on standard input"
        )
    return line.rstrip("\r\n")


def provisioning_uri(username: str, secret: str) -> str:
    """The `otpauth://` URI an authenticator app reads (usually as a QR code)."""
    return pyotp.TOTP(secret, interval=TOTP_STEP_SECONDS).provisioning_uri(
        name=username, issuer_name=ISSUER
    )


@app.command()
def create(
    ctx: typer.Context,
    username: Annotated[str, typer.Option("--username", help="1-64 letters, digits, . - _")],
    role: RoleOption,
    facility: FacilityOption = None,
    agency: AgencyOption = None,
    password_stdin: Annotated[
        bool,
        typer.Option("--password-stdin", help="Read the password from one line of stdin"),
    ] = False,
    as_json: JsonFlag = False,
) -> None:
    """Create an account; prints its TOTP secret once, for the person's authenticator app."""
    parsed = parse_role(role)
    check_tenant(parsed, facility, agency)
    password = _password(password_stdin)
    with application(ctx) as wired:
        created = accounts.create_user(
            accounts.CreateUser(
                username=username,
                role=parsed,
                password=password,
                facility_code=facility,
                agency_code=agency,
            ),
            wired.context,
        )
    user = created.user
    uri = provisioning_uri(user.username, created.totp_secret)
    if as_json:
        print_json(
            {
                "id": user.id,
                "username": user.username,
                "role": user.role.value,
                "totp_secret": created.totp_secret,
                "otpauth_uri": uri,
            }
        )
        return
    tenant = _tenant(user)
    where = f" at {tenant}" if tenant else ""
    typer.echo(f"created account {user.username} ({user.role}{where}), id {user.id}")
    typer.echo(f"TOTP secret: {created.totp_secret}")
    typer.echo(f"otpauth URI: {uri}")
    typer.echo("Add it to the person's authenticator app now: it will not be shown again.")


def _tenant(user: User) -> str | None:
    return user.facility_code or user.agency_code


def user_view(user: User) -> dict[str, Any]:
    """An account for `--json`: no password hash, no TOTP secret."""
    return {
        "id": user.id,
        "username": user.username,
        "role": user.role.value,
        "tenant": _tenant(user),
        "created_at": iso(user.created_at),
        "disabled_at": iso(user.disabled_at),
        "locked_until": iso(user.locked_until),
        "failed_logins": user.failed_logins,
    }


@app.command("list")
def list_(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """List accounts by username (never a hash or a secret)."""
    with application(ctx) as wired:
        users = accounts.list_users(wired.context)
        now = wired.context.clock.now()
    if as_json:
        print_json([user_view(u) for u in users])
        return
    table = Table(title=f"{len(users)} accounts", title_justify="left")
    for column in ("username", "role", "tenant", "created", "status"):
        table.add_column(column, overflow="fold")
    for u in users:
        if u.disabled_at is not None:
            status = f"disabled {when(u.disabled_at)}"
        elif u.locked_until is not None and u.locked_until > now:
            status = f"locked until {when(u.locked_until)}"
        else:
            status = "active"
        table.add_row(u.username, u.role.value, _tenant(u) or "—", when(u.created_at), status)
    console().print(table)


@app.command()
def disable(ctx: typer.Context, username: Username) -> None:
    """Disable an account and end its sessions at once."""
    with application(ctx) as wired:
        ended = accounts.disable_user(username, wired.context)
    typer.echo(f"account {username} disabled; {ended} session(s) ended")


@app.command()
def unlock(ctx: typer.Context, username: Username) -> None:
    """Release an account locked after failed sign-ins."""
    with application(ctx) as wired:
        accounts.unlock_user(username, wired.context)
    typer.echo(f"account {username} unlocked")


@app.command("end-sessions")
def end_sessions(ctx: typer.Context, username: Username) -> None:
    """End every session of an account (the person must sign in again)."""
    with application(ctx) as wired:
        ended = accounts.end_sessions(username, wired.context)
    typer.echo(f"{ended} session(s) of {username} ended")
