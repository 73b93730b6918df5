"""`detainers demo`: fill the database with a synthetic world, and the quick-start tour.

Every person, booking and detainer it writes is synthetic (seeded Faker); the
jurisdiction codes are real.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from detainers.adapters.db import migrate
from detainers.adapters.synthetic import WorldSummary, existing_detainers, seed_world
from detainers.domain.commands import CheckHoldDeadlines
from detainers.entrypoints.cli import render
from detainers.entrypoints.cli.common import application, console, print_json
from detainers.entrypoints.cli.holds import CHECKER
from detainers.services import queries
from detainers.services.detainers import check_hold_deadlines

app = typer.Typer(help="The synthetic demo world.", no_args_is_help=True)

AsOf = Annotated[
    datetime | None,
    typer.Option(
        formats=["%Y-%m-%d"],
        help="The world's 'today', YYYY-MM-DD: nothing in it happens later (default: today)",
    ),
]


def _seed(
    ctx: typer.Context, *, seed: int, detainers: int, as_of: date | None, show_progress: bool
) -> WorldSummary:
    with application(ctx) as wired:
        migrate.upgrade(wired.engine)
        as_of = as_of or wired.context.clock.now().date()
        if not show_progress:
            return seed_world(wired.engine, seed=seed, detainers=detainers, as_of=as_of)
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=Console(stderr=True),
            transient=True,
        ) as bar:
            task = bar.add_task("seeding detainers", total=detainers)
            return seed_world(
                wired.engine,
                seed=seed,
                detainers=detainers,
                as_of=as_of,
                progress=lambda done: bar.update(task, completed=done),
            )


def _summary_view(s: WorldSummary) -> dict[str, Any]:
    return {
        "seed": s.seed,
        "as_of": s.as_of.isoformat(),
        "detainers": s.detainers,
        "persons": s.persons,
        "bookings": s.bookings,
        "facilities": s.facilities,
        "agencies": s.agencies,
        "jurisdictions": s.jurisdictions,
        "events": s.events,
        "by_state": dict(sorted(s.by_state.items())),
        "seconds": round(s.seconds, 3),
    }


@app.command()
def seed(
    ctx: typer.Context,
    seed: Annotated[int, typer.Option(help="Random seed: the same seed gives the same world")] = 1,
    detainers: Annotated[int, typer.Option(min=1, help="How many detainers")] = 1000,
    as_of: AsOf = None,
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for machines")] = False,
) -> None:
    """Migrate, then fill an empty database with a reproducible synthetic world."""
    day = as_of.date() if as_of else None
    summary = _seed(ctx, seed=seed, detainers=detainers, as_of=day, show_progress=not as_json)
    if as_json:
        print_json(_summary_view(summary))
        return
    rate = summary.detainers / summary.seconds if summary.seconds else 0.0
    typer.echo(
        f"seeded {summary.detainers:,} detainers ({summary.events:,} events, "
        f"{summary.persons:,} persons) in {summary.seconds:.1f} s ({rate:,.0f} detainers/s)"
    )


@app.command()
def run(
    ctx: typer.Context,
    seed: Annotated[int, typer.Option(help="Random seed for the world, if one is made")] = 1,
    detainers: Annotated[
        int, typer.Option(min=1, help="How many detainers, if a world is made")
    ] = 2000,
    as_of: AsOf = None,
) -> None:
    """The quick start: migrate, seed a world if the database is empty, and show it."""
    out = console()
    day = as_of.date() if as_of else None
    with application(ctx) as wired:
        migrate.upgrade(wired.engine)
        empty = existing_detainers(wired.engine) == 0
    if empty:
        _seed(ctx, seed=seed, detainers=detainers, as_of=day, show_progress=True)
    with application(ctx) as wired:
        overdue = check_hold_deadlines(CheckHoldDeadlines(actor=CHECKER), wired.context)
        if overdue:
            out.print(
                f"{len(overdue)} hold(s) found open past their deadline: recorded as violations"
            )
        out.print(render.overview_table(queries.overview(wired.context)))
        example = queries.example_detainer(wired.context)
        if example is None:
            return
        out.print(
            render.timeline(
                queries.detainer_timeline(wired.context, example), wired.context.clock.now()
            )
        )
        out.print(
            f"\nDatabase: {wired.settings.resolved_database_url}\n"
            f"More: `detainers detainers list`, `detainers detainers show ID [--json]`."
        )
