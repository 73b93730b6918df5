"""AUD-04: audit records are kept a year; a purge removes only older ones, never held ones."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime, timedelta

import pytest
from sqlalchemy import Engine

from detainers.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from detainers.domain.errors import InvalidValue
from detainers.services import audit
from detainers.services.context import Context
from detainers.services.errors import Forbidden
from tests.fakes import FakeLegalEngine, FixedClock, SequentialIds

START = datetime(2024, 1, 1, 12, 0, tzinfo=UTC)


def _context(engine: Engine, clock: FixedClock) -> Context:
    return Context(
        uow=SqlUnitOfWorkFactory(engine), clock=clock, ids=SequentialIds(), engine=FakeLegalEngine()
    )


def _write(ctx: Context, n: int, object_id: str) -> None:
    for _ in range(n):
        audit.record_alone(
            ctx, audit.entry(ctx, "detainer.read", "detainer", object_id, audit.Outcome.SUCCESS)
        )
        ctx.clock.advance(hours=1)  # type: ignore[attr-defined]


def test_AUD_04_purge_refuses_records_younger_than_365_days(engine: Engine) -> None:
    clock = FixedClock(START)
    ctx = _context(engine, clock)
    _write(ctx, 3, "d-1")
    clock.advance(days=200)
    with pytest.raises(InvalidValue, match=r"^before: .*365 days"):
        audit.purge(clock.now() - timedelta(days=100), ctx)
    assert audit.verify(ctx).broken is None


def test_AUD_04_after_a_year_old_records_go_the_chain_still_verifies_and_held_ones_stay(
    engine: Engine,
) -> None:
    clock = FixedClock(START)
    ctx = _context(engine, clock)
    _write(ctx, 3, "d-old")
    audit.place_legal_hold("detainer", "d-held", "litigation 2024-17", ctx)
    _write(ctx, 2, "d-held")
    _write(ctx, 2, "d-old")
    clock.advance(days=400)
    _write(ctx, 2, "d-new")

    done = audit.purge(START + timedelta(days=30), ctx)

    # Records 1-3 go; record 4 (the hold itself) is about the held object: the purge stops there.
    assert (done.removed, done.through_seq, done.kept_for_hold) == (3, 3, 1)
    with ctx.uow() as uow:
        left = [(r.entry.action, r.entry.object_id) for r in uow.audit.records()]
    # The held object's records outlive retention.
    assert left[:3] == [
        ("audit.legal_hold", "d-held"),
        ("detainer.read", "d-held"),
        ("detainer.read", "d-held"),
    ]
    assert ("audit.purge", "chain") in left
    checked = audit.verify(ctx)
    assert checked.broken is None

    audit.release_legal_hold("detainer", "d-held", "litigation closed", ctx)
    again = audit.purge(START + timedelta(days=30), ctx)
    assert again.removed == 5  # the hold, the held object's records and the old ones after them
    assert audit.verify(ctx).broken is None


def test_AUD_04_an_unrecorded_deletion_of_the_oldest_records_is_still_caught(
    engine: Engine,
) -> None:
    clock = FixedClock(START)
    ctx = _context(engine, clock)
    _write(ctx, 4, "d-1")
    with ctx.uow() as uow:
        uow.audit.purge_through(2)  # as an owner could, without the purge's own record
        uow.commit()
    broken = audit.verify(ctx).broken
    assert broken is not None
    assert broken.seq == 3


def test_AUD_04_only_the_command_line_may_purge_or_hold(engine: Engine) -> None:
    from detainers.domain.access import Caller, PrincipalKind, Role

    clock = FixedClock(START + timedelta(days=800))
    auditor = Caller(
        principal_id="k-1", name="key:auditor", kind=PrincipalKind.KEY, role=Role.AUDITOR
    )
    ctx = replace(_context(engine, clock), caller=auditor)
    with pytest.raises(Forbidden):
        audit.purge(START, ctx)
    with pytest.raises(Forbidden):
        audit.place_legal_hold("detainer", "d-1", "why", ctx)
