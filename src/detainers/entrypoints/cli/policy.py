"""`detainers policy`: the legal engine from the command line (the case contract of DESIGN.md)."""

from __future__ import annotations

import json
import sys
from datetime import date, datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.console import Console
from rich.progress import BarColumn, MofNCompleteColumn, Progress, TimeElapsedColumn
from rich.table import Table

from detainers.bootstrap import legal_engine
from detainers.entrypoints.cli.common import console, print_json
from detainers.policy.casefiles import all_case_files, load_case_file, run_case
from detainers.policy.contract import decision_document, parse_case
from detainers.policy.errors import CaseError
from detainers.policy.registry import RULES
from detainers.policy.replay import count_cases
from detainers.policy.replay import replay as replay_cases

app = typer.Typer(help="Evaluate cases against each jurisdiction's law.", no_args_is_help=True)


def _read_case(path: str) -> Any:
    try:
        text = sys.stdin.read() if path == "-" else Path(path).read_text(encoding="utf-8")
    except OSError as e:
        raise CaseError(path="--case", value=path, problem=f"cannot be read: {e.strerror}") from e
    try:
        return json.loads(text)
    except json.JSONDecodeError as e:
        raise CaseError(
            path="--case", value=path, problem=f"is not JSON: {e.msg} at line {e.lineno}"
        ) from e


@app.command()
def evaluate(
    case: Annotated[str, typer.Option("--case", help="A case contract JSON file, or - for stdin")],
    as_json: Annotated[
        bool, typer.Option("--json", help="Print the decision object as JSON")
    ] = False,
    trace: Annotated[bool, typer.Option("--trace", help="Also show every rule tested")] = False,
) -> None:
    """The decision for one case: each action's effect, why, the hold's latest end, remedies."""
    engine = legal_engine()
    parsed = parse_case(_read_case(case), engine.zone)
    explained = engine.explain(parsed)
    document = decision_document(explained.evaluation, engine.zone(parsed.jurisdiction))
    if trace:
        document["trace"] = {
            "steps": [step.__dict__ for step in explained.trace.steps],
            "notes": explained.trace.notes,
        }
    if as_json:
        print_json(document)
        return
    out = console()
    table = Table(
        title=f"{document['jurisdiction']} as of {document['as_of']}", title_justify="left"
    )
    for column in ("action", "effect", "until", "why"):
        table.add_column(column, overflow="fold")
    for action, ruling in document["actions"].items():
        why = "\n".join(
            f"{r['rule']} · {r['citation'] or '—'} · {r['summary']}" for r in ruling["reasons"]
        )
        table.add_row(action, ruling["effect"], ruling["until"] or "", why)
    out.print(table)
    for remedy in document["remedies"]:
        change = ", ".join(f"{k} → {v}" for k, v in remedy["change"].items())
        out.print(f"remedy: {remedy['action']} would be {remedy['effect']} with {change}")
    for law in document["laws"]:
        out.print(f"law: {law['jurisdiction']} version {law['version']} — {law['citation']}")
    if trace:
        for step in explained.trace.steps:
            out.print(
                f"  {step.level} {step.version} {step.action}: {step.rule} — {step.test} → {step.outcome}"
            )


@app.command("list")
def list_(as_json: Annotated[bool, typer.Option("--json")] = False) -> None:
    """Every jurisdiction with a policy pack, and its law versions."""
    engine = legal_engine()
    packs: list[dict[str, Any]] = [
        {
            "jurisdiction": pack.jurisdiction,
            "name": pack.name,
            "preempts_lower": pack.preempts_lower,
            "versions": [
                {
                    "version": v.version,
                    "effective_from_inclusive": v.effective_from_inclusive.isoformat(),
                    "effective_until_exclusive": v.effective_until_exclusive.isoformat()
                    if v.effective_until_exclusive
                    else None,
                    "title": v.title,
                    "citation": v.citation,
                    "status": v.status.value,
                    "rules": len(v.rules),
                }
                for v in pack.versions
            ],
        }
        for pack in engine.registry
    ]
    if as_json:
        print_json(packs)
        return
    table = Table(title="Policy packs", title_justify="left")
    for column in ("jurisdiction", "version", "in force", "status", "rules", "law"):
        table.add_column(column, overflow="fold")
    for pack in packs:
        for v in pack["versions"]:
            until = v["effective_until_exclusive"] or "…"
            table.add_row(
                pack["jurisdiction"],
                v["version"],
                f"{v['effective_from_inclusive']} → {until}",
                v["status"],
                str(v["rules"]),
                v["title"],
            )
    console().print(table)


