"""The synthetic world as a user of the demo sees it: reproducible, complete, consistent, loadable.

Tests that only read share one world of 1,500 detainers per backend, seeded
once per module into a database of its own (seeding it per test would take
most of the time budget); tests that seed use the `engine` fixture's fresh
database.
"""

from __future__ import annotations

import shutil
from collections import Counter, defaultdict
from collections.abc import Iterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from sqlalchemy import Engine, select

from detainers.adapters.db import migrate
from detainers.adapters.db import tables as t
from detainers.adapters.db.engine import make_engine
from detainers.adapters.db.unit_of_work import SqlUnitOfWork
from detainers.adapters.synthetic import (
    WorldNotEmpty,
    WorldSummary,
    existing_detainers,
    seed_world,
)
from detainers.domain.events import EVENT_TYPES
from detainers.domain.jurisdiction import Jurisdiction
from detainers.domain.lifecycle import DetainerState
from detainers.domain.vocabulary import JurisdictionKind
from detainers.services.ports import DetainerFilter
from tests.conftest import create_postgres_database, drop_postgres_database

AS_OF = date(2025, 6, 30)
NOW = datetime(2025, 6, 30, tzinfo=UTC)
WORLD_SIZE = 1500


class Seeded:
    """A seeded database and what `seed_world` said it wrote."""

    def __init__(self, engine: Engine, summary: WorldSummary) -> None:
        self.engine = engine
        self.summary = summary

    def rows(self, table: Any) -> list[dict[str, Any]]:
        with self.engine.connect() as conn:
            return [dict(r._mapping) for r in conn.execute(select(table))]


