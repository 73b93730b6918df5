"""Public statistics over the relational store: one grouped count query, the same on every database.

The counts are a single `GROUP BY` over `detainer` joined to its facility, its
current decision and its hold, with the period and every compared value bound
as parameters. The month key is the only expression that differs by database
(see `_LodgedMonth`). Medians are not portable SQL (PostgreSQL has
`percentile_cont`, SQLite nothing), so the day differences behind the median
are read in a second, narrow query and the median is taken in Python.
"""

from __future__ import annotations

import statistics
from collections.abc import Sequence
from datetime import UTC, date, datetime, time
from typing import Any

from sqlalchemy import ColumnElement, Connection, String, case, func, select
from sqlalchemy.exc import CompileError
from sqlalchemy.ext.compiler import compiles
from sqlalchemy.sql.compiler import SQLCompiler
from sqlalchemy.sql.functions import FunctionElement

from detainers.adapters.db import tables as t
from detainers.domain.lifecycle import DetainerState
from detainers.domain.vocabulary import ReviewChoice
from detainers.services.ports import StatsGrouping, StatsRow

_RELEASED = (DetainerState.RELEASED, DetainerState.RELEASED_AT_DEADLINE)


class _LodgedMonth(FunctionElement[str]):
    """`YYYY-MM` of a UTC timestamp column, rendered with only literals (no bound parameters).

    PostgreSQL matches a `GROUP BY` expression to the selected one textually;
    bound parameters would make the two differ, so the constants are inlined.
    """

    type = String()
    name = "lodged_month"
    inherit_cache = True


@compiles(_LodgedMonth)
def _month_unsupported(element: _LodgedMonth, compiler: SQLCompiler, **kw: Any) -> str:
    raise CompileError(f"no month expression for database [{compiler.dialect.name}]")


@compiles(_LodgedMonth, "sqlite")
def _month_sqlite(element: _LodgedMonth, compiler: SQLCompiler, **kw: Any) -> str:
    # SQLite keeps UTC timestamps as ISO text `YYYY-MM-DD HH:MM:SS...` (see `UTCDateTime`).
    return f"substr({compiler.process(element.clauses, **kw)}, 1, 7)"


@compiles(_LodgedMonth, "postgresql")
def _month_postgresql(element: _LodgedMonth, compiler: SQLCompiler, **kw: Any) -> str:
    column = compiler.process(element.clauses, **kw)
    return f"to_char(timezone('UTC', {column}), 'YYYY-MM')"


def _key(by: StatsGrouping) -> ColumnElement[str]:
    if by is StatsGrouping.JURISDICTION:
        return t.facility.c.jurisdiction_code
    if by is StatsGrouping.FACILITY:
        return t.detainer.c.facility_code
    return _LodgedMonth(t.detainer.c.lodged_at)


def _midnight(day: date) -> datetime:
    return datetime.combine(day, time(0), tzinfo=UTC)


def _in_period(start: date | None, end: date | None) -> list[ColumnElement[bool]]:
    lodged_at = t.detainer.c.lodged_at
    conditions: list[ColumnElement[bool]] = []
    if start is not None:
        conditions.append(lodged_at >= _midnight(start))
    if end is not None:
        conditions.append(lodged_at < _midnight(end))
    return conditions


def _count_where(condition: ColumnElement[bool]) -> ColumnElement[int]:
    # COUNT skips NULLs: a CASE without ELSE counts exactly the rows meeting `condition`.
    return func.count(case((condition, t.detainer.c.id)))


class SqlStats:
    """`StatsReader` over one connection (read-only)."""

    def __init__(self, conn: Connection) -> None:
        self._conn = conn

    def counts(self, by: str, start: date | None, end: date | None) -> Sequence[StatsRow]:
        grouping = StatsGrouping(by)
        d, dec = t.detainer, t.decision
        key = _key(grouping).label("key")
        joined = (
            d.join(t.facility, t.facility.c.code == d.c.facility_code)
            .outerjoin(dec, dec.c.id == d.c.decision_id)
            .outerjoin(t.hold, t.hold.c.detainer_id == d.c.id)
        )
        counts = (
            select(
                key,
                func.count(d.c.id).label("lodged"),
                _count_where(dec.c.choice == ReviewChoice.DECLINE.value).label("declined"),
                _count_where(dec.c.choice == ReviewChoice.HONOR.value).label("honored"),
                _count_where(dec.c.choice == ReviewChoice.NOTIFY_ONLY.value).label("notify_only"),
                _count_where(t.hold.c.started_at.is_not(None)).label("held"),
                _count_where(d.c.state == DetainerState.TRANSFERRED.value).label("transferred"),
                _count_where(d.c.state.in_([s.value for s in _RELEASED])).label("released"),
                _count_where(d.c.state == DetainerState.CANCELLED.value).label("cancelled"),
                _count_where(d.c.agency_arrest_date.is_not(None)).label("arrested"),
            )
            .select_from(joined)
            .where(*_in_period(start, end))
            .group_by(key)
        )
        medians = self._medians(grouping, start, end)
        rows = [
            StatsRow(
                key=str(m["key"]),
                lodged=m["lodged"],
                declined=m["declined"],
                honored=m["honored"],
                notify_only=m["notify_only"],
                held=m["held"],
                transferred=m["transferred"],
                released=m["released"],
                cancelled=m["cancelled"],
                agency_arrest_after_release=m["arrested"],
                median_days_release_to_arrest=medians.get(str(m["key"])),
            )
            for m in (row._mapping for row in self._conn.execute(counts))
        ]
        # Sorted here, not by ORDER BY: database collations order text differently.
        return sorted(rows, key=lambda row: row.key)

    def _medians(
        self, grouping: StatsGrouping, start: date | None, end: date | None
    ) -> dict[str, float]:
        """Per group, the median of whole days from release (UTC date) to the agency's arrest."""
        d = t.detainer
        query = (
            select(_key(grouping).label("key"), d.c.closed_at, d.c.agency_arrest_date)
            .select_from(d.join(t.facility, t.facility.c.code == d.c.facility_code))
            .where(d.c.agency_arrest_date.is_not(None), d.c.closed_at.is_not(None))
            .where(*_in_period(start, end))
        )
        days: dict[str, list[int]] = {}
        for key, closed_at, arrest_date in self._conn.execute(query):
            released_on = closed_at.astimezone(UTC).date()
            days.setdefault(str(key), []).append((arrest_date - released_on).days)
        return {key: float(statistics.median(values)) for key, values in days.items()}
