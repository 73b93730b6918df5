"""`detainers db`: bring the database schema up to date, say where it stands, grant the app role."""

from __future__ import annotations

from typing import Annotated

import typer

from detainers.adapters.db import migrate, roles
from detainers.entrypoints.cli.common import application

app = typer.Typer(help="Manage the database schema.", no_args_is_help=True)


@app.command()
def upgrade(ctx: typer.Context) -> None:
    """Apply every shipped migration (creates the SQLite file if needed)."""
    with application(ctx) as wired:
        migrate.upgrade(wired.engine)
        typer.echo(f"database at revision {migrate.current(wired.engine)}")


@app.command()
def current(ctx: typer.Context) -> None:
    """Print the revision the database is at."""
    with application(ctx) as wired:
        typer.echo(migrate.current(wired.engine) or "not migrated")


@app.command("grant-app-role")
def grant_app_role(
    ctx: typer.Context,
    role: Annotated[str, typer.Option(help="The existing login role the application connects as")],
) -> None:
    """PostgreSQL: let ROLE read and write every table, but only read and append the audit trail.

    Run it as the tables' owner, after `db upgrade` (and again after each
    upgrade). The role gets no UPDATE, DELETE or TRUNCATE on audit_record.
    On SQLite, which has no roles, it only explains what guards the trail.
    """
    with application(ctx) as wired:
        granted = roles.grant_app_role(wired.engine, role)
    if granted is None:
        typer.echo(
            "SQLite has no database roles: nothing to grant. audit_record is kept"
            " append-only by its triggers (UPDATE and DELETE are refused); anyone who"
            " can write the database file can remove them, so guard the file."
        )
        return
    typer.echo(
        f"role [{granted.role}] on database [{granted.database}], schema [{granted.schema}]:"
        f" {roles.READ_WRITE} on {len(granted.read_write)} tables;"
        f" {roles.HEAD_ONLY} on {roles.HEAD_TABLE};"
        f" only {roles.APPEND_ONLY} on {roles.AUDIT_TABLE} ({roles.REVOKED} revoked)"
    )
