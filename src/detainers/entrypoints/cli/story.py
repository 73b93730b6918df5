"""`detainers story`: published cases replayed through the system, with the law of each date."""

from __future__ import annotations

import typer

from detainers.adapters.db import migrate
from detainers.entrypoints.cli import render
from detainers.entrypoints.cli.common import application, console
from detainers.services import queries
from detainers.services.stories import replay_connecticut

app = typer.Typer(help="Published cases, replayed.", no_args_is_help=True)


@app.command()
def connecticut(ctx: typer.Context) -> None:
    """The Connecticut case: detainer declined under the TRUST Act, agency arrest two months later."""
    out = console()
    with application(ctx) as wired:
        migrate.upgrade(wired.engine)
        replayed = replay_connecticut(wired.context)
        timeline = queries.detainer_timeline(replayed.detainer_id, wired.context)
        now = wired.context.clock.now()
    out.print(
        "The Connecticut story, replayed through the system"
        + ("" if replayed.written_now else " (already in this database)")
    )
    out.print(render.timeline(timeline, now))
    d = timeline.detainer
    if d.closed_at is not None and d.agency_arrest_date is not None:
        days = (d.agency_arrest_date - d.closed_at.date()).days
        choice = d.decision.choice.value if d.decision else "not reviewed"
        out.print(
            f"Outcome: reviewed [{choice}] inside the law's bounds; released {d.closed_at.date()}"
            f" without notice or hold; agency custody {d.agency_arrest_date} ({days} days later).",
            markup=False,
            soft_wrap=True,
        )
