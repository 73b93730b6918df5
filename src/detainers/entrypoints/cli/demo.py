"""`detainers demo`: fill the database with a synthetic world, and the quick-start tour.

Every person, booking and detainer it writes is synthetic (seeded Faker); the
jurisdiction codes are real.
"""

from __future__ import annotations

import threading
from datetime import date, datetime
from typing import Annotated, Any

import typer
import uvicorn
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn

from detainers.adapters.db import migrate
from detainers.adapters.synthetic import WorldSummary, existing_detainers, seed_world
from detainers.adapters.synthetic.traffic import Traffic
from detainers.bootstrap import Application, bootstrap, sender
from detainers.domain.access import Role
from detainers.domain.commands import CheckHoldDeadlines
from detainers.domain.errors import DomainError
from detainers.domain.lifecycle import DetainerState
from detainers.entrypoints.api.app import create_app
from detainers.entrypoints.cli import render
from detainers.entrypoints.cli.common import application, console, print_json
from detainers.entrypoints.cli.holds import CHECKER
from detainers.entrypoints.worker import Worker
from detainers.services import accounts, notices, queries, registry
from detainers.services.detainers import check_hold_deadlines
from detainers.services.errors import ServiceError
from detainers.services.ports import DetainerFilter

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
                queries.detainer_timeline(example, wired.context), wired.context.clock.now()
            )
        )
        out.print(
            f"\nDatabase: {wired.settings.resolved_database_url}\n"
            f"More: `detainers detainers list`, `detainers detainers show ID [--json]`."
        )


@app.command()
def serve(
    ctx: typer.Context,
    host: Annotated[str, typer.Option(help="Address to listen on")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=1, max=65535, help="Port to listen on")] = 8000,
    every: Annotated[
        float, typer.Option(min=0.5, help="Seconds between synthetic bookings and detainers")
    ] = 5.0,
    seed: Annotated[int, typer.Option(help="Random seed for the world, if one is made")] = 1,
    detainers: Annotated[
        int, typer.Option(min=1, help="How many detainers, if a world is made")
    ] = 2000,
) -> None:
    """The API with the outbox worker on the demo world, with live synthetic traffic.

    Makes a world if the database is empty, arms the alarms of its open holds,
    mints two demo API keys (printed once), then serves: a new synthetic booking
    and detainer every few seconds go through the real use cases, so notices,
    hold alarms and violations flow into the in-app inboxes within a minute.
    """
    out = console()
    with application(ctx) as wired:
        migrate.upgrade(wired.engine)
        empty = existing_detainers(wired.engine) == 0
    if empty:
        _seed(ctx, seed=seed, detainers=detainers, as_of=None, show_progress=True)
    settings = ctx.obj
    wired = bootstrap(settings)
    armed = notices.arm_open_holds(wired.context)
    facility, agency = _busiest(wired)
    staff = accounts.create_key(
        accounts.CreateKey(
            name="demo facility staff", role=Role.FACILITY_STAFF, facility_code=facility
        ),
        wired.context,
    )
    officer = accounts.create_key(
        accounts.CreateKey(
            name="demo agency officer", role=Role.AGENCY_OFFICER, agency_code=agency
        ),
        wired.context,
    )
    base = f"http://{host}:{port}"
    out.print(
        f"Armed the alarms of {armed} open hold(s). Serving {base} (OpenAPI: {base}/openapi.json).\n"
        f"Demo keys (shown once):\n"
        f"  facility staff at {facility}: {staff.secret}\n"
        f"  agency officer at {agency}:  {officer.secret}\n"
        f"Try:\n"
        f"  curl -s -H 'Authorization: Bearer {staff.secret}' '{base}/api/v1/inbox?open_only=true'\n"
        f"  curl -s -H 'Authorization: Bearer {staff.secret}' {base}/api/v1/holds\n"
        f"  curl -s -H 'Authorization: Bearer {officer.secret}' {base}/api/v1/inbox\n"
        f"A new synthetic detainer arrives every {every:g} s. Ctrl-C stops."
    )
    traffic = Traffic(wired.context, facility=facility, agency=agency, seed=seed)
    stop = threading.Event()

    def drive() -> None:
        while not stop.wait(every):
            try:
                traffic.step()
            except (DomainError, ServiceError) as e:
                out.print(f"[demo traffic] skipped a step: {e}", markup=False)

    driver = threading.Thread(target=drive, name="demo-traffic", daemon=True)
    worker = Worker(wired, sender(wired.settings))
    driver.start()
    try:
        uvicorn.run(create_app(wired, worker=worker), host=host, port=port, log_level="warning")
    finally:
        stop.set()
        wired.close()


def _busiest(wired: Application) -> tuple[str, str]:
    """The facility with the most open holds (else the first), and an agency."""
    held = queries.list_detainers(
        DetainerFilter(state=DetainerState.ON_HOLD, limit=1000), wired.context
    )
    reference = registry.reference(wired.context)
    counts: dict[str, int] = {}
    for d in held:
        counts[d.facility_code] = counts.get(d.facility_code, 0) + 1
    facility = (
        max(counts, key=lambda code: counts[code]) if counts else reference.facilities[0].code
    )
    agency = next(
        (d.agency_code for d in held if d.facility_code == facility), reference.agencies[0].code
    )
    return facility, agency
