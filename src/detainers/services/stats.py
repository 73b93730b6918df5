"""Public aggregate statistics on detainers: counts by jurisdiction, facility or month, small cells suppressed.

Anyone may read them (`Permission.STATS_READ`, granted to anonymous callers),
so nothing person-level is ever in them: groups are codes, never names, and
every count from 1 to `MINIMUM_CELL_SIZE - 1` is withheld (DP-08). Each result
carries the definitions needed to recompute every number from the store. They
are aggregates, not person data, so reading them writes no audit record.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from types import MappingProxyType
from typing import Generic, TypeVar

from detainers.domain.errors import InvalidValue
from detainers.services import authz
from detainers.services.authz import Permission
from detainers.services.context import Context
from detainers.services.ports import StatsGrouping, StatsRow

# DP-08: the proposed minimum cell size (our choice, not a quoted standard).
MINIMUM_CELL_SIZE = 10

N = TypeVar("N", int, float)


@dataclass(frozen=True, kw_only=True)
class StatsQuery:
    """Which statistics: the grouping, and the days of lodging to include (both ends inclusive)."""

    by: StatsGrouping
    from_inclusive: date | None = None
    to_inclusive: date | None = None


@dataclass(frozen=True, kw_only=True)
class Cell(Generic[N]):
    """One published number: `value` is None when `suppressed` (or, for a median, when undefined)."""

    value: N | None
    suppressed: bool


@dataclass(frozen=True, kw_only=True)
class PublishedRow:
    """One group's published numbers; see `DEFINITIONS` for each."""

    key: str
    lodged: Cell[int]
    declined: Cell[int]
    honored: Cell[int]
    notify_only: Cell[int]
    held: Cell[int]
    transferred: Cell[int]
    released: Cell[int]
    cancelled: Cell[int]
    agency_arrest_after_release: Cell[int]
    median_days_release_to_arrest: Cell[float]


@dataclass(frozen=True, kw_only=True)
class Statistics:
    """Published statistics: the rows, what was asked, when, and how every number is defined."""

    grouping: StatsGrouping
    from_inclusive: date | None
    to_inclusive: date | None
    generated_at: datetime
    minimum_cell_size: int
    rows: Sequence[PublishedRow]
    definitions: Mapping[str, str]


_KEYS = {
    StatsGrouping.JURISDICTION: (
        "key: the code of the jurisdiction under which the facility where the detainer was "
        "lodged is registered (facility.jurisdiction_code, its most local one); codes, never names."
    ),
    StatsGrouping.FACILITY: (
        "key: the code of the facility where the detainer was lodged (detainer.facility_code); "
        "codes, never names."
    ),
    StatsGrouping.MONTH: "key: the UTC calendar month (YYYY-MM) of the detainer's lodged_at.",
}

DEFINITIONS: Mapping[str, str] = MappingProxyType(
    {
        "period": (
            "period: a detainer is counted when the UTC calendar date of its lodged_at lies "
            "between from_inclusive and to_inclusive, both inclusive (an absent bound is open)."
        ),
        "as_of": (
            "as_of: states, decisions, holds and arrests are counted as recorded at generated_at, "
            "so a later run over the same period may differ as cases progress."
        ),
        "lodged": (
            "lodged: detainers whose lodged_at falls in the period, counted at the facility where "
            "lodged; every other count is a subset of these."
        ),
        "declined": (
            "declined: lodged detainers whose current (latest) recorded review decision has "
            "choice decline (neither notify nor hold)."
        ),
        "honored": (
            "honored: lodged detainers whose current (latest) recorded review decision has "
            "choice honor (notify and hold as requested and allowed)."
        ),
        "notify_only": (
            "notify_only: lodged detainers whose current (latest) recorded review decision has "
            "choice notify_only (notify of release, no hold)."
        ),
        "held": (
            "held: lodged detainers on which a hold was started past the otherwise-releasable "
            "time (a hold record exists, open or ended)."
        ),
        "transferred": (
            "transferred: lodged detainers whose state is transferred (custody handed to the "
            "agency)."
        ),
        "released": (
            "released: lodged detainers whose state is released or released_at_deadline (the "
            "person left custody without being handed to the agency)."
        ),
        "cancelled": (
            "cancelled: lodged detainers whose state is cancelled (withdrawn by the agency)."
        ),
        "agency_arrest_after_release": (
            "agency_arrest_after_release: lodged detainers with an agency_arrest_date recorded "
            "(the agency arrested the person after the facility released them)."
        ),
        "median_days_release_to_arrest": (
            "median_days_release_to_arrest: the median, over the detainers counted in "
            "agency_arrest_after_release, of whole days from the UTC date of closed_at (the "
            "release) to agency_arrest_date; null when there are none."
        ),
        "suppression": (
            f"suppression: counts under {MINIMUM_CELL_SIZE} are suppressed: a count from 1 to "
            f"{MINIMUM_CELL_SIZE - 1} is published as null with suppressed true (0 and counts of "
            f"{MINIMUM_CELL_SIZE} or more are shown), and so is a median of 1 to "
            f"{MINIMUM_CELL_SIZE - 1} detainers; this is the proposed minimum cell size of DP-08 "
            "(our choice, not a quoted standard); only primary suppression is applied, with no "
            "secondary (complementary) suppression, so a withheld cell can sometimes be derived "
            "from other cells or from another grouping."
        ),
    }
)


def detainer_statistics(query: StatsQuery, ctx: Context) -> Statistics:
    """Counts of detainers lodged in the period, by `query.by`, with small cells suppressed."""
    authz.require(ctx.caller, Permission.STATS_READ)
    start, last = query.from_inclusive, query.to_inclusive
    if start is not None and last is not None and start > last:
        raise InvalidValue(
            field="from", value=start.isoformat(), problem=f"is after to [{last.isoformat()}]"
        )
    end = None if last is None or last == date.max else last + timedelta(days=1)
    with ctx.uow() as uow:
        exact = uow.stats.counts(query.by.value, start, end)
    return Statistics(
        grouping=query.by,
        from_inclusive=start,
        to_inclusive=last,
        generated_at=ctx.clock.now(),
        minimum_cell_size=MINIMUM_CELL_SIZE,
        rows=[_publish(row) for row in exact],
        definitions=MappingProxyType({"key": _KEYS[query.by], **DEFINITIONS}),
    )


def suppress(count: int) -> Cell[int]:
    """`count` as published: withheld when 1 to `MINIMUM_CELL_SIZE - 1`, shown otherwise."""
    if 0 < count < MINIMUM_CELL_SIZE:
        return Cell(value=None, suppressed=True)
    return Cell(value=count, suppressed=False)


def _median(value: float | None, among: int) -> Cell[float]:
    # A median of a few people's intervals tells about those people: it follows its base count.
    if 0 < among < MINIMUM_CELL_SIZE:
        return Cell(value=None, suppressed=True)
    return Cell(value=value, suppressed=False)


def _publish(row: StatsRow) -> PublishedRow:
    return PublishedRow(
        key=row.key,
        lodged=suppress(row.lodged),
        declined=suppress(row.declined),
        honored=suppress(row.honored),
        notify_only=suppress(row.notify_only),
        held=suppress(row.held),
        transferred=suppress(row.transferred),
        released=suppress(row.released),
        cancelled=suppress(row.cancelled),
        agency_arrest_after_release=suppress(row.agency_arrest_after_release),
        median_days_release_to_arrest=_median(
            row.median_days_release_to_arrest, row.agency_arrest_after_release
        ),
    )
