"""Builders for unit tests: domain objects in a chosen state, and a small world over the fakes.

Everything here is synthetic. `World` wraps `fake_context()` with a registered
federal and Connecticut jurisdiction, one agency and two facilities, so a
service test reads as the story it tells (book, lodge, review, release).
"""

from __future__ import annotations

import copy
import dataclasses
from collections.abc import Iterable
from datetime import UTC, date, datetime, timedelta

from detainers.domain import commands as c
from detainers.domain.booking import Booking, Charge
from detainers.domain.decision import Decision, Evaluation, Reason, Ruling, decide
from detainers.domain.detainer import Detainer, LodgedSubject
from detainers.domain.events import DetainerEvent
from detainers.domain.hold import Hold
from detainers.domain.lifecycle import DetainerState
from detainers.domain.person import PersonName
from detainers.domain.vocabulary import (
    Action,
    ChargeClass,
    Citizenship,
    DetainerForm,
    Effect,
    FacilityType,
    IdentifierKind,
    JurisdictionKind,
    ProbableCause,
    RequestedAction,
    ReviewChoice,
    Warrant,
)
from detainers.services import bookings, detainers, registry
from tests.fakes import FakeLegalEngine, FixedClock, fake_context

T0 = datetime(2024, 2, 1, 9, 0, tzinfo=UTC)
HOURS = timedelta(hours=1)
BOTH = frozenset({RequestedAction.NOTIFY, RequestedAction.HOLD})

AGENCY = "ERO-BOS"
FACILITY = "CT-DOC-HCC"
OTHER_FACILITY = "CT-DOC-NHCC"
CLERK = "clerk.jones"
AGENT = "agent.smith"


def subject(**identifiers: str) -> LodgedSubject:
    """A lodged subject carrying `identifiers` (keyword names are `IdentifierKind` values)."""
    return LodgedSubject(
        name=PersonName(given=("Juan",), family=("Doe", "Roe")),
        date_of_birth=date(1980, 1, 1),
        identifiers={IdentifierKind(k): v for k, v in identifiers.items()},
    )


def evaluation(
    effects: dict[Action, Effect] | None = None,
    *,
    hold_until: datetime | None = None,
    as_of: datetime = T0,
) -> Evaluation:
    """An evaluation ruling `effects` (every other action permitted)."""
    effects = effects or {}
    rulings = {}
    for action in Action:
        effect = effects.get(action, Effect.PERMITTED)
        rulings[action] = Ruling(
            effect=effect,
            reasons=(Reason(rule=f"test.{action}", citation="Test Code 1", summary="test"),),
            until=hold_until if action is Action.HOLD else None,
        )
    return Evaluation(jurisdiction="US-CT", as_of=as_of, rulings=rulings, engine="test")


def decision(
    choice: ReviewChoice = ReviewChoice.HONOR,
    *,
    effects: dict[Action, Effect] | None = None,
    requests: frozenset[RequestedAction] = BOTH,
    override_reason: str | None = None,
    at: datetime = T0,
) -> Decision:
    """A decision recorded by `CLERK` at `at` through `decide`, so inside the law's bounds."""
    return decide(
        decision_id="dec-1",
        evaluation=evaluation(effects, as_of=at),
        requests=requests,
        choice=choice,
        decided_by=CLERK,
        decided_at=at,
        override_reason=override_reason,
    )


def lodged(
    *, at: datetime = T0, requests: frozenset[RequestedAction] = BOTH, detainer_id: str = "det-1"
) -> Detainer:
    """A freshly lodged, unmatched detainer (its lodging event still pending)."""
    return Detainer.lodge(
        id=detainer_id,
        agency_code=AGENCY,
        facility_code=FACILITY,
        subject=subject(fbi_number="FBI-1001"),
        form=DetainerForm.I_247A,
        probable_cause=frozenset({ProbableCause.PENDING_PROCEEDINGS}),
        warrant=Warrant.I_200,
        requests=requests,
        at=at,
        actor=AGENT,
    )


def detainer_in(
    state: DetainerState,
    *,
    the_decision: Decision | None = None,
    hold: Hold | None = None,
) -> Detainer:
    """A detainer placed directly in `state`, with what that state implies.

    Matched states have a booking; reviewed states a decision that permits
    everything (unless one is given); `on_hold` an open hold from T0+1h with a
    deadline 48 hours later. Pending events are cleared.
    """
    detainer = lodged()
    detainer.new_events.clear()
    detainer.state = state
    if state is not DetainerState.UNMATCHED:
        detainer.booking_id = "bk-1"
    if state not in (DetainerState.UNMATCHED, DetainerState.RECEIVED):
        detainer.decision = the_decision or decision(ReviewChoice.HONOR)
    if state is DetainerState.ON_HOLD:
        detainer.hold = hold or Hold.start(
            at=T0 + HOURS, legal_until=T0 + 49 * HOURS, facility_limit_hours=None
        )
    return detainer


