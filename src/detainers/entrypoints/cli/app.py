"""The `detainers` command: sub-commands for the database, the demo world and detainers.

`main` runs the Typer app and turns user mistakes into one line and an exit code.
"""

from __future__ import annotations

import sys
from typing import Annotated

import typer
from rich.console import Console

from detainers.config import load_settings
from detainers.entrypoints.cli import (
    audit,
    db,
    demo,
    detainers,
    endpoints,
    holds,
    inbox,
    keys,
    policy,
    serve,
    story,
    users,
    worker,
)
from detainers.entrypoints.cli.errors import exit_code_for, message_for

app = typer.Typer(
    name="detainers",
    help="A system of record and exchange for immigration detainers.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    add_completion=False,
)
app.add_typer(db.app, name="db")
app.add_typer(demo.app, name="demo")
app.add_typer(detainers.app, name="detainers")
app.add_typer(policy.app, name="policy")
app.add_typer(holds.app, name="holds")
app.add_typer(story.app, name="story")
app.add_typer(users.app, name="users")
app.add_typer(keys.app, name="keys")
app.add_typer(audit.app, name="audit")
app.add_typer(serve.app, name="serve")
app.add_typer(worker.app, name="worker")
app.add_typer(endpoints.app, name="endpoints")
app.add_typer(inbox.app, name="inbox")


@app.callback()
def _root(
    ctx: typer.Context,
    database_url: Annotated[
        str | None,
        typer.Option(
            "--database-url",
            envvar="DETAINERS_DATABASE_URL",
            help="SQLAlchemy URL (default: SQLite in DETAINERS_DATA_DIR, ./var)",
        ),
    ] = None,
) -> None:
    ctx.obj = load_settings(database_url=database_url)


def main(argv: list[str] | None = None) -> None:
    """Run the CLI; exit with the code the outcome deserves."""
    err = Console(stderr=True, highlight=False, soft_wrap=True)
    try:
        app(args=argv, prog_name="detainers", standalone_mode=False)
    except typer.Exit as e:
        sys.exit(e.exit_code)
    except typer.Abort:
        err.print("aborted")
        sys.exit(130)
    except typer.TyperException as e:
        # Usage errors (an unknown option, a malformed value) show themselves, naming the option.
        show = getattr(e, "show", None)
        if callable(show):
            show()
        else:
            err.print(f"error: {e}", markup=False)
        sys.exit(int(getattr(e, "exit_code", 2)))
    except Exception as e:
        code = exit_code_for(e)
        if code is None:
            raise
        err.print(f"error: {message_for(e)}", markup=False)
        sys.exit(code)
