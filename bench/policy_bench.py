"""Benchmark of the legal engine: single-case explanations per second, batch cases per second.

Usage (from the repository root, in the project's virtualenv):

    python bench/policy_bench.py                    # a million random cases
    python bench/policy_bench.py --cases 200000 --single 5000

Random valid cases are generated as columns (seeded numpy draws over every
jurisdiction with a pack, a county, a state without one, dates 2012-2026,
every form, warrant, box, flag, and pools of charges and convictions).
Single-case: `RulesEngine.explain` (a full trace; remedies separately) over
the first `--single` cases turned into `Case` objects. Batch: `evaluate_frame`
over all of them. The ratio is batch over single-case speed, in the same run.
Targets (issue "legal engine"): a million cases in under 2 s batch; a
single-case explanation under 1 ms.
"""

from __future__ import annotations

import argparse
import time
from datetime import UTC, date, datetime

import numpy as np
import polars as pl

from detainers.domain.booking import Charge, Conviction
from detainers.domain.case import Case, DetainerFacts
from detainers.domain.vocabulary import (
    Action,
    ChargeClass,
    ChargeStatus,
    DetainerForm,
    FacilityType,
    ProbableCause,
    Program287g,
    ReleaseReason,
    RequestedAction,
    SubjectFlag,
    Warrant,
)
from detainers.policy.batch import SCHEMA, evaluate_frame
from detainers.policy.engine import RulesEngine
from detainers.policy.registry import load_registry

TAGS = ["serious_felony", "violent_felony", "wobbler", "sexual_offense", "family_violence"]


def _pool_lists(
    rng: np.random.Generator, values: list[str], size: int, most: int
) -> list[list[str]]:
    return [
        sorted(set(rng.choice(values, rng.integers(0, most + 1)).tolist())) for _ in range(size)
    ]


def random_frame(engine: RulesEngine, n: int, seed: int) -> pl.DataFrame:
    rng = np.random.default_rng(seed)
    jurisdictions = [*sorted(engine.registry.packs), "US-CA-06037", "US-TX-48201", "US-AZ"]
    classes = [c.value for c in ChargeClass]
    charge_pool = [
        [
            {
                "class": str(rng.choice(classes)),
                # Convicted charges are folded into convictions when cases are framed; the
                # pool keeps the other statuses so both engines read the same facts.
                "status": str(rng.choice(["pending", "dismissed", "acquitted"])),
                "tags": _pool_lists(rng, TAGS, 1, 2)[0],
                "pcf": bool(rng.integers(0, 2)),
            }
            for _ in range(rng.integers(0, 3))
        ]
        for _ in range(64)
    ]
    conviction_pool = [
        [
            {
                "class": str(rng.choice(classes)),
                "tags": _pool_lists(rng, TAGS, 1, 2)[0],
                "jurisdiction": str(rng.choice(["US", "US-CT", "US-CA", "US-TX"])),
            }
            for _ in range(rng.integers(0, 3))
        ]
        for _ in range(64)
    ]
    boxes = _pool_lists(rng, [p.value for p in ProbableCause], 32, 2)
    requests = _pool_lists(rng, [r.value for r in RequestedAction], 32, 4)
    flags = _pool_lists(rng, [f.value for f in SubjectFlag], 32, 2)
    first = date(2012, 1, 1)
    offsets = rng.integers(0, (date(2026, 12, 31) - first).days, n)
    epoch_days = (first - date(1970, 1, 1)).days
    days = pl.Series("day", offsets + epoch_days, dtype=pl.Int32).cast(pl.Date)

    def pick(values: list[str]) -> np.ndarray:
        return rng.choice(np.array(values, dtype=object), n)

    def gather(pool: list[object], dtype: pl.DataType) -> pl.Series:
        return pl.Series(pool, dtype=dtype).gather(rng.integers(0, len(pool), n))

    def maybe_bool() -> pl.Series:
        draw = rng.integers(0, 5, n)
        return pl.Series([None if d == 0 else bool(d % 2) for d in draw], dtype=pl.Boolean)

    start = datetime(2012, 1, 1, tzinfo=UTC)
    minutes = offsets.astype("int64") * 1440 + rng.integers(-2 * 1440, 10 * 1440, n)
    micros = int(start.timestamp()) * 1_000_000 + minutes * 60_000_000
    releasable = pl.Series(micros, dtype=pl.Int64).cast(pl.Datetime("us", "UTC"))
    has_release = rng.integers(0, 3, n) > 0
    frame = pl.DataFrame(
        {
            "row": np.arange(n),
            "jurisdiction": pick(jurisdictions),
            "day": days,
            "form": pick([f.value for f in DetainerForm]),
            "warrant": pick([w.value for w in Warrant]),
            "facility_type": pick([f.value for f in FacilityType]),
            "program_287g": pick([p.value for p in Program287g]),
            "release_reason": pick([r.value for r in ReleaseReason]),
            "cancelled": maybe_bool(),
            "served_on_subject": maybe_bool(),
            "dhs_transferred": maybe_bool(),
            "probable_cause": gather(boxes, SCHEMA["probable_cause"]),  # type: ignore[arg-type]
            "requests": gather(requests, SCHEMA["requests"]),  # type: ignore[arg-type]
            "flags": gather(flags, SCHEMA["flags"]),  # type: ignore[arg-type]
            "charges": gather(charge_pool, SCHEMA["charges"]),  # type: ignore[arg-type]
            "convictions": gather(conviction_pool, SCHEMA["convictions"]),  # type: ignore[arg-type]
            "releasable_at": releasable.zip_with(
                pl.Series(has_release), pl.Series([None] * n, dtype=releasable.dtype)
            ),
        }
    )
    return frame.select([pl.col(name).cast(dtype) for name, dtype in SCHEMA.items()])