class World:
    """A service context over the fakes, with reference data registered."""

    def __init__(
        self,
        *,
        effects: dict[Action, Effect] | None = None,
        hold_hours: float | None = 48,
        hold_limit_hours: int | None = None,
        engine: FakeLegalEngine | None = None,
    ) -> None:
        self.engine = engine or FakeLegalEngine(effects, hold_hours=hold_hours)
        self.ctx, self.uow, self.clock, _ = fake_context(self.engine, FixedClock(T0))
        registry.register_jurisdiction(
            c.RegisterJurisdiction(code="US", name="United States", kind=JurisdictionKind.FEDERAL),
            self.ctx,
        )
        registry.register_jurisdiction(
            c.RegisterJurisdiction(code="US-CT", name="Connecticut", kind=JurisdictionKind.STATE),
            self.ctx,
        )
        registry.register_agency(
            c.RegisterAgency(code=AGENCY, name="Boston field office", jurisdiction="US"), self.ctx
        )
        for code in (FACILITY, OTHER_FACILITY):
            registry.register_facility(
                c.RegisterFacility(
                    code=code,
                    name=f"Facility {code}",
                    type=FacilityType.STATE_PRETRIAL_JAIL,
                    jurisdiction="US-CT",
                    hold_limit_hours=hold_limit_hours,
                ),
                self.ctx,
            )

    # -- acts ------------------------------------------------------------------

    def book(
        self,
        number: str = "B-1",
        *,
        facility: str = FACILITY,
        citizenship: Citizenship = Citizenship.UNKNOWN,
        **identifiers: str,
    ) -> Booking:
        """Book a person carrying `identifiers` (default: FBI number FBI-1001) now."""
        if not identifiers:
            identifiers = {"fbi_number": "FBI-1001"}
        return bookings.record_booking(
            c.RecordBooking(
                facility_code=facility,
                booking_number=number,
                person=c.PersonDetails(
                    name=PersonName(given=("Juan",), family=("Doe", "Roe")),
                    date_of_birth=date(1980, 1, 1),
                    identifiers={IdentifierKind(k): v for k, v in identifiers.items()},
                    citizenship=citizenship,
                ),
                booked_at=self.clock.now(),
                actor=CLERK,
                charges=(
                    Charge(
                        statute="CGS 53a-70(a)(2)",
                        description="Sexual assault in the first degree",
                        charge_class=ChargeClass.FELONY_A,
                    ),
                ),
            ),
            self.ctx,
        )

    def lodge(
        self,
        *,
        facility: str = FACILITY,
        requests: frozenset[RequestedAction] = BOTH,
        **identifiers: str,
    ) -> Detainer:
        """Lodge a detainer naming `identifiers` (default: FBI number FBI-1001) now."""
        if not identifiers:
            identifiers = {"fbi_number": "FBI-1001"}
        return detainers.lodge_detainer(
            c.LodgeDetainer(
                agency_code=AGENCY,
                facility_code=facility,
                subject=subject(**identifiers),
                form=DetainerForm.I_247A,
                probable_cause=frozenset({ProbableCause.PENDING_PROCEEDINGS}),
                warrant=Warrant.I_200,
                requests=requests,
                actor=AGENT,
            ),
            self.ctx,
        )

    def review(
        self,
        detainer_id: str,
        choice: ReviewChoice = ReviewChoice.HONOR,
        *,
        override_reason: str | None = None,
    ) -> Detainer:
        return detainers.record_review(
            c.RecordReview(
                detainer_id=detainer_id,
                choice=choice,
                actor=CLERK,
                override_reason=override_reason,
            ),
            self.ctx,
        )

    def booked_and_lodged(
        self, choice: ReviewChoice | None = None, **lodge_kwargs: object
    ) -> tuple[Booking, Detainer]:
        """A booked person with a matched detainer, reviewed with `choice` if given."""
        booking = self.book()
        detainer = self.lodge(**lodge_kwargs)  # type: ignore[arg-type]
        if choice is not None:
            detainer = self.review(detainer.id, choice)
        return booking, detainer

    # -- reading what was committed -------------------------------------------

    def detainer(self, detainer_id: str) -> Detainer:
        return copy.deepcopy(self.uow.store.detainers[detainer_id])

    def booking(self, booking_id: str) -> Booking:
        return copy.deepcopy(self.uow.store.bookings[booking_id])

    def events(self, detainer_id: str) -> list[DetainerEvent]:
        return list(self.uow.store.events.get(detainer_id, []))

    def event_kinds(self, detainer_id: str) -> list[str]:
        return [type(e).__name__ for e in self.events(detainer_id)]

    def snapshot(self) -> object:
        """A deep copy of everything committed but the audit trail, to compare after a failed command.

        (A failed command leaves exactly one audit record; the audit tests check those.)
        """
        return dataclasses.replace(copy.deepcopy(self.uow.store), audit=[])


def kinds(events: Iterable[DetainerEvent]) -> list[str]:
    return [type(e).__name__ for e in events]