@pytest.fixture(
    scope="module", params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]
)
def world(
    request: pytest.FixtureRequest, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[Seeded]:
    """A world of 1,500 detainers in a database of its own, read (never written) by the tests."""
    if request.param == "sqlite":
        template: Path = request.getfixturevalue("sqlite_template")
        path = tmp_path_factory.mktemp("world") / "world.db"
        shutil.copyfile(template, path)
        engine = make_engine(f"sqlite:///{path}")
        yield Seeded(engine, seed_world(engine, seed=2025, detainers=WORLD_SIZE, as_of=AS_OF))
        engine.dispose()
        return
    admin: Engine = request.getfixturevalue("postgres_admin")
    url = create_postgres_database(admin, "detainers_world")
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
        yield Seeded(engine, seed_world(engine, seed=2025, detainers=WORLD_SIZE, as_of=AS_OF))
    finally:
        engine.dispose()
        drop_postgres_database(admin, url)


def fresh_sqlite(template: Path, path: Path) -> Engine:
    shutil.copyfile(template, path)
    return make_engine(f"sqlite:///{path}")


def dump(engine: Engine) -> dict[str, list[tuple[Any, ...]]]:
    """Every table's rows, ordered by primary key (in Python, so collations do not matter)."""
    out: dict[str, list[tuple[Any, ...]]] = {}
    with engine.connect() as conn:
        for table in t.metadata.sorted_tables:
            keys = [table.columns.keys().index(c.name) for c in table.primary_key.columns]
            rows = [tuple(r) for r in conn.execute(select(table))]
            out[table.name] = sorted(rows, key=lambda r: tuple(str(r[k]) for k in keys))
    return out


def events_by_detainer(world: Seeded) -> dict[str, list[dict[str, Any]]]:
    grouped: dict[str, list[dict[str, Any]]] = defaultdict(list)
    for event in sorted(
        world.rows(t.detainer_event), key=lambda e: (e["detainer_id"], e["sequence"])
    ):
        grouped[event["detainer_id"]].append(event)
    return grouped


# -- seeding ------------------------------------------------------------------


def test_the_same_seed_gives_the_same_world_and_another_seed_another(
    engine: Engine, sqlite_template: Path, tmp_path: Path
) -> None:
    # The second copy is always SQLite, with another batch size: on the
    # PostgreSQL run this also shows both backends hold the same rows.
    seed_world(engine, seed=11, detainers=300, as_of=AS_OF)
    again = fresh_sqlite(sqlite_template, tmp_path / "again.db")
    seed_world(again, seed=11, detainers=300, as_of=AS_OF, batch_size=37)
    other = fresh_sqlite(sqlite_template, tmp_path / "other.db")
    seed_world(other, seed=12, detainers=300, as_of=AS_OF)

    first, second, third = dump(engine), dump(again), dump(other)
    again.dispose()
    other.dispose()

    assert len(first["detainer"]) == 300
    assert first == second
    assert first["person"] != third["person"]
    assert first["detainer"] != third["detainer"]


def test_seeding_a_database_that_holds_detainers_is_refused(engine: Engine) -> None:
    seed_world(engine, seed=1, detainers=25, as_of=AS_OF)

    with pytest.raises(WorldNotEmpty, match=r"already holds \[25\] detainers") as refused:
        seed_world(engine, seed=2, detainers=25, as_of=AS_OF)

    assert isinstance(refused.value, ValueError)
    assert existing_detainers(engine) == 25


def test_a_world_is_seeded_beside_reference_data_already_stored(engine: Engine) -> None:
    with SqlUnitOfWork(engine) as uow:
        uow.jurisdictions.add(
            Jurisdiction(code="US", name="United States", kind=JurisdictionKind.FEDERAL)
        )
        uow.commit()

    summary = seed_world(engine, seed=4, detainers=10, as_of=AS_OF)

    with SqlUnitOfWork(engine) as uow:
        assert len(uow.jurisdictions.list()) == summary.jurisdictions
    assert existing_detainers(engine) == 10


def test_progress_is_reported_after_each_batch(engine: Engine) -> None:
    written: list[int] = []

    summary = seed_world(
        engine, seed=3, detainers=25, as_of=AS_OF, batch_size=10, progress=written.append
    )

    assert written == [10, 20, 25]
    assert summary.detainers == existing_detainers(engine) == 25


# -- what the world holds -----------------------------------------------------


def test_the_summary_counts_what_was_written(world: Seeded) -> None:
    s = world.summary

    assert s.detainers == len(world.rows(t.detainer)) == WORLD_SIZE
    assert s.persons == len(world.rows(t.person))
    assert s.bookings == len(world.rows(t.booking))
    assert s.events == len(world.rows(t.detainer_event))
    assert s.by_state == dict(Counter(d["state"] for d in world.rows(t.detainer)))
    assert (s.facilities, s.agencies) == (len(world.rows(t.facility)), len(world.rows(t.agency)))


def test_the_reference_data_has_real_codes_and_every_type_of_facility(world: Seeded) -> None:
    places = {j["code"]: j for j in world.rows(t.jurisdiction)}
    facilities = world.rows(t.facility)

    assert places["US-CA-06037"]["name"] == "Los Angeles County"
    assert places["US-TX-48201"]["name"] == "Harris County"
    assert places["US-CT-09003"]["parent_code"] == "US-CT"
    assert places["US-CT"]["parent_code"] == "US"
    assert {f["type"] for f in facilities} >= {
        "state_prison", "state_pretrial_jail", "county_jail", "city_jail",
        "police_lockup", "court_holding", "federal", "private",
    }  # fmt: skip
    assert len({f["program_287g"] for f in facilities}) == 4
    assert {f["hold_limit_hours"] for f in facilities} >= {None, 24, 36}
    assert all(a["code"].startswith("ERO-") for a in world.rows(t.agency))


def test_a_small_world_goes_through_every_lifecycle_path(world: Seeded) -> None:
    states = Counter(d["state"] for d in world.rows(t.detainer))
    events = events_by_detainer(world)
    paths = {tuple(e["type"] for e in chain) for chain in events.values()}

    def seen(*kinds: str, without: str = "") -> bool:
        return any(all(k in p for k in kinds) and without not in p for p in paths)

    assert set(states) == {s.value for s in DetainerState}
    assert {e["type"] for chain in events.values() for e in chain} == set(EVENT_TYPES)
    assert seen("HoldStarted", "DetainerTransferred")
    assert seen("ReleaseNotified", "DetainerTransferred", without="HoldStarted")
    assert seen("HoldStarted", "ReleasedAtDeadline")
    assert seen("HoldStarted", "SubjectReleased")
    assert seen("DetainerMatched", "SubjectReleased", without="DetainerReviewed")
    assert seen("HoldDeadlinePassed")
    assert seen("AgencyArrestRecorded")
    choices = Counter(
        e["payload"]["choice"]
        for c in events.values()
        for e in c
        if e["type"] == "DetainerReviewed"
    )
    assert set(choices) == {"honor", "notify_only", "decline", "escalate"}


def test_paths_come_at_plausible_rates(world: Seeded) -> None:
    states = Counter(d["state"] for d in world.rows(t.detainer))
    share = {state: count / WORLD_SIZE for state, count in states.items()}

    assert 0.35 < share["transferred"] < 0.55
    assert 0.25 < share["released"] < 0.45
    assert 0.02 < share["released_at_deadline"] < 0.07
    assert 0.05 < share["cancelled"] < 0.12
    assert 0.02 < share["not_in_custody"] < 0.08


def test_every_detainers_events_run_in_order_and_end_in_its_state(world: Seeded) -> None:
    events = events_by_detainer(world)

    for d in world.rows(t.detainer):
        chain = events[d["id"]]
        times = [e["occurred_at"] for e in chain]
        assert [e["sequence"] for e in chain] == list(range(1, d["last_sequence"] + 1))
        assert chain[0]["type"] == "DetainerLodged"
        assert times == sorted(times)
        assert times[-1] <= NOW
        assert chain[-1]["to_state"] == d["state"]
        assert (
            d["agency_arrest_date"] is None
            or d["closed_at"].date() < d["agency_arrest_date"] < AS_OF
        )


def test_holds_end_by_their_deadline_within_48_hours_or_are_recorded_as_violations(
    world: Seeded,
) -> None:
    events = events_by_detainer(world)
    violations = {
        d for d, chain in events.items() if any(e["type"] == "HoldDeadlinePassed" for e in chain)
    }

    for hold in world.rows(t.hold):
        assert hold["deadline_at"] <= hold["started_at"] + timedelta(hours=48)
        assert hold["deadline_at"] <= hold["legal_until"]
        if hold["ended_at"] is None:
            assert hold["deadline_at"] > NOW or hold["detainer_id"] in violations
        elif hold["ended_at"] > hold["deadline_at"]:
            assert hold["detainer_id"] in violations
    assert violations


def test_decisions_say_they_were_drawn_not_computed_from_law(world: Seeded) -> None:
    decisions = world.rows(t.decision)

    assert decisions
    for decision in decisions:
        assert decision["engine"] == "synthetic-world"
        assert decision["facts"]["jurisdiction"] == decision["jurisdiction_code"]
        for ruling in decision["rulings"].values():
            assert [r["rule"] for r in ruling["reasons"]] == ["synthetic.world"]
            assert "not computed from law" in ruling["reasons"][0]["summary"]


def test_names_vary_as_real_records_do(world: Seeded) -> None:
    persons = {p["id"]: p for p in world.rows(t.person)}
    bookings = {b["id"]: b for b in world.rows(t.booking)}
    matched = [d for d in world.rows(t.detainer) if d["booking_id"] is not None]

    def differs(d: dict[str, Any]) -> bool:
        person = persons[bookings[d["booking_id"]]["person_id"]]
        return (d["subject_given_names"], d["subject_family_names"]) != (
            person["given_names"],
            person["family_names"],
        )

    assert sum(len(p["family_names"]) == 2 for p in persons.values()) > len(persons) / 5
    assert any("-" in part for p in persons.values() for part in p["family_names"])
    assert any(p["aliases"] for p in persons.values())
    assert any(p["citizenship"] == "us_citizen" for p in persons.values())
    assert 0.15 < sum(map(differs, matched)) / len(matched) < 0.6
    assert any(not d["subject_identifiers"] for d in matched)
    assert len(bookings) > len({b["person_id"] for b in bookings.values()})


def test_seeded_detainers_load_back_through_the_repositories(world: Seeded) -> None:
    with SqlUnitOfWork(world.engine) as uow:
        sample = uow.detainers.list(DetainerFilter(limit=200))
        held = uow.detainers.list(DetainerFilter(state=DetainerState.ON_HOLD, limit=1))
        counts = uow.detainers.count_by_state()

        for detainer in sample:
            events = uow.detainers.events(detainer.id)
            assert len(events) == detainer.last_sequence
            assert events[-1].to_state == detainer.state
            if detainer.booking_id is not None:
                booking = uow.bookings.get(detainer.booking_id)
                assert booking is not None
                assert uow.persons.get(booking.person_id) is not None
        # A live detainer from the seed can go on: the held one is released at its deadline.
        (on_hold,) = held
        assert on_hold.hold is not None
        on_hold.release_at_deadline(at=on_hold.hold.deadline_at, actor="test")
        assert on_hold.state is DetainerState.RELEASED_AT_DEADLINE

    assert sum(counts.values()) == WORLD_SIZE
