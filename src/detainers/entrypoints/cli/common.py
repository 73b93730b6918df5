"""Helpers shared by the sub-commands: building the application, printing JSON."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer
from rich.console import Console

from detainers.bootstrap import Application, bootstrap
from detainers.config import Settings


@contextmanager
def application(ctx: typer.Context) -> Iterator[Application]:
    """The wired application for this invocation, closed afterwards."""
    settings = ctx.obj if isinstance(ctx.obj, Settings) else None
    app = bootstrap(settings)
    try:
        yield app
    finally:
        app.close()


def print_json(value: Any) -> None:
    """JSON on stdout, for machines (stable key order, UTF-8)."""
    typer.echo(json.dumps(value, indent=2, ensure_ascii=False, sort_keys=False))


def console() -> Console:
    """A console for people: the terminal's width, or 120 columns when piped to a file or pager."""
    probe = Console()
    return probe if probe.is_terminal else Console(width=120)
