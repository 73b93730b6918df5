"""`detainers holds`: find holds open past their deadline and record each as a violation."""

from __future__ import annotations

from typing import Annotated

import typer

from detainers.domain.commands import CheckHoldDeadlines
from detainers.entrypoints.cli.common import application, print_json
from detainers.services.detainers import check_hold_deadlines

app = typer.Typer(help="Hold deadlines.", no_args_is_help=True)

CHECKER = "system/deadline-check"


@app.command()
def check(
    ctx: typer.Context,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for machines")] = False,
) -> None:
    """Record a violation for every hold still open after its deadline (each once)."""
    with application(ctx) as wired:
        overdue = check_hold_deadlines(CheckHoldDeadlines(actor=CHECKER), wired.context)
    found = [
        {
            "detainer": d.id,
            "facility": d.facility_code,
            "deadline_at": d.hold.deadline_at.isoformat() if d.hold else None,
        }
        for d in overdue
    ]
    if as_json:
        print_json({"violations_recorded": found})
        return
    for row in found:
        typer.echo(
            f"VIOLATION recorded: detainer {row['detainer']} at {row['facility']}, deadline {row['deadline_at']}"
        )
    typer.echo(f"{len(found)} hold(s) open past their deadline recorded as violations")
