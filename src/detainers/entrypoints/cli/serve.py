"""`detainers serve`: the HTTP API under uvicorn (several worker processes on PostgreSQL)."""

from __future__ import annotations

import os
from typing import Annotated

import typer
import uvicorn

from detainers.adapters.db import migrate
from detainers.config import Settings
from detainers.entrypoints.cli.common import application

app = typer.Typer(help="Serve the HTTP API.")

FACTORY = "detainers.entrypoints.api.app:app_from_environment"


@app.callback(invoke_without_command=True)
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on")] = 8000,
    workers: Annotated[
        int | None,
        typer.Option(
            min=1,
            max=64,
            help="Worker processes (default: 2 on PostgreSQL; always 1 on SQLite, one writer)",
        ),
    ] = None,
) -> None:
    """Serve `/api/v1` (OpenAPI at /openapi.json). On SQLite the schema is brought up to date first."""
    settings: Settings = ctx.obj
    with application(ctx) as wired:
        if wired.engine.dialect.name == "sqlite":
            migrate.upgrade(wired.engine)
            workers = 1
        elif migrate.current(wired.engine) not in migrate.heads(wired.engine):
            raise typer.BadParameter(
                "the PostgreSQL schema is not current: run `detainers db upgrade` first",
                param_hint="DETAINERS_DATABASE_URL",
            )
    # Worker processes build their own application from the environment.
    os.environ["DETAINERS_DATABASE_URL"] = settings.resolved_database_url
    uvicorn.run(
        FACTORY,
        factory=True,
        host=host,
        port=port,
        workers=workers or 2,
        proxy_headers=False,
        server_header=False,
        log_level="info",
    )
