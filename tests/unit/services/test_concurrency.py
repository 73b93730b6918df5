"""Two clerks at once: optimistic concurrency over the unit of work (one wins, the other is told).

Clerk B's command runs to completion while clerk A's is half done, by way of
a legal engine that lets B act while A's review is being evaluated.
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from detainers.domain import commands as c
from detainers.domain.case import Case
from detainers.domain.decision import Evaluation
from detainers.domain.detainer import Detainer
from detainers.domain.lifecycle import DetainerState
from detainers.domain.vocabulary import ReviewChoice
from detainers.services import detainers
from detainers.services.errors import ConcurrencyConflict
from detainers.services.ports import UnitOfWork
from tests.fakes import FakeLegalEngine
from tests.unit.builders import AGENT, CLERK, T0, World

S = DetainerState


class MeanwhileEngine(FakeLegalEngine):
    """A fake engine that, once, lets someone else act while it evaluates."""

    def __init__(self) -> None:
        super().__init__()
        self.meanwhile: Callable[[], object] | None = None

    def evaluate(self, case: Case) -> Evaluation:
        act, self.meanwhile = self.meanwhile, None
        if act is not None:
            act()
        return super().evaluate(case)


def _cancel(world: World, detainer_id: str) -> None:
    detainers.cancel_detainer(
        c.CancelDetainer(detainer_id=detainer_id, reason="withdrawn", actor=AGENT), world.ctx
    )


def _serve(world: World, detainer_id: str) -> None:
    detainers.serve_detainer(c.ServeDetainer(detainer_id=detainer_id, actor=CLERK), world.ctx)


def _save_and_commit(uow: UnitOfWork, detainer: Detainer) -> None:
    """A database may refuse the stale write at save or at commit; either is a conflict."""
    uow.detainers.save(detainer)
    uow.commit()


def test_a_copy_read_before_someone_else_changed_it_cannot_be_saved_over_their_change() -> None:
    world = World()
    _, detainer = world.booked_and_lodged()
    with world.uow() as earlier:
        stale = earlier.detainers.get(detainer.id)
    assert stale is not None
    _cancel(world, detainer.id)

    stale.serve(at=T0, actor=CLERK)
    with world.uow() as later, pytest.raises(ConcurrencyConflict) as raised:
        later.detainers.save(stale)

    assert str(raised.value).startswith(
        f"detainer [{detainer.id}] was changed by someone else since it was read"
    )
    assert "reload it and try again" in str(raised.value)
    assert world.detainer(detainer.id).state is S.CANCELLED


def test_two_clerks_saving_one_detainer_at_once_the_second_gets_a_conflict() -> None:
    world = World()
    _, detainer = world.booked_and_lodged()

    with world.uow() as first, world.uow() as second:
        mine = first.detainers.get(detainer.id)
        theirs = second.detainers.get(detainer.id)
        assert mine is not None
        assert theirs is not None
        mine.serve(at=T0, actor=CLERK)
        first.detainers.save(mine)
        first.commit()
        theirs.cancel(at=T0, reason="withdrawn", actor=AGENT)
        with pytest.raises(ConcurrencyConflict, match=rf"detainer \[{detainer.id}\] was changed"):
            _save_and_commit(second, theirs)

    stored = world.detainer(detainer.id)
    assert stored.state is S.RECEIVED
    assert stored.served_at == T0
    assert world.event_kinds(detainer.id)[-1] == "DetainerServed"


def test_a_review_racing_a_cancellation_is_refused_and_the_cancellation_stands() -> None:
    engine = MeanwhileEngine()
    world = World(engine=engine)
    _, detainer = world.booked_and_lodged()
    engine.meanwhile = lambda: _cancel(world, detainer.id)

    with pytest.raises(ConcurrencyConflict, match=rf"detainer \[{detainer.id}\]"):
        world.review(detainer.id, ReviewChoice.HONOR)

    assert world.detainer(detainer.id).state is S.CANCELLED
    assert world.event_kinds(detainer.id)[-1] == "DetainerCancelled"


def test_clerks_acting_on_different_detainers_at_once_do_not_conflict() -> None:
    engine = MeanwhileEngine()
    world = World(engine=engine)
    _, reviewed = world.booked_and_lodged()
    other = world.lodge()
    engine.meanwhile = lambda: _serve(world, other.id)

    world.review(reviewed.id, ReviewChoice.HONOR)

    assert world.detainer(reviewed.id).state is S.HONORED
    assert world.detainer(other.id).served_at == T0


def test_a_detainer_lodged_while_another_clerk_works_is_not_lost() -> None:
    engine = MeanwhileEngine()
    world = World(engine=engine)
    _, reviewed = world.booked_and_lodged()
    lodged: list[str] = []
    engine.meanwhile = lambda: lodged.append(world.lodge(a_number="A012345678").id)

    world.review(reviewed.id, ReviewChoice.HONOR)

    assert lodged
    assert lodged[0] in world.uow.store.detainers
    assert world.event_kinds(lodged[0])[0] == "DetainerLodged"
