"""`detainers detainers`: list detainers and show one detainer's timeline."""

from __future__ import annotations

from typing import Annotated

import typer

from detainers.domain.lifecycle import DetainerState
from detainers.entrypoints.cli import render, views
from detainers.entrypoints.cli.common import application, console, print_json
from detainers.services import queries
from detainers.services.ports import DetainerFilter

app = typer.Typer(help="Read detainers.", no_args_is_help=True)

JsonFlag = Annotated[bool, typer.Option("--json", help="Print JSON for machines")]


@app.command("list")
def list_(
    ctx: typer.Context,
    state: Annotated[
        str | None, typer.Option(help=f"Only this state: {DetainerState.accepted()}")
    ] = None,
    facility: Annotated[str | None, typer.Option(help="Only this facility code")] = None,
    agency: Annotated[str | None, typer.Option(help="Only this agency code")] = None,
    limit: Annotated[int, typer.Option(min=1, max=10_000, help="At most this many")] = 50,
    after: Annotated[str | None, typer.Option(help="Start after this id (the next page)")] = None,
    as_json: JsonFlag = False,
) -> None:
    """List detainers, ordered by id."""
    where = DetainerFilter(
        state=None if state is None else DetainerState.parse(state, field="--state"),
        facility_code=facility,
        agency_code=agency,
        limit=limit,
        after=after,
    )
    with application(ctx) as wired:
        found = queries.list_detainers(where, wired.context)
    if as_json:
        print_json([views.detainer_summary(d) for d in found])
        return
    console().print(render.detainer_table(found))


@app.command()
def show(
    ctx: typer.Context,
    detainer_id: Annotated[str, typer.Argument(help="The detainer's id")],
    as_json: JsonFlag = False,
) -> None:
    """Show one detainer: request, custody, decision with reasons, hold, and every event."""
    with application(ctx) as wired:
        timeline = queries.detainer_timeline(detainer_id, wired.context)
    if as_json:
        print_json(views.timeline_view(timeline))
        return
    console().print(render.timeline(timeline, wired.context.clock.now()))
