"""The audit chain against an attacker with the owner's rights, on both databases.

The attacker switches off the append-only triggers (PostgreSQL: replica mode
for one transaction; SQLite: drops them and puts them back) and changes,
deletes, swaps or forges records. `verify` must name the first record that
no longer holds; an untouched chain verifies; with the triggers on, the
database itself refuses changes.
"""

from __future__ import annotations

import threading
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from types import TracebackType
from typing import Any, Self

import pytest
from sqlalchemy import Connection, Engine, insert, select, text, update
from sqlalchemy.exc import DBAPIError

from detainers.adapters.db import tables as t
from detainers.adapters.db.access import SqlAudit
from detainers.adapters.db.engine import make_engine
from detainers.adapters.db.unit_of_work import SqlUnitOfWork, SqlUnitOfWorkFactory
from detainers.domain.audit import GENESIS, AuditEntry, AuditRecord, Outcome, seal
from detainers.services import audit
from detainers.services.context import Context
from tests.fakes import FakeLegalEngine, FixedClock, SequentialIds
from tests.integration.attacker import owner_rights

T0 = datetime(2026, 11, 23, 14, 0, 0, 250_000, tzinfo=UTC)
RECORDS = 5
MIDDLE = 3


def _entry(n: int) -> AuditEntry:
    return AuditEntry(
        at=T0 + timedelta(minutes=n),
        actor=f"user-{n}",
        actor_kind="user",
        role="facility_staff",
        organization="CT-HCC",
        action="detainer.read",
        object_type="detainer",
        object_id=f"d-{n}",
        outcome=Outcome.SUCCESS,
        client="203.0.113.7",
        request_id=f"req-{n}",
        detail="",
    )


def _context(engine: Engine) -> Context:
    return Context(
        uow=SqlUnitOfWorkFactory(engine),
        clock=FixedClock(T0 + timedelta(days=1)),
        ids=SequentialIds(),
        engine=FakeLegalEngine(),
    )


@pytest.fixture
def chain(engine: Engine) -> list[AuditRecord]:
    """Five records, appended one transaction each as the application does."""
    written = []
    for n in range(1, RECORDS + 1):
        with engine.begin() as conn:
            written.append(SqlAudit(conn).append(_entry(n)))
    return written


def _broken(engine: Engine) -> tuple[int, str]:
    result = audit.verify(_context(engine))
    assert result.broken is not None, "verify found the chain intact"
    return result.broken.seq, result.broken.problem


def _row(conn: Connection, seq: int) -> dict[str, Any]:
    row = conn.execute(select(t.audit_record).where(t.audit_record.c.seq == seq)).one()
    return dict(row._mapping)


def test_an_untouched_chain_verifies(engine: Engine, chain: list[AuditRecord]) -> None:
    result = audit.verify(_context(engine))

    assert result.broken is None
    assert result.records == RECORDS


def test_verifying_is_itself_recorded(engine: Engine, chain: list[AuditRecord]) -> None:
    audit.verify(_context(engine))

    with engine.connect() as conn:
        last = SqlAudit(conn).records(after_seq=RECORDS)
    assert [(r.entry.action, r.entry.outcome, r.entry.detail) for r in last] == [
        ("audit.verify", Outcome.SUCCESS, f"records={RECORDS}")
    ]
    assert audit.verify(_context(engine)).broken is None


# For each column of audit_record, a change an attacker could make to record MIDDLE.
CHANGES: dict[str, Any] = {
    "seq": 1000,
    "at": T0 + timedelta(minutes=MIDDLE, microseconds=1),
    "actor": "someone-else",
    "actor_kind": "system",
    "role": "admin",
    "organization": "ERO-BOS",
    "action": "detainer.list",
    "object_type": "booking",
    "object_id": "d-999",
    "outcome": Outcome.DENIED.value,
    "client": "198.51.100.1",
    "request_id": "req-forged",
    "detail": "nothing to see",
    "previous_hash": "f" * 64,
    "hash": "e" * 64,
}


@pytest.mark.parametrize("column", [c.name for c in t.audit_record.columns])
def test_changing_any_field_of_a_record_breaks_the_chain_there(
    engine: Engine, chain: list[AuditRecord], column: str
) -> None:
    with owner_rights(engine) as conn:
        conn.execute(
            update(t.audit_record)
            .where(t.audit_record.c.seq == MIDDLE)
            .values({column: CHANGES[column]})
        )

    seq, problem = _broken(engine)

    if column == "seq":
        # The record left its place: the next one is found where it should be.
        assert seq == MIDDLE + 1
        assert f"expected record [{MIDDLE}]" in problem
    else:
        assert seq == MIDDLE


