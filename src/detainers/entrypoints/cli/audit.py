"""`detainers audit`: verify the audit trail's hash chain and print the weekly review.

`verify` walks the chain and exits 9 naming the first broken record, so a
scheduled job can alarm on the exit code. `review` is the report an auditor
reads each week (CJIS AU-6): failed logins, denials, exports, after-hours
access and privileged actions in a window of whole days. Both are themselves
audited; the command line acts as the system.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import typer
from rich.table import Table
from rich.text import Text

from detainers.domain.audit import AuditRecord
from detainers.domain.errors import InvalidValue
from detainers.entrypoints.cli.common import application, console, print_json
from detainers.services import audit

app = typer.Typer(help="The audit trail: verify its chain, review a week.", no_args_is_help=True)


class AuditChainBroken(Exception):
    """`audit verify` found a record that does not hold in the chain (exit code 9)."""

    def __init__(self, seq: int, problem: str) -> None:
        self.seq = seq
        self.problem = problem
        super().__init__(f"audit record [{seq}] {problem}")


@app.command()
def verify(ctx: typer.Context) -> None:
    """Walk the whole hash chain and its recorded head; exit 9 at the first broken record."""
    with application(ctx) as wired:
        result = audit.verify(wired.context)
    if result.broken is not None:
        raise AuditChainBroken(result.broken.seq, result.broken.problem)
    typer.echo(f"audit chain intact: {result.records} records")


@app.command()
def purge(
    ctx: typer.Context,
    before: Annotated[
        datetime,
        typer.Option(
            formats=["%Y-%m-%d"],
            help="Remove records older than this UTC day (at least 365 days ago)",
        ),
    ],
) -> None:
    """Remove the oldest records past retention; records about objects on legal hold stay.

    Needs the tables' owner (the application's database role cannot delete audit
    records). The purge leaves its own record, from which `verify` walks on.
    """
    with application(ctx) as wired:
        done = audit.purge(before.replace(tzinfo=UTC), wired.context)
    kept = "; stopped at a record on legal hold" if done.kept_for_hold else ""
    typer.echo(f"purged {done.removed} audit records (through record {done.through_seq}){kept}")


@app.command("hold")
def legal_hold(
    ctx: typer.Context,
    object_type: Annotated[str, typer.Option("--type", help="Object type, e.g. detainer")],
    object_id: Annotated[str, typer.Option("--id", help="The object's id")],
    reason: Annotated[str, typer.Option(help="Why (e.g. a litigation hold's reference)")],
    release: Annotated[bool, typer.Option("--release", help="Release the hold instead")] = False,
) -> None:
    """Place (or release) a legal hold: records about the object outlive retention while held."""
    with application(ctx) as wired:
        if release:
            audit.release_legal_hold(object_type, object_id, reason, wired.context)
        else:
            audit.place_legal_hold(object_type, object_id, reason, wired.context)
    typer.echo(f"legal hold {'released' if release else 'placed'} on {object_type} {object_id}")


# The review's sections, in the order an auditor reads them: (title, key in JSON).
SECTIONS = (
    ("Failed logins", "failed_logins"),
    ("Denials", "denials"),
    ("Exports", "exports"),
    ("After-hours access", "after_hours"),
    ("Privileged actions", "privileged"),
)


@app.command()
def review(
    ctx: typer.Context,
    start: Annotated[
        datetime,
        typer.Option("--from", formats=["%Y-%m-%d"], help="First day, YYYY-MM-DD (from 00:00)"),
    ],
    end: Annotated[
        datetime,
        typer.Option(
            "--to",
            formats=["%Y-%m-%d"],
            help="Last day, YYYY-MM-DD, inclusive: the whole day is in the report",
        ),
    ],
    zone: Annotated[
        str,
        typer.Option(
            help="IANA time zone of the days and of business hours (Mon-Fri 07:00-19:00),"
            " e.g. America/New_York"
        ),
    ] = "UTC",
    as_json: Annotated[bool, typer.Option("--json", help="Print JSON for machines")] = False,
) -> None:
    """The weekly review: failed logins, denials, exports, after-hours access, privileged actions.

    The window runs from 00:00 on --from to the end of --to (both days
    included), in --zone.
    """
    tz = _zone(zone)
    first, last = start.date(), end.date()
    if last < first:
        raise InvalidValue(
            field="--to", value=last.isoformat(), problem=f"is before --from [{first.isoformat()}]"
        )
    start_at, end_at = _midnight(first, tz), _midnight(last + timedelta(days=1), tz)
    with application(ctx) as wired:
        report = audit.review(wired.context, start_at, end_at, tz)
    sections = {key: getattr(report, key) for _, key in SECTIONS}
    if as_json:
        print_json(
            {
                "from_date": first.isoformat(),
                "to_date_inclusive": last.isoformat(),
                "zone": tz.key,
                "start_at": start_at.isoformat(),
                "end_at_exclusive": end_at.isoformat(),
                "business_hours": f"Mon-Fri {audit.OPENS:%H:%M}-{audit.CLOSES:%H:%M}",
                "records": report.records,
                **{key: [_record_view(r, tz) for r in rows] for key, rows in sections.items()},
            }
        )
        return
    out = console()
    typer.echo(
        f"Audit review {first.isoformat()} to {last.isoformat()} inclusive, {tz.key}:"
        f" {report.records} records (business hours Mon-Fri"
        f" {audit.OPENS:%H:%M}-{audit.CLOSES:%H:%M})"
    )
    for title, key in SECTIONS:
        rows = sections[key]
        if not rows:
            typer.echo(f"{title}: none")
            continue
        out.print(_section(f"{title} ({len(rows)})", rows, tz))


def _zone(name: str) -> ZoneInfo:
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise InvalidValue(
            field="--zone", value=name, problem="is not an IANA time zone like America/New_York"
        ) from e


def _midnight(day: date, tz: ZoneInfo) -> datetime:
    return datetime.combine(day, time(0), tzinfo=tz).astimezone(UTC)


def _record_view(record: AuditRecord, tz: ZoneInfo) -> dict[str, Any]:
    e = record.entry
    return {
        "seq": record.seq,
        "at": e.at.isoformat(timespec="microseconds"),
        "local_at": e.at.astimezone(tz).isoformat(timespec="milliseconds"),
        "actor": e.actor,
        "actor_kind": e.actor_kind,
        "role": e.role,
        "organization": e.organization,
        "action": e.action,
        "object_type": e.object_type,
        "object_id": e.object_id,
        "outcome": e.outcome.value,
        "client": e.client,
        "request_id": e.request_id,
        "detail": e.detail,
    }


def _section(title: str, records: Sequence[AuditRecord], tz: ZoneInfo) -> Table:
    table = Table(title=title, title_justify="left")
    for column in ("time", "actor", "organization", "action", "object", "outcome"):
        table.add_column(column, overflow="fold")
    for record in records:
        e = record.entry
        # Text, not markup: a stored value like "[bold]" is shown as typed.
        table.add_row(
            *(
                Text(_printable(value))
                for value in (
                    e.at.astimezone(tz).isoformat(sep=" ", timespec="seconds"),
                    e.actor,
                    e.organization,
                    e.action,
                    f"{e.object_type} {e.object_id}",
                    e.outcome.value,
                )
            )
        )
    return table


def _printable(value: str) -> str:
    """Control characters escaped again at the terminal, whatever the store holds."""
    return "".join(ch if ch.isprintable() else f"\\x{ord(ch):02x}" for ch in value)
