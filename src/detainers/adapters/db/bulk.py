"""A fast batched writer of domain objects: one executemany per table, in foreign-key order.

For loading many records at once (the synthetic world, imports), where the
repositories' one-statement-per-object writes would be too slow. It reuses
the row converters in `rows.py`, writes into the caller's connection (the
caller owns the transaction), and keeps no state between calls.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence
from typing import Any

from sqlalchemy import Connection, Table, insert, select

from detainers.adapters.db import rows
from detainers.adapters.db import tables as t
from detainers.domain.booking import Booking, Conviction
from detainers.domain.decision import Decision
from detainers.domain.detainer import Detainer
from detainers.domain.jurisdiction import Jurisdiction
from detainers.domain.organization import Agency, Facility
from detainers.domain.person import Person


class BulkWriter:
    """Writes batches of domain objects through one connection."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def reference(
        self,
        jurisdictions: Sequence[Jurisdiction],
        agencies: Sequence[Agency],
        facilities: Sequence[Facility],
    ) -> None:
        """Jurisdictions (parents first), agencies and facilities; codes already stored are kept."""
        self._missing(t.jurisdiction, [rows.jurisdiction_row(j) for j in jurisdictions])
        self._missing(t.agency, [rows.agency_row(a) for a in agencies])
        self._missing(t.facility, [rows.facility_row(f) for f in facilities])

    def persons(self, persons: Sequence[tuple[Person, Sequence[Conviction]]]) -> None:
        """New persons with their identifiers and prior convictions."""
        self._insert(t.person, [rows.person_row(p) for p, _ in persons])
        self._insert(
            t.person_identifier,
            [
                {"kind": kind.value, "value": value, "person_id": p.id}
                for p, _ in persons
                for kind, value in p.identifiers.items()
            ],
        )
        self._insert(
            t.conviction, [rows.conviction_row(p.id, c) for p, found in persons for c in found]
        )

    def bookings(self, bookings: Sequence[Booking]) -> None:
        """New bookings with their charges, in order."""
        self._insert(t.booking, [rows.booking_row(b) for b in bookings])
        self._insert(
            t.charge,
            [rows.charge_row(b.id, i, c) for b in bookings for i, c in enumerate(b.charges)],
        )

    def detainers(
        self, detainers: Sequence[Detainer], decisions: Sequence[tuple[str, Decision]] = ()
    ) -> None:
        """New detainers with their holds and pending events, and every decision made on them.

        `decisions` lists (detainer id, decision) for all decisions recorded,
        superseded ones included; a detainer's current decision is written even
        if it is not listed. Like a repository's save, the events written are
        cleared from `new_events`.
        """
        self._insert(t.detainer, [rows.detainer_row(d) for d in detainers])
        listed = {decision.id for _, decision in decisions}
        current = [
            (d.id, d.decision)
            for d in detainers
            if d.decision is not None and d.decision.id not in listed
        ]
        self._insert(
            t.decision, [rows.decision_row(owner, dec) for owner, dec in (*decisions, *current)]
        )
        self._insert(t.hold, [rows.hold_row(d.id, d.hold) for d in detainers if d.hold is not None])
        self._insert(t.detainer_event, [rows.event_row(e) for d in detainers for e in d.new_events])
        for d in detainers:
            d.new_events.clear()

    def _insert(self, table: Table, values: list[dict[str, Any]]) -> None:
        if values:
            self._conn.execute(insert(table), values)

    def _missing(self, table: Table, values: Iterable[dict[str, Any]]) -> None:
        key = next(iter(table.primary_key.columns))
        stored = set(self._conn.execute(select(key)).scalars())
        self._insert(table, [v for v in values if v[key.name] not in stored])
