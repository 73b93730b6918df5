"""`detainers worker`: deliver notifications and fire timers until stopped (SIGTERM or Ctrl-C)."""

from __future__ import annotations

import signal
from types import FrameType
from typing import Annotated

import typer

from detainers.bootstrap import sender
from detainers.entrypoints.cli.common import application
from detainers.entrypoints.worker import Worker

app = typer.Typer(help="Run the outbox worker.")


@app.callback(invoke_without_command=True)
def worker(
    ctx: typer.Context,
    once: Annotated[
        bool, typer.Option("--once", help="Run rounds until nothing is due, then exit")
    ] = False,
) -> None:
    """Fire due timers and deliver due messages (webhooks, e-mail), retrying with backoff."""
    with application(ctx) as wired:
        channels = sender(wired.settings)
        loop = Worker(wired, channels)

        def stop(_signum: int, _frame: FrameType | None) -> None:
            loop.stop.set()

        signal.signal(signal.SIGTERM, stop)
        signal.signal(signal.SIGINT, stop)
        try:
            if once:
                rounds = delivered = 0
                while (done := loop.run_once()).busy and not loop.stop.is_set():
                    rounds += 1
                    delivered += done.delivered
                typer.echo(f"worker: {rounds} rounds, {delivered} delivered")
            else:
                loop.run()
        finally:
            channels.close()
