"""Public statistics over HTTP: `GET /api/v1/stats/detainers`, open to anonymous callers.

The route parses the query, calls `services.stats.detainer_statistics` and
renders its result; suppression and definitions are the service's. The body
holds codes and counts only, never a person-level field.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Annotated

from fastapi import APIRouter, Depends, Query
from pydantic import BaseModel, Field

from detainers.entrypoints.api.deps import permission
from detainers.services.authz import Permission
from detainers.services.context import Context
from detainers.services.ports import StatsGrouping
from detainers.services.stats import (
    MINIMUM_CELL_SIZE,
    Cell,
    PublishedRow,
    Statistics,
    StatsQuery,
    detainer_statistics,
)

router = APIRouter(prefix="/api/v1/stats", tags=["statistics"])


class CountCell(BaseModel):
    value: int | None = Field(description="The count; null when suppressed")
    suppressed: bool = Field(description=f"True when the count is 1 to {MINIMUM_CELL_SIZE - 1}")

    @classmethod
    def of(cls, cell: Cell[int]) -> CountCell:
        return cls(value=cell.value, suppressed=cell.suppressed)


class MedianCell(BaseModel):
    value: float | None = Field(description="The median in days; null when suppressed or undefined")
    suppressed: bool = Field(
        description=f"True when the median is of 1 to {MINIMUM_CELL_SIZE - 1} detainers"
    )

    @classmethod
    def of(cls, cell: Cell[float]) -> MedianCell:
        return cls(value=cell.value, suppressed=cell.suppressed)


class StatsRowOut(BaseModel):
    """One group's numbers; `definitions` in the response says what each counts."""

    key: str = Field(description="A jurisdiction code, a facility code, or a month YYYY-MM")
    lodged: CountCell
    declined: CountCell
    honored: CountCell
    notify_only: CountCell
    held: CountCell
    transferred: CountCell
    released: CountCell
    cancelled: CountCell
    agency_arrest_after_release: CountCell
    median_days_release_to_arrest: MedianCell

    @classmethod
    def of(cls, row: PublishedRow) -> StatsRowOut:
        return cls(
            key=row.key,
            lodged=CountCell.of(row.lodged),
            declined=CountCell.of(row.declined),
            honored=CountCell.of(row.honored),
            notify_only=CountCell.of(row.notify_only),
            held=CountCell.of(row.held),
            transferred=CountCell.of(row.transferred),
            released=CountCell.of(row.released),
            cancelled=CountCell.of(row.cancelled),
            agency_arrest_after_release=CountCell.of(row.agency_arrest_after_release),
            median_days_release_to_arrest=MedianCell.of(row.median_days_release_to_arrest),
        )


class PeriodOut(BaseModel):
    from_inclusive: date | None = Field(
        description="First day of lodging counted (UTC); null: open"
    )
    to_inclusive: date | None = Field(description="Last day of lodging counted (UTC); null: open")


class StatisticsOut(BaseModel):
    """Aggregate counts of detainers, small cells suppressed, with the definition of every number."""

    grouping: StatsGrouping
    period: PeriodOut
    generated_at: datetime
    minimum_cell_size: int = Field(description="Counts from 1 to this minus one are suppressed")
    rows: list[StatsRowOut]
    definitions: dict[str, str] = Field(description="Each metric's definition, one sentence each")

    @classmethod
    def of(cls, stats: Statistics) -> StatisticsOut:
        return cls(
            grouping=stats.grouping,
            period=PeriodOut(from_inclusive=stats.from_inclusive, to_inclusive=stats.to_inclusive),
            generated_at=stats.generated_at,
            minimum_cell_size=stats.minimum_cell_size,
            rows=[StatsRowOut.of(row) for row in stats.rows],
            definitions=dict(stats.definitions),
        )


@router.get(
    "/detainers",
    operation_id="getDetainerStatistics",
    summary="Detainer statistics by jurisdiction, facility or month",
    description=(
        "Counts of detainers lodged in a period, grouped by the facility's jurisdiction code, "
        "the facility code, or the month of lodging: lodged, declined, honored, notify only, "
        "held, transferred, released, cancelled, later arrested by the agency, and the median "
        f"days from release to that arrest. Counts from 1 to {MINIMUM_CELL_SIZE - 1} are "
        "suppressed (null, with `suppressed: true`); `definitions` says how to recompute each "
        "number. Open to anyone; no person-level data."
    ),
    response_model=StatisticsOut,
)
def get_detainer_statistics(
    ctx: Annotated[Context, Depends(permission(Permission.STATS_READ))],
    by: Annotated[StatsGrouping, Query(description="What to group the detainers by")],
    from_: Annotated[
        date | None, Query(alias="from", description="First day of lodging counted (UTC)")
    ] = None,
    to: Annotated[date | None, Query(description="Last day of lodging counted (UTC)")] = None,
) -> StatisticsOut:
    stats = detainer_statistics(StatsQuery(by=by, from_inclusive=from_, to_inclusive=to), ctx)
    return StatisticsOut.of(stats)
