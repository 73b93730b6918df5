"""Notices to the person on both databases: stored with the detainer (the PDF too), listed without
their PDFs, served once, made once per event; and, end to end, what Connecticut law requires."""

from __future__ import annotations

import io
from datetime import UTC, datetime, timedelta

from pypdf import PdfReader
from sqlalchemy import Engine

from detainers.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from detainers.adapters.notices.pdf import pdf_renderer
from detainers.adapters.system import new_id
from detainers.domain import commands as c
from detainers.domain.access import Caller, PrincipalKind, Role
from detainers.domain.detainer import LodgedSubject
from detainers.domain.person import PersonName
from detainers.domain.person_notice import NoticeTrigger, PersonNotice
from detainers.domain.vocabulary import (
    DetainerForm,
    FacilityType,
    IdentifierKind,
    JurisdictionKind,
    ProbableCause,
    RequestedAction,
    ReviewChoice,
    Warrant,
)
from detainers.policy.engine import RulesEngine
from detainers.policy.registry import load_registry
from detainers.services import bookings, detainers, person_notices, registry
from detainers.services.context import Context
from tests import builders
from tests.builders import reference
from tests.fakes import FixedClock

AT = datetime(2024, 2, 1, 14, 0, tzinfo=UTC)


def notice(key: str = "d-1/2/us-ct.2019.notice.detainer-copy", **changes: object) -> PersonNotice:
    fields: dict[str, object] = {
        "id": new_id(),
        "key": key,
        "detainer_id": "d-1",
        "notice_id": "us-ct.2019.notice.detainer-copy",
        "trigger": NoticeTrigger.DETAINER_RECEIVED,
        "citation": "Conn. Gen. Stat. 54-192h",
        "summary": "Give the person a copy",
        "status": "PARTIAL",
        "created_at": AT,
        **changes,
    }
    return PersonNotice(**fields)  # type: ignore[arg-type]


def test_a_notice_and_its_pdf_are_stored_with_the_detainer_and_served_once(engine: Engine) -> None:
    uow_factory = SqlUnitOfWorkFactory(engine)
    first, second = (
        notice(),
        notice(
            "d-1/3/us-ct.2019.notice.decision",
            created_at=AT + timedelta(hours=1),
            notice_id="us-ct.2019.notice.decision",
            trigger=NoticeTrigger.DECISION_RECORDED,
        ),
    )
    with uow_factory() as uow:
        reference(uow)
        uow.detainers.add(builders.detainer())
        assert uow.person_notices.add(first, b"%PDF-1.4 first")
        assert uow.person_notices.add(second, None)
        # The same key again: refused, and the transaction goes on (a savepoint on PostgreSQL).
        assert not uow.person_notices.add(notice(), b"%PDF-1.4 again")
        assert uow.person_notices.has_key(first.key)
        uow.commit()

    with uow_factory() as uow:
        listed = uow.person_notices.for_detainer("d-1")
        assert [n.id for n in listed] == [first.id, second.id]
        assert [n.printable for n in listed] == [True, False]
        assert listed[0] == first
        assert uow.person_notices.pdf(first.id) == b"%PDF-1.4 first"
        assert uow.person_notices.pdf(second.id) is None
        assert uow.person_notices.get("nope") is None
        stored = uow.person_notices.get(first.id)
        assert stored is not None
        stored.serve(at=AT + timedelta(hours=2), by="clerk.jones")
        uow.person_notices.save(stored)
        uow.commit()

    with uow_factory() as uow:
        again = uow.person_notices.get(first.id)
        assert again is not None
        assert (again.served_at, again.served_by) == (AT + timedelta(hours=2), "clerk.jones")
        assert uow.person_notices.for_detainer("someone-else") == []


STAFF = Caller(
    principal_id="u-1",
    name="clerk.jones",
    kind=PrincipalKind.USER,
    role=Role.FACILITY_STAFF,
    facility_code="CT-DOC-HCC",
)


def test_a_connecticut_detainer_gets_its_printable_notice_in_the_same_transaction(
    engine: Engine,
) -> None:
    clock = FixedClock(AT)
    ctx = Context(
        uow=SqlUnitOfWorkFactory(engine),
        clock=clock,
        ids=new_id,
        engine=RulesEngine(load_registry()),
        notice_renderer=pdf_renderer(),
    )
    registry.register_jurisdiction(
        c.RegisterJurisdiction(code="US", name="United States", kind=JurisdictionKind.FEDERAL), ctx
    )
    registry.register_jurisdiction(
        c.RegisterJurisdiction(code="US-CT", name="Connecticut", kind=JurisdictionKind.STATE), ctx
    )
    registry.register_agency(
        c.RegisterAgency(code="ERO-BOS", name="Boston Field Office", jurisdiction="US"), ctx
    )
    registry.register_facility(
        c.RegisterFacility(
            code="CT-DOC-HCC",
            name="Hartford Correctional Center",
            type=FacilityType.STATE_PRETRIAL_JAIL,
            jurisdiction="US-CT",
        ),
        ctx,
    )
    name = PersonName(given=("Adaeze",), family=("Okafor",))
    bookings.record_booking(
        c.RecordBooking(
            facility_code="CT-DOC-HCC",
            booking_number="HCC-1",
            person=c.PersonDetails(name=name, identifiers={IdentifierKind.STATE_ID: "CT-1001"}),
            booked_at=AT - timedelta(days=1),
            actor="clerk.jones",
        ),
        ctx,
    )
    detainer = detainers.lodge_detainer(
        c.LodgeDetainer(
            agency_code="ERO-BOS",
            facility_code="CT-DOC-HCC",
            subject=LodgedSubject(name=name, identifiers={IdentifierKind.STATE_ID: "CT-1001"}),
            form=DetainerForm.I_247A,
            probable_cause=frozenset({ProbableCause.PENDING_PROCEEDINGS}),
            warrant=Warrant.I_200,
            requests=frozenset({RequestedAction.NOTIFY, RequestedAction.HOLD}),
            actor="agent.smith",
        ),
        ctx,
    )
    assert detainer.state == "received"  # matched to the booking on lodging
    staff = ctx.acting(STAFF)
    clock.advance(hours=1)
    detainers.record_review(
        c.RecordReview(detainer_id=detainer.id, choice=ReviewChoice.DECLINE, actor="clerk.jones"),
        staff,
    )

    listed = person_notices.for_detainer(detainer.id, staff)
    assert [(n.notice_id, n.trigger, n.status) for n in listed] == [
        ("us-ct.2019.notice.detainer-copy", NoticeTrigger.DETAINER_RECEIVED, "PARTIAL"),
        ("us-ct.2019.notice.decision", NoticeTrigger.DECISION_RECORDED, "PARTIAL"),
    ]
    decision = person_notices.printable(listed[1].id, staff)
    assert decision.pdf.startswith(b"%PDF-")
    text = " ".join(
        " ".join((p.extract_text() or "").split())
        for p in PdfReader(io.BytesIO(decision.pdf)).pages
    )
    assert "OKAFOR, Adaeze" in text
    assert "Hartford Correctional Center" in text
    assert "Conn. Gen. Stat. 54-192h" in text
    assert "the facility will NOT do this" in text
