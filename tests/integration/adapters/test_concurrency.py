"""Two clerks acting on one detainer at once: one wins, the other gets a clear conflict."""

from __future__ import annotations

import threading
import time
from datetime import timedelta

import pytest
from sqlalchemy import Engine

from detainers.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from detainers.domain.decision import decide
from detainers.domain.vocabulary import ReviewChoice
from detainers.services.errors import ConcurrencyConflict
from tests.builders import booking, detainer, evaluation, person, reference


def _one_received_detainer(engine: Engine) -> None:
    with SqlUnitOfWorkFactory(engine)() as uow:
        reference(uow)
        uow.persons.add(person(), [])
        uow.bookings.add(booking())
        lodged = detainer()
        lodged.match(booking_id="b-1", identifier_kind="fbi_number", at=lodged.lodged_at, actor="x")
        uow.detainers.add(lodged)
        uow.commit()


def test_two_clerks_reviewing_one_detainer_at_once_one_wins_and_the_other_is_told(
    engine: Engine,
) -> None:
    if engine.dialect.name == "sqlite":
        pytest.skip("SQLite units of work take turns (BEGIN IMMEDIATE): two cannot read at once")
    _one_received_detainer(engine)
    both_have_read = threading.Barrier(2, timeout=30)
    outcomes: dict[str, object] = {}

    def clerk(name: str, choice: ReviewChoice) -> None:
        try:
            with SqlUnitOfWorkFactory(engine)() as uow:
                stored = uow.detainers.get("d-1")
                if stored is None:
                    outcomes[name] = "not found"
                    return
                both_have_read.wait()
                decision = decide(
                    decision_id=f"dec-{name}",
                    evaluation=evaluation(),
                    requests=stored.requests,
                    choice=choice,
                    decided_by=name,
                    decided_at=stored.lodged_at + timedelta(days=1),
                    override_reason="test",
                )
                stored.review(decision=decision, actor=name)
                uow.detainers.save(stored)
                uow.commit()
            outcomes[name] = "won"
        except ConcurrencyConflict as e:
            outcomes[name] = e

    threads = [
        threading.Thread(target=clerk, args=("clerk-a", ReviewChoice.HONOR)),
        threading.Thread(target=clerk, args=("clerk-b", ReviewChoice.NOTIFY_ONLY)),
    ]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)

    winners = [name for name, outcome in outcomes.items() if outcome == "won"]
    conflicts = [o for o in outcomes.values() if isinstance(o, ConcurrencyConflict)]
    assert len(winners) == 1, outcomes
    assert len(conflicts) == 1, outcomes
    # PostgreSQL sees the version moved; SQLite refuses the stale writer outright.
    assert str(conflicts[0]).startswith("detainer [d-1] ")
    assert "nothing was saved: reload it and try again" in str(conflicts[0])
    with SqlUnitOfWorkFactory(engine)() as uow:
        stored = uow.detainers.get("d-1")
        assert stored is not None
        assert stored.decision is not None
        assert stored.decision.decided_by == winners[0]
        reviews = [
            e.actor
            for e in uow.detainers.events("d-1")
            if e.to_state != e.from_state and e.sequence == 3
        ]
        assert reviews == winners
        assert len(uow.detainers.events("d-1")) == 3


def test_on_sqlite_a_second_writer_waits_its_turn_and_then_sees_the_first_ones_work(
    engine: Engine,
) -> None:
    if engine.dialect.name != "sqlite":
        pytest.skip("PostgreSQL runs units of work side by side (see the test above)")
    _one_received_detainer(engine)
    first_holds_the_lock = threading.Event()
    release = threading.Event()
    seen: dict[str, object] = {}

    def first() -> None:
        with SqlUnitOfWorkFactory(engine)() as uow:
            stored = uow.detainers.get("d-1")
            assert stored is not None
            first_holds_the_lock.set()
            release.wait(timeout=10)
            decision = decide(
                decision_id="dec-first",
                evaluation=evaluation(),
                requests=stored.requests,
                choice=ReviewChoice.HONOR,
                decided_by="clerk-a",
                decided_at=stored.lodged_at + timedelta(days=1),
                override_reason="test",
            )
            stored.review(decision=decision, actor="clerk-a")
            uow.detainers.save(stored)
            uow.commit()

    def second() -> None:
        first_holds_the_lock.wait(timeout=10)
        with SqlUnitOfWorkFactory(engine)() as uow:  # waits here until the first commits
            stored = uow.detainers.get("d-1")
            seen["decided_by"] = (
                None if stored is None or stored.decision is None else stored.decision.decided_by
            )

    a, b = threading.Thread(target=first), threading.Thread(target=second)
    a.start()
    b.start()
    first_holds_the_lock.wait(timeout=10)
    time.sleep(0.3)  # the second is at its BEGIN by now; with a plain BEGIN it would read stale
    release.set()
    a.join(timeout=30)
    b.join(timeout=30)
    assert seen == {"decided_by": "clerk-a"}
