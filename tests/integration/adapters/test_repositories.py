"""Repositories on both databases: what is saved comes back whole, and the rules the schema keeps."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from sqlalchemy import Engine, text
from sqlalchemy.exc import DBAPIError, IntegrityError

from detainers.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from detainers.domain.booking import Conviction
from detainers.domain.decision import decide
from detainers.domain.organization import Agency
from detainers.domain.vocabulary import (
    ChargeClass,
    IdentifierKind,
    ReleaseReason,
    ReviewChoice,
)
from detainers.services.errors import ConcurrencyConflict
from detainers.services.ports import DetainerFilter
from tests import builders
from tests.builders import reference


def test_everything_saved_comes_back_whole(engine: Engine) -> None:
    uow_factory = SqlUnitOfWorkFactory(engine)
    person, booking, detainer = builders.person(), builders.booking(), builders.detainer()
    with uow_factory() as uow:
        reference(uow)
        uow.persons.add(
            person,
            [
                Conviction(
                    statute="CGS 53a-101",
                    description="Burglary",
                    charge_class=ChargeClass.FELONY_B,
                    convicted_date=date(2015, 5, 1),
                    jurisdiction="US-CT",
                    tags=frozenset({"violent_felony"}),
                )
            ],
        )
        uow.bookings.add(booking)
        detainer.match(
            booking_id="b-1", identifier_kind="fbi_number", at=detainer.lodged_at, actor="x"
        )
        uow.detainers.add(detainer)
        uow.commit()
    decided_at = detainer.lodged_at + timedelta(days=1)
    with uow_factory() as uow:
        stored = uow.detainers.get("d-1")
        assert stored is not None
        decision = decide(
            decision_id="dec-1",
            evaluation=builders.evaluation(),
            requests=stored.requests,
            choice=ReviewChoice.HONOR,
            decided_by="staff-1",
            decided_at=decided_at,
        )
        stored.review(decision=decision, actor="staff-1")
        stored.start_hold(
            at=decided_at + timedelta(days=10),
            legal_until=decided_at + timedelta(days=12),
            facility_limit_hours=36,
            actor="staff-1",
        )
        uow.detainers.save(stored)
        uow.commit()

    with uow_factory() as uow:
        assert uow.persons.get("p-1") == person
        assert uow.persons.find_by_identifier(IdentifierKind.A_NUMBER, "A012345678") == [person]
        assert uow.persons.convictions("p-1")[0].convicted_date == date(2015, 5, 1)
        assert uow.bookings.get("b-1") == booking
        assert uow.bookings.open_by_number("CT-HCC", "2023-000123") == booking
        again = uow.detainers.get("d-1")
        assert again is not None
        assert again.state.value == "on_hold"
        assert again.decision == decision
        assert again.hold is not None
        assert again.hold.deadline_at == decided_at + timedelta(days=10, hours=36)
        assert again.hold.deadline_at.tzinfo is not None
        assert [type(e).__name__ for e in uow.detainers.events("d-1")] == [
            "DetainerLodged",
            "DetainerMatched",
            "DetainerReviewed",
            "HoldStarted",
        ]
        assert [d.id for d in uow.detainers.live_for_booking("b-1")] == ["d-1"]
        assert (
            uow.detainers.overdue_holds(again.hold.deadline_at + timedelta(seconds=1))[0].id
            == "d-1"
        )
        assert uow.detainers.overdue_holds(again.hold.deadline_at) == []
        assert uow.detainers.list(DetainerFilter(facility_code="CT-HCC"))[0].id == "d-1"
        assert uow.detainers.list(DetainerFilter(after="d-1")) == []
        assert {s.value: n for s, n in uow.detainers.count_by_state().items()} == {"on_hold": 1}


def test_a_unit_of_work_left_without_commit_writes_nothing(engine: Engine) -> None:
    uow_factory = SqlUnitOfWorkFactory(engine)

    def half_done_command() -> None:
        with uow_factory() as uow:
            reference(uow)
            raise RuntimeError("the command failed half way")

    with pytest.raises(RuntimeError, match="half way"):
        half_done_command()
    with uow_factory() as uow:
        assert uow.jurisdictions.list() == []


def test_the_event_log_refuses_updates_and_deletes(engine: Engine) -> None:
    with SqlUnitOfWorkFactory(engine)() as uow:
        reference(uow)
        uow.detainers.add(builders.detainer())
        uow.commit()
    for statement in (
        "UPDATE detainer_event SET reason = 'rewritten'",
        "DELETE FROM detainer_event",
    ):
        with pytest.raises(DBAPIError, match="append-only"), engine.begin() as conn:
            conn.execute(text(statement))


def test_two_open_bookings_cannot_share_a_number_at_one_facility(engine: Engine) -> None:
    with SqlUnitOfWorkFactory(engine)() as uow:
        reference(uow)
        uow.persons.add(builders.person(), [])
        uow.bookings.add(builders.booking())
        uow.commit()
    second = builders.booking()
    second.id = "b-2"
    with (
        pytest.raises(
            ConcurrencyConflict,
            match=r"uq_booking_open_(number|person)|booking\.facility_code, booking\.(booking_number|person_id)",
        ),
        SqlUnitOfWorkFactory(engine)() as uow,
    ):
        uow.bookings.add(second)


def test_a_closed_booking_number_may_be_used_again(engine: Engine) -> None:
    with SqlUnitOfWorkFactory(engine)() as uow:
        reference(uow)
        uow.persons.add(builders.person(), [])
        first = builders.booking()
        first.release(first.booked_at + timedelta(days=3), ReleaseReason.BOND_POSTED)
        uow.bookings.add(first)
        uow.commit()
    second = builders.booking()
    second.id = "b-2"
    second.booked_at = builders.T0 + timedelta(days=30)
    with SqlUnitOfWorkFactory(engine)() as uow:
        uow.bookings.add(second)
        uow.commit()
    with SqlUnitOfWorkFactory(engine)() as uow:
        assert uow.bookings.open_by_number("CT-HCC", "2023-000123") == second


def test_one_identifier_names_one_person(engine: Engine) -> None:
    with SqlUnitOfWorkFactory(engine)() as uow:
        reference(uow)
        uow.persons.add(builders.person(), [])
        uow.commit()
    twin = builders.person()
    twin = type(twin)(id="p-2", name=twin.name, identifiers=dict(twin.identifiers))
    with (
        pytest.raises(
            ConcurrencyConflict,
            match=r"uq_person_identifier_kind_value|person_identifier\.kind, person_identifier\.value",
        ),
        SqlUnitOfWorkFactory(engine)() as uow,
    ):
        uow.persons.add(twin, [])


def test_foreign_keys_are_enforced(engine: Engine) -> None:
    with pytest.raises(IntegrityError), SqlUnitOfWorkFactory(engine)() as uow:
        uow.agencies.add(Agency(code="ERO-XXX", name="Nowhere", jurisdiction="US-ZZ"))
