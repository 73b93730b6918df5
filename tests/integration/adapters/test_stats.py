"""`SqlStats` on SQLite and PostgreSQL against a small world counted by hand, and against the fake.

The world is built through the use cases (with a fake legal engine that
permits everything), so the rows read are the rows the services write.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest
from sqlalchemy import Engine, text

from detainers.adapters.db.stats import SqlStats
from detainers.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from detainers.domain import commands as c
from detainers.domain.detainer import LodgedSubject
from detainers.domain.person import PersonName
from detainers.domain.vocabulary import (
    DetainerForm,
    FacilityType,
    IdentifierKind,
    JurisdictionKind,
    ProbableCause,
    ReleaseReason,
    RequestedAction,
    ReviewChoice,
    Warrant,
)
from detainers.services import bookings, detainers, registry
from detainers.services.context import Context
from detainers.services.ports import StatsGrouping, StatsRow
from tests.fakes import FakeLegalEngine, FixedClock, SequentialIds, fake_context

NOW = datetime(2025, 6, 1, 12, 0, tzinfo=UTC)
AGENCY = "ERO-BOS"
CT_HCC, CT_BCC, CA_MCJ = "CT-HCC", "CT-BCC", "CA-MCJ"
STAFF, OFFICER = "staff-1", "officer-1"


def at(day: str, hour: int = 12, minute: int = 0) -> datetime:
    return datetime.fromisoformat(day).replace(hour=hour, minute=minute, tzinfo=UTC)


class Builder:
    """Acts on one context, each at a stated time."""

    def __init__(self, ctx: Context) -> None:
        self.ctx = ctx
        self.people = 0

    def reference(self) -> None:
        for code, name, kind in (
            ("US", "United States", JurisdictionKind.FEDERAL),
            ("US-CT", "Connecticut", JurisdictionKind.STATE),
            ("US-CA", "California", JurisdictionKind.STATE),
        ):
            registry.register_jurisdiction(
                c.RegisterJurisdiction(code=code, name=name, kind=kind), self.ctx
            )
        registry.register_agency(
            c.RegisterAgency(code=AGENCY, name="A field office", jurisdiction="US"), self.ctx
        )
        for code, jurisdiction in ((CT_HCC, "US-CT"), (CT_BCC, "US-CT"), (CA_MCJ, "US-CA")):
            registry.register_facility(
                c.RegisterFacility(
                    code=code,
                    name=f"Facility {code}",
                    type=FacilityType.COUNTY_JAIL,
                    jurisdiction=jurisdiction,
                ),
                self.ctx,
            )

    def case(self, facility: str, lodged_at: datetime) -> tuple[str, str]:
        """A person booked a week before `lodged_at`, and a detainer lodged then (matched)."""
        self.people += 1
        state_id = f"SID-{self.people:04d}"
        booking = bookings.record_booking(
            c.RecordBooking(
                facility_code=facility,
                booking_number=f"B-{self.people:04d}",
                person=c.PersonDetails(
                    name=PersonName(given=("Ana",), family=("Doe",)),
                    identifiers={IdentifierKind.STATE_ID: state_id},
                ),
                booked_at=lodged_at - timedelta(days=7),
                actor=STAFF,
            ),
            self.ctx,
        )
        detainer = detainers.lodge_detainer(
            c.LodgeDetainer(
                agency_code=AGENCY,
                facility_code=facility,
                subject=LodgedSubject(
                    name=PersonName(given=("Ana",), family=("Doe",)),
                    identifiers={IdentifierKind.STATE_ID: state_id},
                ),
                form=DetainerForm.I_247A,
                probable_cause=frozenset({ProbableCause.PENDING_PROCEEDINGS}),
                warrant=Warrant.I_200,
                requests=frozenset({RequestedAction.NOTIFY, RequestedAction.HOLD}),
                actor=OFFICER,
                at=lodged_at,
            ),
            self.ctx,
        )
        return booking.id, detainer.id

    def review(self, detainer_id: str, choice: ReviewChoice, when: datetime) -> None:
        detainers.record_review(
            c.RecordReview(detainer_id=detainer_id, choice=choice, actor=STAFF, at=when), self.ctx
        )

    def releasable(self, booking_id: str, when: datetime) -> None:
        bookings.mark_releasable(
            c.MarkReleasable(
                booking_id=booking_id, reason=ReleaseReason.BOND_POSTED, actor=STAFF, at=when
            ),
            self.ctx,
        )

    def arrest(self, detainer_id: str, on: date) -> None:
        detainers.record_agency_arrest(
            c.RecordAgencyArrest(
                detainer_id=detainer_id,
                arrest_date=on,
                actor=OFFICER,
                at=datetime(on.year, on.month, on.day, 18, tzinfo=UTC),
            ),
            self.ctx,
        )


def build_world(ctx: Context) -> None:
    """Seven detainers; the comment on each says what it adds to the counts."""
    w = Builder(ctx)
    w.reference()
    # d1, CT-HCC, 2024-01: honored, held, transferred.
    b1, d1 = w.case(CT_HCC, at("2024-01-10"))
    w.review(d1, ReviewChoice.HONOR, at("2024-01-11"))
    w.releasable(b1, at("2024-01-20", 9))
    detainers.transfer_custody(
        c.TransferCustody(detainer_id=d1, actor=STAFF, at=at("2024-01-21", 8)), ctx
    )
    # d2, CT-HCC, lodged 23:30 UTC on the month's last day: declined, released 2024-02-01,
    # arrested 2024-04-04 (63 days).
    b2, d2 = w.case(CT_HCC, at("2024-01-31", 23, 30))
    w.review(d2, ReviewChoice.DECLINE, at("2024-02-01", 8))
    w.releasable(b2, at("2024-02-01", 14))
    w.arrest(d2, date(2024, 4, 4))
    # d3, CT-BCC, 2024-02: notify only, released 2024-03-01, arrested 2024-03-11 (10 days).
    b3, d3 = w.case(CT_BCC, at("2024-02-05"))
    w.review(d3, ReviewChoice.NOTIFY_ONLY, at("2024-02-06"))
    w.releasable(b3, at("2024-03-01", 10))
    w.arrest(d3, date(2024, 3, 11))
    # d4, CA-MCJ, 2024-02: cancelled before review.
    _, d4 = w.case(CA_MCJ, at("2024-02-10"))
    detainers.cancel_detainer(
        c.CancelDetainer(detainer_id=d4, reason="withdrawn", actor=OFFICER, at=at("2024-02-12")),
        ctx,
    )
    # d5, CA-MCJ, 2024-02: honored, held, released at the 48-hour deadline, arrested that day.
    b5, d5 = w.case(CA_MCJ, at("2024-02-15"))
    w.review(d5, ReviewChoice.HONOR, at("2024-02-16"))
    w.releasable(b5, at("2024-02-20", 9))
    detainers.release_at_deadline(
        c.ReleaseAtDeadline(detainer_id=d5, actor=STAFF, at=at("2024-02-22", 9)), ctx
    )
    w.arrest(d5, date(2024, 2, 22))
    # d6, CA-MCJ, 2024-03: lodged and matched, nothing more.
    w.case(CA_MCJ, at("2024-03-05"))
    # d7, CT-HCC, 2023-12: cancelled.
    _, d7 = w.case(CT_HCC, at("2023-12-31"))
    detainers.cancel_detainer(
        c.CancelDetainer(detainer_id=d7, reason="withdrawn", actor=OFFICER, at=at("2024-01-02")),
        ctx,
    )


def row(
    key: str,
    lodged: int,
    *,
    declined: int = 0,
    honored: int = 0,
    notify_only: int = 0,
    held: int = 0,
    transferred: int = 0,
    released: int = 0,
    cancelled: int = 0,
    arrested: int = 0,
    median: float | None = None,
) -> StatsRow:
    return StatsRow(
        key=key,
        lodged=lodged,
        declined=declined,
        honored=honored,
        notify_only=notify_only,
        held=held,
        transferred=transferred,
        released=released,
        cancelled=cancelled,
        agency_arrest_after_release=arrested,
        median_days_release_to_arrest=median,
    )


EXPECTED = {
    StatsGrouping.FACILITY: [
        # d4, d5, d6
        row(CA_MCJ, 3, honored=1, held=1, released=1, cancelled=1, arrested=1, median=0.0),
        # d3
        row(CT_BCC, 1, notify_only=1, released=1, arrested=1, median=10.0),
        # d1, d2, d7
        row(
            CT_HCC,
            3,
            declined=1,
            honored=1,
            held=1,
            transferred=1,
            released=1,
            cancelled=1,
            arrested=1,
            median=63.0,
        ),
    ],
    StatsGrouping.JURISDICTION: [
        row("US-CA", 3, honored=1, held=1, released=1, cancelled=1, arrested=1, median=0.0),
        row(
            "US-CT",
            4,
            declined=1,
            honored=1,
            notify_only=1,
            held=1,
            transferred=1,
            released=2,
            cancelled=1,
            arrested=2,
            median=36.5,
        ),
    ],
    StatsGrouping.MONTH: [
        row("2023-12", 1, cancelled=1),
        row(
            "2024-01",
            2,
            declined=1,
            honored=1,
            held=1,
            transferred=1,
            released=1,
            arrested=1,
            median=63.0,
        ),
        row(
            "2024-02",
            3,
            honored=1,
            notify_only=1,
            held=1,
            released=2,
            cancelled=1,
            arrested=2,
            median=5.0,
        ),
        row("2024-03", 1),
    ],
}


def _sql_context(engine: Engine) -> Context:
    return Context(
        uow=SqlUnitOfWorkFactory(engine),
        clock=FixedClock(NOW),
        ids=SequentialIds(),
        engine=FakeLegalEngine(hold_hours=48),
    )


@pytest.mark.parametrize("by", list(StatsGrouping))
def test_sql_statistics_match_the_counts_made_by_hand(engine: Engine, by: StatsGrouping) -> None:
    ctx = _sql_context(engine)
    build_world(ctx)

    with ctx.uow() as uow:
        assert list(uow.stats.counts(by, None, None)) == EXPECTED[by]


def test_the_period_is_half_open_on_utc_days_of_lodging(engine: Engine) -> None:
    ctx = _sql_context(engine)
    build_world(ctx)

    with ctx.uow() as uow:
        january = uow.stats.counts("month", date(2024, 1, 1), date(2024, 2, 1))
        from_february = uow.stats.counts("facility", date(2024, 2, 1), None)
        to_january = uow.stats.counts("jurisdiction", None, date(2024, 2, 1))
        empty = uow.stats.counts("facility", date(2024, 3, 6), date(2024, 3, 7))

    assert january == [EXPECTED[StatsGrouping.MONTH][1]]
    # d3, d4, d5, d6
    assert from_february == [
        row(CA_MCJ, 3, honored=1, held=1, released=1, cancelled=1, arrested=1, median=0.0),
        row(CT_BCC, 1, notify_only=1, released=1, arrested=1, median=10.0),
    ]
    # d1, d2, d7
    assert to_january == [
        row(
            "US-CT",
            3,
            declined=1,
            honored=1,
            held=1,
            transferred=1,
            released=1,
            cancelled=1,
            arrested=1,
            median=63.0,
        )
    ]
    assert empty == []


def test_months_are_utc_months_whatever_the_session_time_zone(engine: Engine) -> None:
    build_world(_sql_context(engine))

    with engine.connect() as conn:
        if conn.dialect.name == "postgresql":
            # 23:30 UTC on 2024-01-31 is already February in Kiritimati (UTC+14).
            conn.execute(text("SET TIME ZONE 'Pacific/Kiritimati'"))
        months = SqlStats(conn).counts("month", None, None)

    assert months == EXPECTED[StatsGrouping.MONTH]


def test_an_unknown_grouping_is_refused(engine: Engine) -> None:
    with engine.connect() as conn, pytest.raises(ValueError, match="county"):
        SqlStats(conn).counts("county", None, None)


@pytest.mark.parametrize("by", list(StatsGrouping))
def test_the_fake_and_the_database_count_the_same_world_alike(
    engine: Engine, by: StatsGrouping
) -> None:
    sql = _sql_context(engine)
    fake, _, _, _ = fake_context(FakeLegalEngine(hold_hours=48), FixedClock(NOW))
    build_world(sql)
    build_world(fake)

    for start, end in (
        (None, None),
        (date(2024, 1, 31), date(2024, 2, 16)),
        (None, date(2024, 1, 1)),
    ):
        with sql.uow() as stored, fake.uow() as in_memory:
            assert stored.stats.counts(by, start, end) == in_memory.stats.counts(by, start, end)
