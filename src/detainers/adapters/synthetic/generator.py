"""The world generator: a seeded stream of detainers, with their people and bookings, in batches.

Detainers are made in lodging order over the two years before `now`; each
gets a facility, a person (new, or someone released earlier coming back), a
booking with charges, the agency's description of the subject, and a path
whose story is acted out on the domain objects. All randomness comes from
one `random.Random(seed)` consumed in detainer order, and name pools are
redrawn every `POOL_SPAN` detainers, so the world never depends on the batch
size. Memory stays bounded: a batch is handed over and forgotten; only the
pool of returning people (of fixed size) and a few counters outlive it.
"""

from __future__ import annotations

import random
from collections import Counter
from collections.abc import Iterator
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from detainers.adapters.synthetic import paths
from detainers.adapters.synthetic import places as pl
from detainers.adapters.synthetic._draw import Weighted, new_id
from detainers.adapters.synthetic.names import NamePools
from detainers.adapters.synthetic.paths import Path
from detainers.adapters.synthetic.people import (
    People,
    PersonRecord,
    Returning,
    lodged_subject,
    match_kind,
)
from detainers.adapters.synthetic.rulings import Subject
from detainers.adapters.synthetic.statutes import ChargeBook
from detainers.adapters.synthetic.story import Plan, Story
from detainers.domain.booking import Booking
from detainers.domain.decision import Decision
from detainers.domain.detainer import Detainer
from detainers.domain.vocabulary import (
    DetainerForm,
    FacilityType,
    ProbableCause,
    RequestedAction,
    Warrant,
)

POOL_SPAN = 1000
WORLD_SPAN = timedelta(days=730)
TAIL_SPAN = timedelta(days=7)
REBOOKING_RATE = 0.12
IDENTIFIED_RATE = 0.88

RA = RequestedAction
_NOTIFY_HOLD = frozenset({RA.NOTIFY, RA.HOLD})
_REQUESTS = Weighted(
    [
        (_NOTIFY_HOLD, 90.0),
        (frozenset({RA.NOTIFY}), 6.0),
        (frozenset({RA.NOTIFY, RA.HOLD, RA.INTERVIEW}), 4.0),
    ]
)
_WARRANT = Weighted(
    {Warrant.I_200: 55.0, Warrant.I_205: 28.0, Warrant.NONE: 15.0, Warrant.JUDICIAL: 2.0}
)
_CAUSE = Weighted(
    {
        ProbableCause.BIOMETRIC_MATCH: 55.0,
        ProbableCause.PENDING_PROCEEDINGS: 20.0,
        ProbableCause.FINAL_ORDER: 17.0,
        ProbableCause.STATEMENTS: 8.0,
    }
)


@dataclass(kw_only=True)
class Batch:
    """One batch of the world, in the order it must be written."""

    persons: list[PersonRecord] = field(default_factory=list)
    bookings: list[Booking] = field(default_factory=list)
    detainers: list[Detainer] = field(default_factory=list)
    decisions: list[tuple[str, Decision]] = field(default_factory=list)


@dataclass(kw_only=True)
class Tally:
    """What the world holds so far (counters only, whatever its size)."""

    detainers: int = 0
    persons: int = 0
    bookings: int = 0
    events: int = 0
    by_state: Counter[str] = field(default_factory=Counter)


