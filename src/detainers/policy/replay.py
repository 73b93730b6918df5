"""Replay history: read many cases (JSON Lines or Parquet), evaluate them in batches, write decisions.

Each input line is a case of the case contract; each output line answers it,
in order, with every action's effect and the hold's latest end (local time).
Cases are read and evaluated a chunk at a time, so memory stays bounded; the
output is written to a temporary file and moved into place only when every
line has been answered, so a bad line leaves no half-written output.
"""

from __future__ import annotations

import json
import os
import tempfile
from collections.abc import Callable, Iterator
from datetime import date
from pathlib import Path
from typing import Any

import polars as pl

from detainers.domain.vocabulary import Action
from detainers.policy.batch import evaluate_many
from detainers.policy.contract import parse_case
from detainers.policy.engine import RulesEngine
from detainers.policy.errors import CaseError

CHUNK = 20_000


def _documents(path: Path) -> Iterator[tuple[int, Any]]:
    if path.suffix == ".parquet":
        for number, doc in enumerate(pl.read_parquet(path).iter_rows(named=True), start=1):
            yield number, doc
        return
    with path.open(encoding="utf-8") as lines:
        for number, line in enumerate(lines, start=1):
            if not line.strip():
                continue
            try:
                yield number, json.loads(line)
            except json.JSONDecodeError as e:
                raise CaseError(
                    path=f"line {number}", value=line.strip()[:40], problem=f"is not JSON: {e.msg}"
                ) from e


def count_cases(path: Path) -> int:
    """How many cases `path` holds (for a progress bar)."""
    if path.suffix == ".parquet":
        return pl.scan_parquet(path).select(pl.len()).collect().item()  # type: ignore[no-any-return]
    with path.open(encoding="utf-8") as lines:
        return sum(1 for line in lines if line.strip())


def replay(
    engine: RulesEngine,
    source: Path,
    target: Path,
    *,
    law_date: date | None = None,
    progress: Callable[[int], None] | None = None,
) -> int:
    """Answer every case in `source` into `target` (JSON Lines); returns how many."""
    target.parent.mkdir(parents=True, exist_ok=True)
    handle, temporary = tempfile.mkstemp(
        dir=target.parent, prefix=f".{target.name}.", suffix=".part"
    )
    done = 0
    try:
        with os.fdopen(handle, "w", encoding="utf-8") as out:
            chunk: list[tuple[int, Any]] = []
            for item in _documents(source):
                chunk.append(item)
                if len(chunk) >= CHUNK:
                    done += _answer(engine, chunk, out, law_date)
                    chunk = []
                    if progress:
                        progress(done)
            done += _answer(engine, chunk, out, law_date)
            if progress:
                progress(done)
        os.replace(temporary, target)
    except BaseException:
        Path(temporary).unlink(missing_ok=True)
        raise
    return done


def _answer(
    engine: RulesEngine, chunk: list[tuple[int, Any]], out: Any, law_date: date | None
) -> int:
    if not chunk:
        return 0
    cases = []
    for number, doc in chunk:
        try:
            cases.append(parse_case(doc, engine.zone))
        except CaseError as e:
            raise CaseError(
                path=f"line {number}: {e.path}", value=e.value, problem=e.problem
            ) from e
    answers = evaluate_many(engine, cases, law_date=law_date)
    for (number, _), case, row in zip(chunk, cases, answers.iter_rows(named=True), strict=True):
        until = row["until"]
        zone = engine.zone(case.jurisdiction)
        decision = {
            "line": number,
            "jurisdiction": case.jurisdiction,
            "as_of": case.as_of.isoformat(),
            "law_date": (law_date or row["day"]).isoformat(),
            "actions": {action.value: {"effect": row[action.value]} for action in Action},
            "hold": {"until": None if until is None else until.astimezone(zone).isoformat()},
        }
        out.write(json.dumps(decision) + "\n")
    return len(chunk)
