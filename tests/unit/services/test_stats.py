"""Public statistics over the fakes: grouping, the period, definitions, and small-cell suppression."""

from __future__ import annotations

import dataclasses
from dataclasses import replace
from datetime import date, timedelta

import pytest

from detainers.domain import commands as c
from detainers.domain.access import ANONYMOUS, Role
from detainers.domain.errors import InvalidValue
from detainers.domain.vocabulary import FacilityType, JurisdictionKind, ReleaseReason, ReviewChoice
from detainers.services import bookings, detainers, registry
from detainers.services.ports import StatsGrouping
from detainers.services.stats import (
    MINIMUM_CELL_SIZE,
    Cell,
    PublishedRow,
    Statistics,
    StatsQuery,
    detainer_statistics,
    suppress,
)
from tests.unit.builders import AGENT, CLERK, FACILITY, OTHER_FACILITY, T0, World

CA_FACILITY = "CA-LASD-MCJ"


def _cases(
    world: World,
    n: int,
    *,
    facility: str = FACILITY,
    choice: ReviewChoice | None = None,
    arrest_after_days: int | None = None,
) -> list[str]:
    """`n` people booked at `facility`, each with a matched detainer reviewed with `choice`.

    With `arrest_after_days`, each is released now (no hold) and arrested by the
    agency that many days later.
    """
    ids = []
    for _ in range(n):
        number = f"{facility}-{len(world.uow.store.bookings) + 1:04d}"
        booking = world.book(number, facility=facility, fbi_number=f"FBI-{number}")
        detainer = world.lodge(facility=facility, fbi_number=f"FBI-{number}")
        if choice is not None:
            world.review(detainer.id, choice)
        if arrest_after_days is not None:
            bookings.release_person(
                c.ReleasePerson(
                    booking_id=booking.id, reason=ReleaseReason.BOND_POSTED, actor=CLERK
                ),
                world.ctx,
            )
            released_on = world.clock.now().date()
            world.clock.advance(days=arrest_after_days)
            detainers.record_agency_arrest(
                c.RecordAgencyArrest(
                    detainer_id=detainer.id,
                    arrest_date=released_on + timedelta(days=arrest_after_days),
                    actor=AGENT,
                ),
                world.ctx,
            )
            world.clock.advance(days=-arrest_after_days)
        ids.append(detainer.id)
    return ids


def _statistics(world: World, by: StatsGrouping, **period: date) -> Statistics:
    return detainer_statistics(StatsQuery(by=by, **period), world.ctx.acting(ANONYMOUS))


def _row(stats: Statistics, key: str) -> PublishedRow:
    return next(row for row in stats.rows if row.key == key)


def shown(value: int | float) -> Cell[int] | Cell[float]:
    return Cell(value=value, suppressed=False)


HIDDEN = Cell(value=None, suppressed=True)


@pytest.mark.parametrize(
    ("count", "published"),
    [(0, shown(0)), (1, HIDDEN), (9, HIDDEN), (10, shown(10)), (250, shown(250))],
)
def test_a_count_is_shown_at_0_and_from_10_and_withheld_from_1_to_9(
    count: int, published: Cell[int]
) -> None:
    assert suppress(count) == published


def test_DP_08_public_statistics_suppress_cells_under_10() -> None:
    world = World()
    _cases(world, 9, choice=ReviewChoice.DECLINE)
    _cases(world, 1, choice=ReviewChoice.HONOR)
    _cases(world, 1, facility=OTHER_FACILITY)

    stats = _statistics(world, StatsGrouping.FACILITY)

    assert stats.minimum_cell_size == MINIMUM_CELL_SIZE == 10
    busy = _row(stats, FACILITY)
    assert busy.lodged == shown(10)
    assert busy.declined == HIDDEN  # 9
    assert busy.honored == HIDDEN  # 1
    assert busy.transferred == shown(0)
    assert busy.median_days_release_to_arrest == Cell(value=None, suppressed=False)
    quiet = _row(stats, OTHER_FACILITY)
    assert quiet.lodged == HIDDEN  # 1
    assert quiet.declined == shown(0)
    assert "counts under 10 are suppressed" in stats.definitions["suppression"]


def test_a_median_of_fewer_than_10_arrests_is_withheld_and_of_10_is_shown() -> None:
    world = World()
    _cases(world, 9, choice=ReviewChoice.DECLINE, arrest_after_days=30)
    _cases(world, 1, facility=OTHER_FACILITY, choice=ReviewChoice.DECLINE, arrest_after_days=5)

    by_facility = _statistics(world, StatsGrouping.FACILITY)
    by_state = _statistics(world, StatsGrouping.JURISDICTION)

    assert _row(by_facility, FACILITY).median_days_release_to_arrest == HIDDEN
    assert _row(by_facility, OTHER_FACILITY).median_days_release_to_arrest == HIDDEN
    connecticut = _row(by_state, "US-CT")
    assert connecticut.agency_arrest_after_release == shown(10)
    assert connecticut.released == shown(10)
    assert connecticut.median_days_release_to_arrest == shown(30.0)


def test_statistics_by_facility_have_one_row_per_facility_code_with_a_detainer() -> None:
    world = World()
    _cases(world, 10, choice=ReviewChoice.HONOR)
    _cases(world, 12, facility=OTHER_FACILITY, choice=ReviewChoice.NOTIFY_ONLY)

    stats = _statistics(world, StatsGrouping.FACILITY)

    assert stats.grouping is StatsGrouping.FACILITY
    assert [row.key for row in stats.rows] == sorted([FACILITY, OTHER_FACILITY])
    assert _row(stats, FACILITY).honored == shown(10)
    assert _row(stats, OTHER_FACILITY).notify_only == shown(12)
    assert _row(stats, OTHER_FACILITY).honored == shown(0)