def test_deleting_a_record_in_the_middle_breaks_the_chain_at_the_gap(
    engine: Engine, chain: list[AuditRecord]
) -> None:
    with owner_rights(engine) as conn:
        conn.execute(t.audit_record.delete().where(t.audit_record.c.seq == MIDDLE))

    seq, problem = _broken(engine)

    assert seq == MIDDLE + 1
    assert f"expected record [{MIDDLE}]" in problem


def test_deleting_the_last_record_is_caught_by_the_head(
    engine: Engine, chain: list[AuditRecord]
) -> None:
    with owner_rights(engine) as conn:
        conn.execute(t.audit_record.delete().where(t.audit_record.c.seq == RECORDS))

    assert _broken(engine) == (
        RECORDS,
        f"is missing: the chain ends at record [{RECORDS - 1}] but its head is record [{RECORDS}]",
    )


def test_swapping_two_records_contents_breaks_the_chain_at_the_first(
    engine: Engine, chain: list[AuditRecord]
) -> None:
    with owner_rights(engine) as conn:
        second, fourth = _row(conn, 2), _row(conn, 4)
        for seq, values in ((2, fourth), (4, second)):
            values.pop("seq")
            conn.execute(update(t.audit_record).where(t.audit_record.c.seq == seq).values(values))

    seq, problem = _broken(engine)

    assert seq == 2
    assert "previous hash differs" in problem


def test_a_forged_record_with_a_made_up_hash_breaks_the_chain_there(
    engine: Engine, chain: list[AuditRecord]
) -> None:
    forged = {**_row_of(chain[-1]), "seq": RECORDS + 1, "previous_hash": "a" * 64}
    with owner_rights(engine) as conn:
        conn.execute(insert(t.audit_record).values(forged))

    seq, problem = _broken(engine)

    assert seq == RECORDS + 1
    assert "previous hash differs" in problem


def test_a_forged_record_sealed_onto_the_chain_is_caught_by_the_head(
    engine: Engine, chain: list[AuditRecord]
) -> None:
    forged = seal(RECORDS + 1, _entry(99), chain[-1].hash)
    with owner_rights(engine) as conn:
        conn.execute(insert(t.audit_record).values(_row_of(forged)))

    assert _broken(engine) == (
        RECORDS + 1,
        f"lies beyond the recorded head [{RECORDS}] (written outside the application)",
    )


def test_a_record_rewritten_and_resealed_breaks_the_link_to_the_next(
    engine: Engine, chain: list[AuditRecord]
) -> None:
    resealed = seal(MIDDLE, _entry(99), chain[MIDDLE - 2].hash)
    with owner_rights(engine) as conn:
        conn.execute(
            update(t.audit_record)
            .where(t.audit_record.c.seq == MIDDLE)
            .values({k: v for k, v in _row_of(resealed).items() if k != "seq"})
        )

    seq, problem = _broken(engine)

    assert seq == MIDDLE + 1
    assert "previous hash differs" in problem


def test_the_last_record_rewritten_and_resealed_is_caught_by_the_head(
    engine: Engine, chain: list[AuditRecord]
) -> None:
    resealed = seal(RECORDS, _entry(99), chain[-2].hash)
    with owner_rights(engine) as conn:
        conn.execute(
            update(t.audit_record)
            .where(t.audit_record.c.seq == RECORDS)
            .values({k: v for k, v in _row_of(resealed).items() if k != "seq"})
        )

    assert _broken(engine) == (
        RECORDS,
        "differs from the recorded head (the chain was rewritten)",
    )


def _row_of(record: AuditRecord) -> dict[str, Any]:
    e = record.entry
    return {
        "seq": record.seq,
        "at": e.at,
        "actor": e.actor,
        "actor_kind": e.actor_kind,
        "role": e.role,
        "organization": e.organization,
        "action": e.action,
        "object_type": e.object_type,
        "object_id": e.object_id,
        "outcome": e.outcome.value,
        "client": e.client,
        "request_id": e.request_id,
        "detail": e.detail,
        "previous_hash": record.previous_hash,
        "hash": record.hash,
    }


# -- with the triggers on ------------------------------------------------------------


def test_the_database_refuses_to_update_an_audit_record(
    engine: Engine, chain: list[AuditRecord]
) -> None:
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(update(t.audit_record).where(t.audit_record.c.seq == MIDDLE).values(actor="x"))
    assert audit.verify(_context(engine)).broken is None