@app.command()
def show(
    jurisdiction: Annotated[str, typer.Argument(help="A jurisdiction code, e.g. US-CT")],
    as_of: Annotated[
        datetime, typer.Option("--as-of", formats=["%Y-%m-%d"], help="The date, YYYY-MM-DD")
    ],
    as_json: Annotated[bool, typer.Option("--json")] = False,
) -> None:
    """The rules in force in one jurisdiction on one date, with their citations."""
    pack = legal_engine().registry.require(jurisdiction)
    day: date = as_of.date()
    version = pack.version_at(day)
    doc: dict[str, Any] = {
        "jurisdiction": pack.jurisdiction,
        "as_of": day.isoformat(),
        "version": None,
        "rules": [],
    }
    if version is not None:
        doc["version"] = {
            "version": version.version,
            "title": version.title,
            "citation": version.citation,
            "status": version.status.value,
            "notes": version.notes,
        }
        doc["rules"] = [
            {
                "id": r.id,
                "action": r.action.value,
                "effect": r.effect.value,
                "when": r.when.describe(),
                "citation": r.citation,
                "summary": r.summary,
                "status": r.status.value,
            }
            for r in version.rules
        ]
        doc["hold_windows"] = [
            {
                "id": w.id,
                "hours": w.hours,
                "exclude_weekends": w.exclude_weekends,
                "exclude_holidays": w.exclude_holidays,
                "when": w.when.describe(),
                "citation": w.citation,
            }
            for w in version.hold_windows
        ]
        doc["notices"] = [
            {
                "id": n.id,
                "when": n.when.value,
                "citation": n.citation,
                "summary": n.summary,
                "status": n.status.value,
                "template": n.template,
                "languages": list(n.languages),
                "facility_types": sorted(n.facility_types),
            }
            for n in version.notices
        ]
    if as_json:
        print_json(doc)
        return
    out = console()
    if version is None:
        out.print(
            f"{pack.jurisdiction}: no law of this pack was in force on {day.isoformat()} (the level is silent)"
        )
        return
    out.print(
        f"{pack.jurisdiction} on {day.isoformat()}: {version.title} ({version.citation}) [{version.status.value}]"
    )
    table = Table()
    for column in ("rule", "action", "effect", "when", "citation", "status"):
        table.add_column(column, overflow="fold")
    for r in doc["rules"]:
        table.add_row(r["id"], r["action"], r["effect"], r["when"], r["citation"], r["status"])
    out.print(table)
    if doc["notices"]:
        notices = Table(title="Notices to the person", title_justify="left")
        for column in ("notice", "when", "citation", "summary", "status"):
            notices.add_column(column, overflow="fold")
        for n in doc["notices"]:
            only = f" (only {', '.join(n['facility_types'])})" if n["facility_types"] else ""
            notices.add_row(n["id"], n["when"], n["citation"], n["summary"] + only, n["status"])
        out.print(notices)


@app.command()
def test(verbose: Annotated[bool, typer.Option("--verbose", "-v")] = False) -> None:  # noqa: PT028
    """Run every pack's example cases; exit 1 if any gives another answer than expected."""
    engine = legal_engine()
    failed = 0
    paths = all_case_files(RULES)
    out = console()
    for path in paths:
        result = run_case(engine, load_case_file(path))
        if not result.passed:
            failed += 1
            out.print(
                f"FAIL {result.case.id} ({path.parent.parent.name}): {result.mismatches}",
                markup=False,
            )
        elif verbose:
            out.print(f"ok   {result.case.id}", markup=False)
    out.print(f"{len(paths) - failed} passed, {failed} failed", markup=False)
    if failed:
        raise typer.Exit(1)


@app.command()
def replay(
    input_path: Annotated[
        Path, typer.Option("--input", help="Cases: JSON Lines (.jsonl) or Parquet (.parquet)")
    ],
    output_path: Annotated[
        Path, typer.Option("--output", help="Decisions, one JSON line per case, in order")
    ],
    law_date: Annotated[
        datetime | None,
        typer.Option(
            "--law-date",
            formats=["%Y-%m-%d"],
            help="Evaluate every case under the law of this date",
        ),
    ] = None,
) -> None:
    """Evaluate many cases in batches (each under its own date, or all under --law-date)."""
    if not input_path.is_file():
        raise CaseError(path="--input", value=str(input_path), problem="is not a file")
    engine = legal_engine()
    day = law_date.date() if law_date else None
    err = Console(stderr=True)
    if not err.is_terminal:
        done = replay_cases(engine, input_path, output_path, law_date=day)
    else:
        with Progress(
            "[progress.description]{task.description}",
            BarColumn(),
            MofNCompleteColumn(),
            TimeElapsedColumn(),
            console=err,
            transient=True,
        ) as bar:
            task = bar.add_task("evaluating cases", total=count_cases(input_path))
            done = replay_cases(
                engine,
                input_path,
                output_path,
                law_date=day,
                progress=lambda n: bar.update(task, completed=n),
            )
    err.print(f"{done:,} decisions written to {output_path}", markup=False)
