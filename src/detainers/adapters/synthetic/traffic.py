"""Live synthetic traffic for the demo: new bookings and detainers through the real use cases.

Each `step` books a synthetic person at a facility, lodges a detainer for
them from an agency, records a review inside the bounds the law sets (the
most the law allows: honor, else notice only, else decline), and now and then
marks the person releasable (starting a hold where the decision permits) or
schedules a release. Everything goes through the services, so the outbox,
timers and audit trail see exactly what real use would produce.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import timedelta

from faker import Faker

from detainers.domain import commands as c
from detainers.domain.booking import Charge
from detainers.domain.detainer import LodgedSubject
from detainers.domain.errors import DomainError
from detainers.domain.person import PersonName
from detainers.domain.vocabulary import (
    ChargeClass,
    DetainerForm,
    IdentifierKind,
    ProbableCause,
    ReleaseReason,
    RequestedAction,
    ReviewChoice,
    Warrant,
)
from detainers.services import bookings, detainers
from detainers.services.context import Context

CHOICES = (ReviewChoice.HONOR, ReviewChoice.NOTIFY_ONLY, ReviewChoice.DECLINE)


@dataclass(frozen=True, kw_only=True)
class Step:
    booking_id: str
    detainer_id: str
    choice: ReviewChoice | None
    held: bool


class Traffic:
    def __init__(self, ctx: Context, *, facility: str, agency: str, seed: int = 7) -> None:
        self._ctx = ctx
        self._facility = facility
        self._agency = agency
        self._rng = random.Random(seed)
        self._fake = Faker("es_MX")
        self._fake.seed_instance(seed)
        self._n = 0

    def step(self) -> Step:
        """One person booked, one detainer lodged and reviewed; sometimes releasable or scheduled."""
        ctx, rng = self._ctx, self._rng
        self._n += 1
        now = ctx.clock.now()
        number = f"DEMO-{now:%Y%m%d%H%M%S}-{self._n:04d}"
        state_id = f"DEMO-{rng.randrange(10**8):08d}"
        name = PersonName(given=(self._fake.first_name(),), family=(self._fake.last_name(),))
        booking = bookings.record_booking(
            c.RecordBooking(
                facility_code=self._facility,
                booking_number=number,
                person=c.PersonDetails(name=name, identifiers={IdentifierKind.STATE_ID: state_id}),
                booked_at=now - timedelta(hours=rng.randint(2, 72)),
                actor=f"{self._facility}/intake",
                charges=(
                    Charge(
                        statute="Demo 1-1",
                        description="Synthetic charge",
                        charge_class=rng.choice((ChargeClass.FELONY_C, ChargeClass.MISDEMEANOR_A)),
                    ),
                ),
                scheduled_release_at=now + timedelta(hours=rng.randint(1, 96)),
            ),
            ctx,
        )
        detainer = detainers.lodge_detainer(
            c.LodgeDetainer(
                agency_code=self._agency,
                facility_code=self._facility,
                subject=LodgedSubject(name=name, identifiers={IdentifierKind.STATE_ID: state_id}),
                form=DetainerForm.I_247A,
                probable_cause=frozenset({ProbableCause.BIOMETRIC_MATCH}),
                warrant=rng.choice((Warrant.I_200, Warrant.I_200, Warrant.JUDICIAL)),
                requests=frozenset({RequestedAction.NOTIFY, RequestedAction.HOLD}),
                actor=f"{self._agency}/officer",
            ),
            ctx,
        )
        chosen = None
        for choice in CHOICES:
            try:
                detainers.record_review(
                    c.RecordReview(
                        detainer_id=detainer.id, choice=choice, actor=f"{self._facility}/staff"
                    ),
                    ctx,
                )
            except DomainError:
                continue
            chosen = choice
            break
        held = False
        if chosen is not None and rng.random() < 0.4:
            held = bool(
                bookings.mark_releasable(
                    c.MarkReleasable(
                        booking_id=booking.id,
                        reason=ReleaseReason.BOND_POSTED,
                        actor=f"{self._facility}/staff",
                    ),
                    ctx,
                )
            )
        return Step(booking_id=booking.id, detainer_id=detainer.id, choice=chosen, held=held)