def test_the_database_refuses_to_delete_an_audit_record(
    engine: Engine, chain: list[AuditRecord]
) -> None:
    with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
        conn.execute(t.audit_record.delete().where(t.audit_record.c.seq == RECORDS))
    assert audit.verify(_context(engine)).records == RECORDS


@pytest.mark.postgres
def test_postgres_refuses_to_truncate_the_audit_trail(postgres_url: str) -> None:
    engine = make_engine(postgres_url)
    try:
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text("TRUNCATE audit_record"))
    finally:
        engine.dispose()


# -- with other writers ---------------------------------------------------------------


class _WriterAtTheEnd:
    """Units of work whose audit trail lets another writer append just as a walk reaches its end."""

    def __init__(self, engine: Engine) -> None:
        self._engine = engine
        self.appended = 0

    def __call__(self) -> _UnitWithWriter:
        return _UnitWithWriter(self)

    def append_elsewhere(self) -> None:
        with self._engine.begin() as conn:
            SqlAudit(conn).append(_entry(50 + self.appended))
        self.appended += 1


class _UnitWithWriter:
    def __init__(self, writer: _WriterAtTheEnd) -> None:
        self._writer = writer
        self._uow = SqlUnitOfWork(writer._engine)

    def __enter__(self) -> Self:
        self._uow.__enter__()
        self.audit = _AuditWithWriter(self._uow.audit, self._writer)
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._uow.__exit__(exc_type, exc, tb)

    def commit(self) -> None:
        self._uow.commit()


class _AuditWithWriter:
    def __init__(self, real: SqlAudit, writer: _WriterAtTheEnd) -> None:
        self._real = real
        self._writer = writer

    def records(self, after_seq: int = 0, limit: int = 1000) -> Sequence[AuditRecord]:
        page = self._real.records(after_seq, limit)
        if not page and self._writer.appended == 0:
            self._writer.append_elsewhere()
        return page

    def append(self, entry: AuditEntry) -> AuditRecord:
        return self._real.append(entry)

    def head(self) -> tuple[int, str]:
        return self._real.head()

    def find(self, action: str) -> Sequence[AuditRecord]:
        return self._real.find(action)


def test_a_record_appended_while_verify_walks_is_not_taken_for_a_break(
    engine: Engine, chain: list[AuditRecord]
) -> None:
    if engine.dialect.name == "sqlite":
        pytest.skip("on SQLite units of work take turns (BEGIN IMMEDIATE): none writes mid-walk")
    writer = _WriterAtTheEnd(engine)
    ctx = Context(
        uow=writer,  # type: ignore[arg-type]  # a wrapper of the real unit of work
        clock=FixedClock(T0 + timedelta(days=1)),
        ids=SequentialIds(),
        engine=FakeLegalEngine(),
    )

    result = audit.verify(ctx)

    assert writer.appended == 1
    assert result.broken is None
    assert result.records == RECORDS
    assert audit.verify(_context(engine)) == audit.Verification(records=RECORDS + 2, broken=None)


def test_writers_racing_for_the_head_leave_one_unbroken_chain(engine: Engine) -> None:
    """Eight writers at once, each sealing its records in its own transactions.

    On PostgreSQL each append locks the head, seals and moves it in one statement
    (the database computes the hash); the chain it leaves must be exactly the one the
    application's own `seal` gives, in one sequence without a gap or a repeat.
    """
    writers, each = 8, 40
    barrier = threading.Barrier(writers)

    def write(w: int) -> list[AuditRecord]:
        barrier.wait()
        sealed = []
        for n in range(each):
            entry = replace(_entry(n), actor=f"writer-{w}", detail=f"écrit {n} « {w} »")
            with engine.begin() as conn:
                sealed.append(SqlAudit(conn).append(entry))
        return sealed

    with ThreadPoolExecutor(writers) as pool:
        returned = [r for batch in pool.map(write, range(writers)) for r in batch]

    assert sorted(r.seq for r in returned) == list(range(1, writers * each + 1))
    with engine.connect() as conn:
        stored = SqlAudit(conn).records(limit=writers * each + 10)
    assert {r.seq: r for r in stored} == {r.seq: r for r in returned}
    previous = GENESIS
    for record in stored:
        assert record == seal(record.seq, record.entry, previous)
        previous = record.hash
    assert audit.verify(_context(engine)) == audit.Verification(records=writers * each, broken=None)
