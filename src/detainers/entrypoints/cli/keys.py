"""`detainers keys`: create, list and revoke the API keys other systems call with.

A key's secret (`dk_<prefix>_<random>`) is printed once, at creation; only its
hash is stored, so it cannot be shown again. Keys are named by their public
prefix afterwards. Commands here act as the system.
"""

from __future__ import annotations

from datetime import timedelta
from typing import Annotated, Any

import typer
from rich.table import Table

from detainers.domain.access import ApiKey
from detainers.entrypoints.cli.common import application, console, print_json
from detainers.entrypoints.cli.render import when
from detainers.entrypoints.cli.users import (
    AgencyOption,
    FacilityOption,
    JsonFlag,
    RoleOption,
    check_tenant,
    parse_role,
)
from detainers.entrypoints.cli.views import iso
from detainers.services import accounts

app = typer.Typer(help="API keys for other systems.", no_args_is_help=True)


@app.command()
def create(
    ctx: typer.Context,
    name: Annotated[str, typer.Option("--name", help="What the key is for (1-100 characters)")],
    role: RoleOption,
    facility: FacilityOption = None,
    agency: AgencyOption = None,
    expires_days: Annotated[
        int | None,
        typer.Option(
            "--expires-days", min=1, help="Expire this many days from now (default: never)"
        ),
    ] = None,
    as_json: JsonFlag = False,
) -> None:
    """Create a key; prints its secret once (store it now: only its hash is kept)."""
    parsed = parse_role(role)
    check_tenant(parsed, facility, agency)
    with application(ctx) as wired:
        now = wired.context.clock.now()
        created = accounts.create_key(
            accounts.CreateKey(
                name=name,
                role=parsed,
                facility_code=facility,
                agency_code=agency,
                expires_at=None if expires_days is None else now + timedelta(days=expires_days),
            ),
            wired.context,
        )
    key = created.key
    if as_json:
        print_json(
            {
                "key": created.secret,
                "id": key.id,
                "prefix": key.prefix,
                "role": key.role.value,
                "expires_at": iso(key.expires_at),
            }
        )
        return
    expires = "never expires" if key.expires_at is None else f"expires {when(key.expires_at)}"
    typer.echo(
        f"API key {created.secret} (prefix {key.prefix}, role {key.role}, {expires})"
        " — store it now: it will not be shown again."
    )


@app.command()
def revoke(
    ctx: typer.Context,
    prefix: Annotated[str, typer.Argument(help="The key's prefix (see `keys list`)")],
) -> None:
    """Revoke a key; running servers refuse it within `DETAINERS_KEY_CACHE_SECONDS`."""
    with application(ctx) as wired:
        key = accounts.revoke_key(prefix, wired.context)
        lag = wired.settings.key_cache_seconds
    typer.echo(
        f"key {key.prefix} ({key.name}) revoked {when(key.revoked_at)};"
        f" running servers refuse it within {lag:g} s"
    )


def key_view(key: ApiKey) -> dict[str, Any]:
    """A key for `--json`: never its secret or hash."""
    return {
        "prefix": key.prefix,
        "name": key.name,
        "role": key.role.value,
        "tenant": key.facility_code or key.agency_code,
        "created_at": iso(key.created_at),
        "expires_at": iso(key.expires_at),
        "revoked_at": iso(key.revoked_at),
    }


@app.command("list")
def list_(ctx: typer.Context, as_json: JsonFlag = False) -> None:
    """List keys, oldest first (prefix, name, role, tenant, dates; never the secret)."""
    with application(ctx) as wired:
        keys = accounts.list_keys(wired.context)
    if as_json:
        print_json([key_view(k) for k in keys])
        return
    table = Table(title=f"{len(keys)} API keys", title_justify="left")
    for column in ("prefix", "name", "role", "tenant", "created", "expires", "revoked"):
        table.add_column(column, overflow="fold")
    for k in keys:
        table.add_row(
            k.prefix,
            k.name,
            k.role.value,
            k.facility_code or k.agency_code or "—",
            when(k.created_at),
            when(k.expires_at),
            when(k.revoked_at),
        )
    console().print(table)
