"""Repositories over one SQLAlchemy connection, returning domain objects.

Aggregates (bookings, detainers) carry a version: `save` updates only the
version that was read, so a concurrent writer is caught as a
`ConcurrencyConflict`. Each repository keeps an identity map, so one unit of
work never holds two stale copies of the same aggregate.
"""

from __future__ import annotations

import builtins
import functools
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from sqlalchemy import Connection, Table, Update, bindparam, func, insert, select, update
from sqlalchemy.exc import OperationalError

from detainers.adapters.db import rows
from detainers.adapters.db import tables as t
from detainers.domain.booking import Booking, Conviction
from detainers.domain.decision import Decision
from detainers.domain.detainer import Detainer
from detainers.domain.events import DetainerEvent
from detainers.domain.jurisdiction import Jurisdiction
from detainers.domain.lifecycle import DetainerState
from detainers.domain.organization import Agency, Facility
from detainers.domain.person import Person
from detainers.domain.vocabulary import (
    IdentifierKind,
)
from detainers.services.errors import ConcurrencyConflict
from detainers.services.ports import BookingFilter, DetainerFilter

# Statements built once: the values come as parameters, so SQLAlchemy compiles each
# once per set of columns and psycopg prepares it, instead of a new statement per write.
_JURISDICTION = select(t.jurisdiction).where(t.jurisdiction.c.code == bindparam("code"))
_AGENCY = select(t.agency).where(t.agency.c.code == bindparam("code"))
_FACILITY = select(t.facility).where(t.facility.c.code == bindparam("code"))
_PERSON = select(t.person).where(t.person.c.id == bindparam("key"))
_IDENTIFIERS_OF = select(t.person_identifier.c.kind, t.person_identifier.c.value).where(
    t.person_identifier.c.person_id == bindparam("key")
)
_PEOPLE_BY_IDENTIFIER = select(t.person_identifier.c.person_id).where(
    t.person_identifier.c.kind == bindparam("kind"),
    t.person_identifier.c.value == bindparam("value"),
)
_BOOKING = select(t.booking).where(t.booking.c.id == bindparam("key"))
_CHARGES_OF = (
    select(t.charge).where(t.charge.c.booking_id == bindparam("key")).order_by(t.charge.c.position)
)
_DETAINER = select(t.detainer).where(t.detainer.c.id == bindparam("key"))
_HOLD_OF = select(t.hold).where(t.hold.c.detainer_id == bindparam("key"))
_DECISION = select(t.decision).where(t.decision.c.id == bindparam("key"))
_UPDATE_HOLD = update(t.hold).where(t.hold.c.detainer_id == bindparam("hold_of"))


class SqlJurisdictions:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, jurisdiction: Jurisdiction) -> None:
        self._conn.execute(insert(t.jurisdiction), rows.jurisdiction_row(jurisdiction))

    def get(self, code: str) -> Jurisdiction | None:
        row = self._conn.execute(_JURISDICTION, {"code": code}).first()
        return None if row is None else rows.jurisdiction_from(row._mapping)

    def list(self) -> Sequence[Jurisdiction]:
        result = self._conn.execute(select(t.jurisdiction).order_by(t.jurisdiction.c.code))
        return [rows.jurisdiction_from(row._mapping) for row in result]


class SqlAgencies:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, agency: Agency) -> None:
        self._conn.execute(insert(t.agency), rows.agency_row(agency))

    def get(self, code: str) -> Agency | None:
        row = self._conn.execute(_AGENCY, {"code": code}).first()
        return None if row is None else rows.agency_from(row._mapping)

    def list(self) -> Sequence[Agency]:
        return [
            rows.agency_from(r._mapping)
            for r in self._conn.execute(select(t.agency).order_by("code"))
        ]


class SqlFacilities:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, facility: Facility) -> None:
        self._conn.execute(insert(t.facility), rows.facility_row(facility))

    def get(self, code: str) -> Facility | None:
        row = self._conn.execute(_FACILITY, {"code": code}).first()
        return None if row is None else rows.facility_from(row._mapping)

    def list(self) -> Sequence[Facility]:
        result = self._conn.execute(select(t.facility).order_by(t.facility.c.code))
        return [rows.facility_from(r._mapping) for r in result]


class SqlPersons:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def add(self, person: Person, convictions: Sequence[Conviction]) -> None:
        self._conn.execute(insert(t.person), rows.person_row(person))
        if person.identifiers:
            self._conn.execute(
                insert(t.person_identifier),
                [
                    {"kind": kind.value, "value": value, "person_id": person.id}
                    for kind, value in person.identifiers.items()
                ],
            )
        if convictions:
            self._conn.execute(
                insert(t.conviction), [rows.conviction_row(person.id, c) for c in convictions]
            )

    def get(self, person_id: str) -> Person | None:
        row = self._conn.execute(_PERSON, {"key": person_id}).first()
        if row is None:
            return None
        ids = self._conn.execute(_IDENTIFIERS_OF, {"key": person_id})
        return rows.person_from(row._mapping, {row.kind: row.value for row in ids})

    def find_by_identifier(self, kind: IdentifierKind, value: str) -> Sequence[Person]:
        found = self._conn.execute(
            _PEOPLE_BY_IDENTIFIER, {"kind": kind.value, "value": value}
        ).scalars()
        people = [self.get(person_id) for person_id in found]
        return [p for p in people if p is not None]

    def convictions(self, person_id: str) -> Sequence[Conviction]:
        result = self._conn.execute(
            select(t.conviction)
            .where(t.conviction.c.person_id == person_id)
            .order_by(t.conviction.c.id)
        )
        return [rows.conviction_from(r._mapping) for r in result]


