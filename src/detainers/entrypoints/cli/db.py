"""`detainers db`: bring the database schema up to date and say where it stands."""

from __future__ import annotations

import typer

from detainers.adapters.db import migrate
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