class World:
    """One reproducible synthetic world of `detainers` detainers as of the start of `as_of` (UTC)."""

    def __init__(self, *, seed: int, detainers: int, as_of: date) -> None:
        self.size = detainers
        self.now = datetime.combine(as_of, time(0), tzinfo=UTC)
        self.jurisdictions = pl.jurisdictions()
        self.agencies = pl.agencies()
        self.sites = pl.sites()
        self.tally = Tally()
        self._rng = random.Random(seed)
        self._site = Weighted([(site, float(site.weight)) for site in self.sites])
        self._names = NamePools()
        self._charges = ChargeBook()
        self._people = People(self._rng, self._names, self._charges)
        self._returning = Returning()
        self._body, self._live = paths.decks()
        # The last detainers are dealt live paths: at least two full decks, and
        # for a big world about half the detainers of its last week.
        self._tail = min(detainers // 4, max(2 * paths.LIVE_DECK_SIZE, detainers // 200))

    def batches(self, size: int) -> Iterator[Batch]:
        """The detainers in lodging order, `size` at a time."""
        batch = Batch()
        for index in range(self.size):
            if index % POOL_SPAN == 0:
                self._names.refresh(self._rng)
            self._one(index, batch)
            if len(batch.detainers) >= size:
                yield batch
                batch = Batch()
        if batch.detainers:
            yield batch

    # -- one detainer ---------------------------------------------------------

    def _one(self, index: int, batch: Batch) -> None:
        rng = self._rng
        live = index >= self.size - self._tail
        path = self._live.deal(rng) if live else self._body.deal(rng)
        lodged_at = self._lodged_at(index, live)
        site = self._site.draw(rng)
        booked_at = lodged_at - paths.booked_before(rng, site.facility.type)
        record = self._person(batch, site.state, booked_at)
        booking = self._booking(index, site, record, booked_at)
        detainer, agent = self._lodge(path, site, record, booking, lodged_at)
        plan = paths.draw_plan(
            rng,
            path,
            lodged_at=lodged_at,
            now=self.now,
            facility_type=site.facility.type,
            match_kind=match_kind(detainer.subject),
        )
        self._prepare_booking(path, booking, plan, lodged_at)
        story = Story(
            rng=rng,
            detainer=detainer,
            subject=Subject(
                facility=site.facility,
                booking=booking,
                person=record.person,
                convictions=record.convictions,
            ),
            plan=plan,
            now=self.now,
            new_id=lambda at: new_id(rng, at),
            agent=agent,
        )
        paths.SCRIPTS[path](story)
        story.later_arrest(paths.AGENCY_ARREST_RATE)
        story.watchdog()
        self._keep(batch, booking, detainer, story.decisions)
        if booking.released_at is not None:
            self._returning.add(rng, booking.released_at, record)

    def _booking(
        self, index: int, site: pl.Site, record: PersonRecord, booked_at: datetime
    ) -> Booking:
        sentenced = site.facility.type is FacilityType.STATE_PRISON
        return Booking(
            id=new_id(self._rng, booked_at),
            booking_number=f"B{booked_at.year % 100:02d}-{index:08d}",
            facility_code=site.facility.code,
            person_id=record.person.id,
            booked_at=booked_at,
            charges=self._charges.charges(self._rng, site.state, sentenced=sentenced),
        )

    def _lodge(
        self, path: Path, site: pl.Site, record: PersonRecord, booking: Booking, at: datetime
    ) -> tuple[Detainer, str]:
        """The detainer as the field office lodges it, and the officer who did."""
        rng = self._rng
        identified = path is not Path.LIVE_UNMATCHED and (
            path in paths.LIVE_COUNTS or rng.random() < IDENTIFIED_RATE
        )
        subject = lodged_subject(rng, record.person, booking.booking_number, identified=identified)
        agent = f"ERO-{site.office}/officer-{rng.randint(1, 40):03d}"
        detainer = Detainer.lodge(
            id=new_id(rng, at),
            agency_code=f"ERO-{site.office}",
            facility_code=site.facility.code,
            subject=subject,
            form=DetainerForm.I_247A,
            probable_cause=self._causes(),
            warrant=_WARRANT.draw(rng),
            requests=self._requests(path),
            at=at,
            actor=agent,
        )
        return detainer, agent

    def _lodged_at(self, index: int, live: bool) -> datetime:
        body = self.size - self._tail
        if live:
            start, length, count, at = self.now - TAIL_SPAN, TAIL_SPAN, self._tail, index - body
            length -= timedelta(hours=2)
        else:
            start = self.now - WORLD_SPAN
            length = WORLD_SPAN - (TAIL_SPAN if self._tail else timedelta(hours=2))
            count, at = body, index
        offset = length.total_seconds() * (at + self._rng.random()) / count
        return start + timedelta(seconds=int(offset))

    def _person(self, batch: Batch, state: str, booked_at: datetime) -> PersonRecord:
        rng = self._rng
        if rng.random() < REBOOKING_RATE:
            found = self._returning.take(rng, booked_before=booked_at)
            if found is not None:
                return found
        record = self._people.new(rng, id=new_id(rng, booked_at), state=state, booked_at=booked_at)
        batch.persons.append(record)
        self.tally.persons += 1
        return record

    def _causes(self) -> frozenset[ProbableCause]:
        first = _CAUSE.draw(self._rng)
        if self._rng.random() < 0.3:
            return frozenset({first, _CAUSE.draw(self._rng)})
        return frozenset({first})

    def _requests(self, path: Path) -> frozenset[RequestedAction]:
        requests = _REQUESTS.draw(self._rng)
        if RA.HOLD not in requests and (path in paths.HOLDING or path in paths.HOLDING_LIVE):
            return _NOTIFY_HOLD
        return requests

    def _prepare_booking(
        self, path: Path, booking: Booking, plan: Plan, lodged_at: datetime
    ) -> None:
        rng = self._rng
        if path is Path.NOT_IN_CUSTODY:
            # The person left before the detainer came: the booking closed earlier.
            stay = (lodged_at - booking.booked_at).total_seconds() * rng.uniform(0.2, 0.9)
            left = booking.booked_at + timedelta(seconds=int(stay))
            booking.mark_releasable(left, plan.release_reason)
            booking.release(left, plan.release_reason)
        elif rng.random() < 0.3:
            booking.schedule_release(plan.releasable_at)

    def _keep(
        self, batch: Batch, booking: Booking, detainer: Detainer, decisions: list[Decision]
    ) -> None:
        batch.bookings.append(booking)
        batch.detainers.append(detainer)
        batch.decisions += [(detainer.id, d) for d in decisions]
        self.tally.detainers += 1
        self.tally.bookings += 1
        self.tally.events += len(detainer.new_events)
        self.tally.by_state[detainer.state.value] += 1