class SqlBookings:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._seen: dict[str, Booking] = {}

    def add(self, booking: Booking) -> None:
        self._conn.execute(insert(t.booking), rows.booking_row(booking))
        if booking.charges:
            self._conn.execute(
                insert(t.charge),
                [rows.charge_row(booking.id, i, c) for i, c in enumerate(booking.charges)],
            )
        self._seen[booking.id] = booking

    def get(self, booking_id: str) -> Booking | None:
        if booking_id in self._seen:
            return self._seen[booking_id]
        row = self._conn.execute(_BOOKING, {"key": booking_id}).first()
        if row is None:
            return None
        charges = self._conn.execute(_CHARGES_OF, {"key": booking_id})
        booking = rows.booking_from(row._mapping, [rows.charge_from(c._mapping) for c in charges])
        self._seen[booking_id] = booking
        return booking

    def save(self, booking: Booking) -> None:
        versioned_update(
            self._conn,
            t.booking,
            rows.booking_row(booking),
            row_id=booking.id,
            version=booking.version,
            kind="booking",
            key=booking.id,
        )
        booking.version += 1

    def _open(self, *conditions: Any) -> Booking | None:
        booking_id = self._conn.execute(
            select(t.booking.c.id).where(t.booking.c.released_at.is_(None), *conditions).limit(1)
        ).scalar()
        return None if booking_id is None else self.get(booking_id)

    def open_by_number(self, facility_code: str, booking_number: str) -> Booking | None:
        return self._open(
            t.booking.c.facility_code == facility_code, t.booking.c.booking_number == booking_number
        )

    def open_for_person(self, facility_code: str, person_id: str) -> Booking | None:
        return self._open(
            t.booking.c.facility_code == facility_code, t.booking.c.person_id == person_id
        )

    def list(self, where: BookingFilter) -> Sequence[Booking]:
        query = select(t.booking.c.id).order_by(t.booking.c.id).limit(where.limit)
        if where.facility_code is not None:
            query = query.where(t.booking.c.facility_code == where.facility_code)
        if where.in_custody is not None:
            released = t.booking.c.released_at
            query = query.where(released.is_(None) if where.in_custody else released.is_not(None))
        if where.after is not None:
            query = query.where(t.booking.c.id > where.after)
        ids = self._conn.execute(query).scalars().all()
        return [b for b in (self.get(i) for i in ids) if b is not None]