def test_statistics_by_jurisdiction_group_facilities_under_their_jurisdiction_code() -> None:
    world = World()
    registry.register_jurisdiction(
        c.RegisterJurisdiction(code="US-CA", name="California", kind=JurisdictionKind.STATE),
        world.ctx,
    )
    registry.register_facility(
        c.RegisterFacility(
            code=CA_FACILITY, name="A jail", type=FacilityType.COUNTY_JAIL, jurisdiction="US-CA"
        ),
        world.ctx,
    )
    _cases(world, 6)
    _cases(world, 5, facility=OTHER_FACILITY)
    _cases(world, 10, facility=CA_FACILITY)

    stats = _statistics(world, StatsGrouping.JURISDICTION)

    assert [(row.key, row.lodged) for row in stats.rows] == [
        ("US-CA", shown(10)),
        ("US-CT", shown(11)),
    ]
    assert stats.definitions["key"].startswith("key: the code of the jurisdiction")


def test_statistics_by_month_group_by_the_utc_month_of_lodging() -> None:
    world = World()
    _cases(world, 10)
    world.clock.advance(days=29)  # 2024-03-01 09:00 UTC
    _cases(world, 3)

    stats = _statistics(world, StatsGrouping.MONTH)

    assert [(row.key, row.lodged) for row in stats.rows] == [
        ("2024-02", shown(10)),
        ("2024-03", HIDDEN),
    ]


def test_the_period_counts_detainers_lodged_from_the_first_to_the_last_day_inclusive() -> None:
    world = World()
    _cases(world, 10)  # 2024-02-01
    world.clock.advance(days=1)
    _cases(world, 10)  # 2024-02-02
    world.clock.advance(days=1)
    _cases(world, 10)  # 2024-02-03

    def lodged(**period: date) -> list[Cell[int]]:
        return [row.lodged for row in _statistics(world, StatsGrouping.FACILITY, **period).rows]

    one_day = lodged(from_inclusive=date(2024, 2, 2), to_inclusive=date(2024, 2, 2))
    assert one_day == [shown(10)]
    assert lodged(from_inclusive=date(2024, 2, 2)) == [shown(20)]
    assert lodged(to_inclusive=date(2024, 2, 2)) == [shown(20)]
    assert lodged() == [shown(30)]
    assert lodged(from_inclusive=date(2024, 2, 4)) == []


def test_a_period_whose_start_is_after_its_end_is_refused_naming_from() -> None:
    world = World()
    with pytest.raises(InvalidValue, match=r"from: \[2024-02-02\] is after to \[2024-02-01\]"):
        _statistics(
            world,
            StatsGrouping.MONTH,
            from_inclusive=date(2024, 2, 2),
            to_inclusive=date(2024, 2, 1),
        )


def test_every_published_number_has_a_definition_and_the_limits_are_stated() -> None:
    world = World()
    _cases(world, 1)

    stats = _statistics(world, StatsGrouping.FACILITY)

    metrics = {f.name for f in dataclasses.fields(PublishedRow)}
    assert metrics <= set(stats.definitions)
    for name, sentence in stats.definitions.items():
        assert sentence.startswith(f"{name}: ")
    assert "lodged_at falls in the period" in stats.definitions["lodged"]
    assert "no secondary" in stats.definitions["suppression"]
    assert "DP-08" in stats.definitions["suppression"]


def test_statistics_carry_the_query_and_the_time_they_were_made_and_nothing_about_a_person() -> (
    None
):
    world = World()
    _cases(world, 10, choice=ReviewChoice.DECLINE)

    stats = _statistics(
        world,
        StatsGrouping.FACILITY,
        from_inclusive=date(2024, 1, 1),
        to_inclusive=date(2024, 12, 31),
    )

    assert (stats.from_inclusive, stats.to_inclusive) == (date(2024, 1, 1), date(2024, 12, 31))
    assert stats.generated_at == T0
    assert {f.name for f in dataclasses.fields(PublishedRow)} == {
        "key",
        "lodged",
        "declined",
        "honored",
        "notify_only",
        "held",
        "transferred",
        "released",
        "cancelled",
        "agency_arrest_after_release",
        "median_days_release_to_arrest",
    }


def test_reading_statistics_writes_no_audit_record() -> None:
    world = World()
    _cases(world, 2)
    before = len(world.uow.store.audit)

    _statistics(world, StatsGrouping.MONTH)

    assert len(world.uow.store.audit) == before


@pytest.mark.parametrize("role", list(Role))
def test_every_role_reads_the_same_public_statistics_whatever_its_tenant(role: Role) -> None:
    world = World()
    _cases(world, 10)
    _cases(world, 10, facility=OTHER_FACILITY)
    caller = replace(ANONYMOUS, role=role, facility_code=OTHER_FACILITY, agency_code="ERO-NYC")

    stats = detainer_statistics(StatsQuery(by=StatsGrouping.FACILITY), world.ctx.acting(caller))

    assert [(row.key, row.lodged) for row in stats.rows] == [
        (FACILITY, shown(10)),
        (OTHER_FACILITY, shown(10)),
    ]