def as_cases(engine: RulesEngine, frame: pl.DataFrame) -> list[Case]:
    """The same rows as domain cases, for the one-at-a-time engine."""
    out = []
    for r in frame.iter_rows(named=True):
        zone = engine.zone(r["jurisdiction"])
        out.append(
            Case(
                jurisdiction=r["jurisdiction"],
                as_of=r["day"],
                facility_type=FacilityType(r["facility_type"]),
                program_287g=Program287g(r["program_287g"]),
                detainer=DetainerFacts(
                    form=DetainerForm(r["form"]),
                    probable_cause=frozenset(ProbableCause(p) for p in r["probable_cause"]),
                    warrant=Warrant(r["warrant"]),
                    requests=frozenset(RequestedAction(q) for q in r["requests"]),
                    served_on_subject=r["served_on_subject"],
                    dhs_transferred=r["dhs_transferred"],
                    cancelled=r["cancelled"],
                ),
                charges=tuple(
                    Charge(
                        statute="S",
                        description="",
                        charge_class=ChargeClass(c["class"]),
                        status=ChargeStatus(c["status"]),
                        tags=frozenset(c["tags"]),
                        probable_cause_finding=c["pcf"],
                    )
                    for c in r["charges"]
                ),
                convictions=tuple(
                    Conviction(
                        statute="S",
                        description="",
                        charge_class=ChargeClass(c["class"]),
                        convicted_date=date(2010, 1, 1),
                        jurisdiction=c["jurisdiction"],
                        tags=frozenset(c["tags"]),
                    )
                    for c in r["convictions"]
                ),
                flags=frozenset(SubjectFlag(f) for f in r["flags"]),
                releasable_at=r["releasable_at"].astimezone(zone) if r["releasable_at"] else None,
                release_reason=ReleaseReason(r["release_reason"]),
            )
        )
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=1_000_000)
    parser.add_argument(
        "--single", type=int, default=5_000, help="cases for the single-case figures"
    )
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    engine = RulesEngine(load_registry())

    started = time.perf_counter()
    frame = random_frame(engine, args.cases, args.seed)
    made = time.perf_counter() - started

    cases = as_cases(engine, frame.head(args.single))
    started = time.perf_counter()
    explained = [engine.explain(c, with_remedies=False) for c in cases]
    single = len(cases) / (time.perf_counter() - started)
    sample = cases[: min(500, len(cases))]
    started = time.perf_counter()
    for c in sample:
        engine.explain(c)
    with_remedies = len(sample) / (time.perf_counter() - started)

    started = time.perf_counter()
    answers = evaluate_frame(engine, frame)
    batch_seconds = time.perf_counter() - started
    batch = args.cases / batch_seconds

    agree = all(
        row[action.value] == e.evaluation.ruling(action).effect.value
        and row["until"] == e.evaluation.ruling(Action.HOLD).until
        for row, e in zip(answers.head(len(cases)).iter_rows(named=True), explained, strict=True)
        for action in Action
    )
    print(
        f"legal engine: {args.cases:,} random cases (generated as columns in {made:.1f} s), seed {args.seed}"
    )
    print(
        f"single case, explained (trace)      {single:10,.0f} cases/s   {1000 / single:6.3f} ms each"
    )
    print(
        f"single case, explained + remedies   {with_remedies:10,.0f} cases/s   {1000 / with_remedies:6.3f} ms each"
    )
    print(
        f"batch (Polars)                      {batch:10,.0f} cases/s   {batch_seconds:6.2f} s for all"
    )
    print(f"ratio batch/single                  {batch / single:10.1f}")
    print(f"batch and single agree on the first {len(cases):,}: {agree}")


if __name__ == "__main__":
    main()
