"""Benchmark of batch replay: cases per second, batch (Polars) against one case at a time.

Usage (from the repository root, in the project's virtualenv):

    python bench/replay_bench.py                 # 20,000 cases
    python bench/replay_bench.py --cases 100000

The cases are the packs' example cases, repeated with their dates moved by a
seeded random number of days (so law versions vary) until there are N. The
baseline, measured in the same run, is the one-case engine (without remedies)
on a sample of the same cases; the ratio is batch speed over baseline speed.
Both answers are compared on the sample.
"""

from __future__ import annotations

import argparse
import random
import time
from dataclasses import replace
from datetime import timedelta

from detainers.domain.case import Case
from detainers.domain.vocabulary import Action
from detainers.policy.batch import evaluate_many
from detainers.policy.casefiles import all_case_files, load_case_file
from detainers.policy.contract import parse_case
from detainers.policy.engine import RulesEngine
from detainers.policy.registry import RULES, load_registry


def _cases(engine: RulesEngine, n: int, seed: int) -> list[Case]:
    base = [parse_case(load_case_file(p).case, engine.zone) for p in all_case_files(RULES)]
    rng = random.Random(seed)
    out = []
    while len(out) < n:
        case = rng.choice(base)
        shift = timedelta(days=rng.randint(-400, 400))
        as_of = case.as_of + shift
        releasable = case.releasable_at + shift if case.releasable_at else None
        out.append(replace(case, as_of=as_of, releasable_at=releasable))
    return out


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cases", type=int, default=20_000)
    parser.add_argument(
        "--sample", type=int, default=2_000, help="cases for the one-at-a-time baseline"
    )
    parser.add_argument("--seed", type=int, default=1)
    args = parser.parse_args()
    engine = RulesEngine(load_registry())
    cases = _cases(engine, args.cases, args.seed)

    sample = cases[: args.sample]
    started = time.perf_counter()
    one = [engine.explain(c, with_remedies=False).evaluation for c in sample]
    baseline = len(sample) / (time.perf_counter() - started)

    started = time.perf_counter()
    answers = evaluate_many(engine, cases)
    seconds = time.perf_counter() - started
    rate = len(cases) / seconds

    agree = all(
        row[a.value] == ev.ruling(a).effect.value and row["until"] == ev.ruling(Action.HOLD).until
        for row, ev in zip(answers.head(len(sample)).iter_rows(named=True), one, strict=True)
        for a in Action
    )
    print(f"batch replay: {len(cases):,} cases, seed {args.seed}")
    print(f"one at a time (baseline)  {baseline:10,.0f} cases/s   ({len(sample):,} cases)")
    print(
        f"batch (Polars)            {rate:10,.0f} cases/s   {seconds:7.2f} s   batch/baseline {rate / baseline:5.1f}"
    )
    print(f"answers agree on the sample: {agree}")


if __name__ == "__main__":
    main()