class SqlDetainers:
    def __init__(self, conn: Connection) -> None:
        self._conn = conn
        self._seen: dict[str, Detainer] = {}
        self._stored_decision: dict[str, str | None] = {}
        self._stored_hold: dict[str, bool] = {}
        self._saved_events: list[DetainerEvent] = []

    def saved_events(self) -> Sequence[DetainerEvent]:
        return list(self._saved_events)

    def add(self, detainer: Detainer) -> None:
        self._conn.execute(insert(t.detainer), rows.detainer_row(detainer))
        self._stored_decision[detainer.id] = None
        self._stored_hold[detainer.id] = False
        self._write_children(detainer)
        self._seen[detainer.id] = detainer

    def get(self, detainer_id: str) -> Detainer | None:
        if detainer_id in self._seen:
            return self._seen[detainer_id]
        found = self._load(_DETAINER, {"key": detainer_id})
        return found[0] if found else None

    def save(self, detainer: Detainer) -> None:
        versioned_update(
            self._conn,
            t.detainer,
            rows.detainer_row(detainer),
            row_id=detainer.id,
            version=detainer.version,
            kind="detainer",
            key=detainer.id,
        )
        detainer.version += 1
        self._write_children(detainer)

    def list(self, where: DetainerFilter) -> Sequence[Detainer]:
        query = select(t.detainer).order_by(t.detainer.c.id).limit(where.limit)
        if where.state is not None:
            query = query.where(t.detainer.c.state == where.state.value)
        if where.facility_code is not None:
            query = query.where(t.detainer.c.facility_code == where.facility_code)
        if where.agency_code is not None:
            query = query.where(t.detainer.c.agency_code == where.agency_code)
        if where.after is not None:
            query = query.where(t.detainer.c.id > where.after)
        return self._load(query)

    def events(self, detainer_id: str) -> Sequence[DetainerEvent]:
        result = self._conn.execute(
            select(t.detainer_event)
            .where(t.detainer_event.c.detainer_id == detainer_id)
            .order_by(t.detainer_event.c.sequence)
        )
        return [rows.event_from(r._mapping) for r in result]

    def live_for_booking(self, booking_id: str) -> Sequence[Detainer]:
        terminal = [s.value for s in DetainerState if s.is_terminal]
        found = self._load(
            select(t.detainer)
            .where(t.detainer.c.booking_id == booking_id, t.detainer.c.state.not_in(terminal))
            .order_by(t.detainer.c.lodged_at, t.detainer.c.id)
        )
        return [d for d in found if d.is_live]

    def unmatched_at(self, facility_code: str) -> Sequence[Detainer]:
        return self._load(
            select(t.detainer)
            .where(
                t.detainer.c.facility_code == facility_code,
                t.detainer.c.state == DetainerState.UNMATCHED.value,
            )
            .order_by(t.detainer.c.lodged_at, t.detainer.c.id)
        )

    def overdue_holds(self, now: datetime) -> Sequence[Detainer]:
        ids = self._conn.execute(
            select(t.hold.c.detainer_id)
            .where(
                t.hold.c.ended_at.is_(None),
                t.hold.c.overrun_recorded_at.is_(None),
                t.hold.c.deadline_at < now,
            )
            .order_by(t.hold.c.deadline_at)
        ).scalars()
        found = [self.get(detainer_id) for detainer_id in ids]
        return [d for d in found if d is not None]

    def count_by_state(self) -> dict[DetainerState, int]:
        result = self._conn.execute(
            select(t.detainer.c.state, func.count()).group_by(t.detainer.c.state)
        )
        return {DetainerState(state): count for state, count in result}

    # -- internals -----------------------------------------------------------

    def _load(self, query: Any, params: dict[str, Any] | None = None) -> builtins.list[Detainer]:
        loaded: builtins.list[Detainer] = []
        for row in self._conn.execute(query, params):
            m = row._mapping
            if m["id"] in self._seen:
                loaded.append(self._seen[m["id"]])
                continue
            decision = self._decision(m["decision_id"])
            hold_row = self._conn.execute(_HOLD_OF, {"key": m["id"]}).first()
            hold = None if hold_row is None else rows.hold_from(hold_row._mapping)
            detainer = rows.detainer_from(m, decision, hold)
            self._seen[detainer.id] = detainer
            self._stored_decision[detainer.id] = m["decision_id"]
            self._stored_hold[detainer.id] = hold is not None
            loaded.append(detainer)
        return loaded

    def _decision(self, decision_id: str | None) -> Decision | None:
        if decision_id is None:
            return None
        row = self._conn.execute(_DECISION, {"key": decision_id}).first()
        return None if row is None else rows.decision_from(row._mapping)

    def _write_children(self, detainer: Detainer) -> None:
        if (
            detainer.decision is not None
            and self._stored_decision.get(detainer.id) != detainer.decision.id
        ):
            self._conn.execute(
                insert(t.decision), rows.decision_row(detainer.id, detainer.decision)
            )
            self._stored_decision[detainer.id] = detainer.decision.id
        if detainer.hold is not None:
            values = rows.hold_row(detainer.id, detainer.hold)
            if self._stored_hold.get(detainer.id):
                self._conn.execute(_UPDATE_HOLD, {**values, "hold_of": detainer.id})
            else:
                self._conn.execute(insert(t.hold), values)
                self._stored_hold[detainer.id] = True
        if detainer.new_events:
            self._saved_events.extend(detainer.new_events)
            events = [rows.event_row(e) for e in detainer.new_events]
            # One event (most commands) as one row: a list takes the many-rows path.
            self._conn.execute(insert(t.detainer_event), events[0] if len(events) == 1 else events)
            detainer.new_events.clear()


def is_write_conflict(error: OperationalError) -> bool:
    """The database refused a write because another transaction got in the way.

    SQLite: a writer committed after this transaction's snapshot (or holds the
    lock past the busy timeout). PostgreSQL: SQLSTATE class 40 (a deadlock or a
    serialization failure).
    """
    sqlstate = getattr(error.orig, "sqlstate", None) or ""
    return sqlstate.startswith("40") or "database is locked" in str(error.orig).lower()


def versioned_update(
    conn: Connection,
    table: Table,
    values: dict[str, Any],
    *,
    row_id: str,
    version: int,
    kind: str,
    key: str,
) -> None:
    """Write `values` to row `row_id` of `table` if it is still at `version`, moving it to the next.

    Anything but one changed row is a conflict, reported as `kind` `key`.
    """
    params = {**values, "version": version + 1, "row_id": row_id, "read_version": version}
    try:
        result = conn.execute(_versioned(table), params)
    except OperationalError as e:
        if is_write_conflict(e):
            raise ConcurrencyConflict(
                kind, key, version, detail="could not be saved: another write got in the way"
            ) from e
        raise
    if result.rowcount != 1:
        raise ConcurrencyConflict(kind, key, version)


@functools.cache
def _versioned(table: Table) -> Update:
    """The guarded UPDATE of `table`, built once: the row by id, only at the version read."""
    return update(table).where(
        table.c.id == bindparam("row_id"), table.c.version == bindparam("read_version")
    )
