"""Benchmark of the synthetic world generator: detainers per second, written to SQLite and PostgreSQL.

Usage (from the repository root, in the project's virtualenv):

    python bench/seed_bench.py                     # 20,000 detainers
    python bench/seed_bench.py --detainers 100000  # the issue's target: about a minute on SQLite
    python bench/seed_bench.py --no-postgres       # SQLite only
    python bench/seed_bench.py --postgres-url postgresql+psycopg://postgres@127.0.0.1:5432/test

The baseline, measured in the same run, is the generator alone streaming its
batches to a null sink (no database). Each backend is then seeded with the
same world, into a fresh migrated database (a temporary SQLite file; on the
PostgreSQL server a scratch database `seed_bench_<random>`, created and
dropped here). The ratio `write/total` is the share of the seeding time spent
writing rather than generating; `total/baseline` how much slower seeding is
than generating alone.
"""

from __future__ import annotations

import argparse
import resource
import secrets
import tempfile
import time
from dataclasses import dataclass
from datetime import date
from pathlib import Path

from sqlalchemy import Engine, create_engine, text
from sqlalchemy.engine import make_url
from sqlalchemy.exc import OperationalError

from detainers.adapters.db import migrate
from detainers.adapters.db.engine import make_engine
from detainers.adapters.synthetic import seed_world
from detainers.adapters.synthetic.generator import World

DEFAULT_POSTGRES = "postgresql+psycopg://postgres@127.0.0.1:5432/test"


@dataclass(frozen=True, kw_only=True)
class Run:
    """The world every measurement of one run makes."""

    seed: int
    detainers: int
    as_of: date
    batch_size: int

    def seed_into(self, engine: Engine) -> float:
        """Seconds `seed_world` took on `engine` (already migrated)."""
        summary = seed_world(
            engine,
            seed=self.seed,
            detainers=self.detainers,
            as_of=self.as_of,
            batch_size=self.batch_size,
        )
        return summary.seconds


def generate_only(run: Run) -> float:
    """Seconds to make the world and drop every batch (the baseline)."""
    started = time.perf_counter()
    world = World(seed=run.seed, detainers=run.detainers, as_of=run.as_of)
    made = sum(len(batch.detainers) for batch in world.batches(run.batch_size))
    if made != run.detainers:
        raise RuntimeError(f"generator made [{made}] detainers, not [{run.detainers}]")
    return time.perf_counter() - started


def seed_sqlite(run: Run) -> float:
    with tempfile.TemporaryDirectory(prefix="seed_bench_") as folder:
        engine = make_engine(f"sqlite:///{Path(folder) / 'bench.db'}")
        try:
            migrate.upgrade(engine)
            return run.seed_into(engine)
        finally:
            engine.dispose()


def seed_postgres(server: str, run: Run) -> float | None:
    """Seconds to seed a scratch database on `server`; `None` if the server does not answer."""
    admin = create_engine(server, isolation_level="AUTOCOMMIT")
    name = f"seed_bench_{secrets.token_hex(5)}"
    try:
        with admin.connect() as conn:
            conn.execute(text(f'CREATE DATABASE "{name}"'))
    except OperationalError as e:
        print(f"postgresql: skipped, [{server}] is unreachable: {str(e.orig).strip()}")
        admin.dispose()
        return None
    url = make_url(server).set(database=name).render_as_string(hide_password=False)
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
        return run.seed_into(engine)
    finally:
        engine.dispose()
        with admin.connect() as conn:
            conn.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        admin.dispose()


def report(label: str, detainers: int, seconds: float, baseline: float) -> None:
    write_share = max(seconds - baseline, 0.0) / seconds
    print(
        f"{label:<22} {detainers / seconds:>9,.0f} detainers/s  {seconds:>8.2f} s"
        f"  total/baseline {seconds / baseline:5.2f}  write/total {write_share:5.2f}"
    )


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--detainers", type=int, default=20_000, help="world size (20000)")
    parser.add_argument("--seed", type=int, default=1, help="random seed (1)")
    parser.add_argument("--batch-size", type=int, default=2000, help="detainers per batch (2000)")
    parser.add_argument(
        "--as-of", type=date.fromisoformat, default=date(2026, 1, 1), help="the world's date"
    )
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES, help="a server to use")
    parser.add_argument("--no-postgres", action="store_true", help="benchmark SQLite only")
    args = parser.parse_args()
    run = Run(
        seed=args.seed, detainers=args.detainers, as_of=args.as_of, batch_size=args.batch_size
    )

    print(f"synthetic world: {args.detainers:,} detainers, seed {args.seed}, as of {args.as_of}")
    baseline = generate_only(run)
    report("baseline (no writes)", args.detainers, baseline, baseline)
    report("sqlite", args.detainers, seed_sqlite(run), baseline)
    if not args.no_postgres:
        seconds = seed_postgres(args.postgres_url, run)
        if seconds is not None:
            report("postgresql", args.detainers, seconds, baseline)
    # Linux reports kilobytes. Bounded memory shows as the same peak at every world size.
    peak_mb = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"peak resident memory of this process: {peak_mb:,.0f} MB")


if __name__ == "__main__":
    main()
