"""Seed a database with a synthetic world: reference data first, then detainers in batches.

Each batch is written in its own transaction with one executemany per table
(`BulkWriter`), so a world of millions streams through bounded memory and a
crash loses at most the batch in flight. Seeding refuses a database that
already holds detainers.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date

from sqlalchemy import Engine, func, select

from detainers.adapters.db import tables as t
from detainers.adapters.db.bulk import BulkWriter
from detainers.adapters.synthetic.errors import InvalidWorldSize, WorldNotEmpty
from detainers.adapters.synthetic.generator import World


@dataclass(frozen=True, kw_only=True)
class WorldSummary:
    """What a seeding wrote, and how long it took."""

    seed: int
    as_of: date
    detainers: int
    persons: int
    bookings: int
    facilities: int
    agencies: int
    jurisdictions: int
    events: int
    by_state: dict[str, int]
    seconds: float


def existing_detainers(engine: Engine) -> int:
    """How many detainers the database already holds."""
    with engine.connect() as conn:
        return int(conn.execute(select(func.count()).select_from(t.detainer)).scalar_one())


def seed_world(
    engine: Engine,
    *,
    seed: int,
    detainers: int,
    as_of: date,
    batch_size: int = 2000,
    progress: Callable[[int], None] | None = None,
) -> WorldSummary:
    """Write a reproducible synthetic world of `detainers` detainers as of `as_of` into an empty database.

    The same (`seed`, `detainers`, `as_of`) always writes the same rows,
    whatever `batch_size`. `progress` is called with the number of detainers
    written after each batch. Raises `WorldNotEmpty` if detainers are already stored.
    """
    if detainers < 0:
        raise InvalidWorldSize(field="detainers", value=detainers, problem="is negative")
    if batch_size < 1:
        raise InvalidWorldSize(field="batch_size", value=batch_size, problem="is not positive")
    started = time.perf_counter()
    held = existing_detainers(engine)
    if held:
        raise WorldNotEmpty(held)
    world = World(seed=seed, detainers=detainers, as_of=as_of)
    facilities = [site.facility for site in world.sites]
    with engine.begin() as conn:
        BulkWriter(conn).reference(world.jurisdictions, world.agencies, facilities)
    written = 0
    for batch in world.batches(batch_size):
        with engine.begin() as conn:
            writer = BulkWriter(conn)
            writer.persons([(r.person, r.convictions) for r in batch.persons])
            writer.bookings(batch.bookings)
            writer.detainers(batch.detainers, batch.decisions)
        written += len(batch.detainers)
        if progress is not None:
            progress(written)
    tally = world.tally
    return WorldSummary(
        seed=seed,
        as_of=as_of,
        detainers=tally.detainers,
        persons=tally.persons,
        bookings=tally.bookings,
        facilities=len(facilities),
        agencies=len(world.agencies),
        jurisdictions=len(world.jurisdictions),
        events=tally.events,
        by_state=dict(sorted(tally.by_state.items())),
        seconds=time.perf_counter() - started,
    )
