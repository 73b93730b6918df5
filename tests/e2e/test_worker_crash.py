"""Crash test: real `detainers worker` processes on PostgreSQL, killed at random, lose nothing.

A loopback receiver checks each webhook's Standard Webhooks signature and
records what it accepted by `webhook-id` (refusing a few at random, as a
flaky receiver does). The test process writes detainer stories through the
services, thousands of messages with holds whose deadlines pass during the
run, while `detainers worker` is started, killed with SIGKILL at seeded
random moments (often mid-batch, between a POST and its commit) and started
again until the outbox is drained. Afterwards: every message is delivered,
the receiver has each exactly once after dropping duplicates by id (the
duplicates are counted), and a hold has a recorded violation exactly when it
outlived its deadline. Two workers sharing the queue, neither crashing,
deliver each message once.
"""

from __future__ import annotations

import heapq
import itertools
import json
import os
import random
import signal
import subprocess
import sys
import threading
import time
from collections import Counter
from collections.abc import Callable, Iterator
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any, TypeVar

import pytest
from sqlalchemy import Engine, func, select, text

from detainers.adapters.db import migrate
from detainers.adapters.db import tables as t
from detainers.adapters.db.engine import make_engine
from detainers.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from detainers.adapters.notifications.envelope import verify
from detainers.adapters.system import SystemClock, new_id
from detainers.domain import commands as c
from detainers.domain.booking import Booking
from detainers.domain.detainer import Detainer
from detainers.domain.lifecycle import DetainerState
from detainers.domain.notification import Audience, Channel, MessageType
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
from detainers.services import audit, bookings, detainers, inbox, registry
from detainers.services.context import Context
from detainers.services.errors import ConcurrencyConflict
from tests.conftest import create_postgres_database, drop_postgres_database
from tests.fakes import FakeLegalEngine
from tests.unit.builders import subject

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

SEED = 20261128
AGENCY = "ERO-BOS"
FACILITIES = ("CT-DOC-HCC", "CT-DOC-NHCC")
SECRETS = {
    "/agency": "whsec_" + "c2VjcmV0LWZvci10aGUtYWdlbmN5LWhvb2s=",
    f"/{FACILITIES[0]}": "hcc-webhook-secret-0123456789",
    f"/{FACILITIES[1]}": "nhcc-webhook-secret-0123456789",
}
BATCH = 25
T = TypeVar("T")


# -- the receiver --------------------------------------------------------------------


@dataclass
class Receiver:
    """What an integrator's endpoint saw: accepted deliveries by `webhook-id`, and the rest."""

    fail_rate: float = 0.0
    delay: float = 0.0
    rng: random.Random = field(default_factory=lambda: random.Random(SEED))
    accepted: Counter[str] = field(default_factory=Counter)
    types: dict[str, str] = field(default_factory=dict)
    refused: int = 0
    forged: int = 0
    in_flight: int = 0
    most_in_flight: int = 0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def raw(self) -> int:
        with self.lock:
            return sum(self.accepted.values())

    def take(self, path: str, headers: dict[str, str], body: bytes) -> int:
        with self.lock:
            self.in_flight += 1
            self.most_in_flight = max(self.most_in_flight, self.in_flight)
        try:
            time.sleep(self.delay)
            secret = SECRETS.get(path)
            webhook_id = headers.get("webhook-id", "")
            if secret is None or not verify(secret, headers, body):
                with self.lock:
                    self.forged += 1
                return 401
            event = json.loads(body)
            with self.lock:
                if event["id"] != webhook_id:
                    self.forged += 1
                    return 400
                if self.rng.random() < self.fail_rate:
                    self.refused += 1
                    return 503
                self.accepted[webhook_id] += 1
                self.types[webhook_id] = event["type"]
            return 204
        finally:
            with self.lock:
                self.in_flight -= 1


class _Server(ThreadingHTTPServer):
    daemon_threads = True
    request_queue_size = 256

    def __init__(self, receiver: Receiver) -> None:
        super().__init__(("127.0.0.1", 0), _Hook)
        self.receiver = receiver

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a worker killed mid-request resets its connection: expected here


class _Hook(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"
    server: _Server

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length", "0"))
        body = self.rfile.read(length)
        if len(body) < length:
            return  # the worker was killed while sending: no request, and no one to answer
        headers = {k.lower(): v for k, v in self.headers.items()}
        status = self.server.receiver.take(self.path, headers, body)
        self.send_response(status)
        self.send_header("content-length", "0")
        self.end_headers()

    def log_message(self, format: str, *args: Any) -> None:
        pass


@pytest.fixture
def receiver() -> Iterator[tuple[Receiver, str]]:
    found = Receiver()
    server = _Server(found)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield found, f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()
    thread.join(timeout=10)


# -- the database, the services, the workers ------------------------------------------


@dataclass(frozen=True)
class Setup:
    """A fresh, migrated PostgreSQL database, the services over it, and the receiver."""

    url: str
    ctx: Context
    law: FakeLegalEngine
    engine: Engine
    seen: Receiver


@pytest.fixture
def setup(postgres_admin: Engine, receiver: tuple[Receiver, str]) -> Iterator[Setup]:
    """An agency and two facilities whose messages all go out by webhook to the receiver."""
    url = create_postgres_database(postgres_admin, "detainers_crash")
    engine = make_engine(url)
    try:
        migrate.upgrade(engine)
        law = FakeLegalEngine()
        ctx = Context(uow=SqlUnitOfWorkFactory(engine), clock=SystemClock(), ids=new_id, engine=law)
        _register(ctx, receiver[1])
        yield Setup(url=url, ctx=ctx, law=law, engine=engine, seen=receiver[0])
    finally:
        engine.dispose()
        drop_postgres_database(postgres_admin, url)


def _register(ctx: Context, base: str) -> None:
    for code, name, kind in (
        ("US", "United States", JurisdictionKind.FEDERAL),
        ("US-CT", "Connecticut", JurisdictionKind.STATE),
    ):
        registry.register_jurisdiction(c.RegisterJurisdiction(code=code, name=name, kind=kind), ctx)
    registry.register_agency(c.RegisterAgency(code=AGENCY, name="Boston", jurisdiction="US"), ctx)
    for code in FACILITIES:
        registry.register_facility(
            c.RegisterFacility(
                code=code, name=code, type=FacilityType.STATE_PRETRIAL_JAIL, jurisdiction="US-CT"
            ),
            ctx,
        )
    for audience, owner, path in (
        (Audience.AGENCY, AGENCY, "/agency"),
        *((Audience.FACILITY, code, f"/{code}") for code in FACILITIES),
    ):
        inbox.set_endpoint(
            inbox.SetEndpoint(
                audience=audience,
                owner_code=owner,
                channel=Channel.WEBHOOK,
                target=base + path,
                secret=SECRETS[path],
            ),
            ctx,
        )


def _start_worker(url: str, log: Path, name: str = "worker") -> subprocess.Popen[bytes]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("DETAINERS_")}
    env |= {
        "DETAINERS_DATABASE_URL": f"{url}?application_name={name}",
        "DETAINERS_WORKER_POLL_SECONDS": "0.1",
        "DETAINERS_WORKER_BATCH": str(BATCH),
    }
    with log.open("ab") as out:
        return subprocess.Popen(
            [sys.executable, "-m", "detainers", "worker"], env=env, stdout=out, stderr=out
        )


def _outstanding(engine: Engine) -> int:
    """Messages still pending, and timers due but not fired."""
    now = datetime.now(UTC)
    with engine.connect() as conn:
        pending = conn.execute(
            select(func.count()).select_from(t.message).where(t.message.c.status == "pending")
        ).scalar_one()
        due = conn.execute(
            select(func.count())
            .select_from(t.timer)
            .where(t.timer.c.fired_at.is_(None), t.timer.c.due_at <= now)
        ).scalar_one()
    return int(pending) + int(due)


def _retrying(call: Callable[[], T]) -> T:
    """A worker firing a timer may write the same detainer first: try again, as a client would."""
    for _ in range(100):
        try:
            return call()
        except ConcurrencyConflict:
            time.sleep(0.02)
    return call()


# -- the run -------------------------------------------------------------------------


@dataclass
class Stories:
    """Detainer stories written through the services in real time, with what became of each."""

    ctx: Context
    law: FakeLegalEngine
    rng: random.Random
    held: dict[str, str] = field(default_factory=dict)  # detainer id -> planned fate
    notified: list[str] = field(default_factory=list)
    last_due: datetime = field(default_factory=lambda: datetime.now(UTC))
    _later: list[tuple[float, int, Callable[[], object]]] = field(default_factory=list)
    _order: Iterator[int] = field(default_factory=itertools.count)

    def at(self, when: datetime, act: Callable[[], object]) -> None:
        self.last_due = max(self.last_due, when)
        heapq.heappush(self._later, (when.timestamp(), next(self._order), act))

    def due(self, *, all_of_them: bool = False) -> None:
        while self._later and (all_of_them or self._later[0][0] <= time.time()):
            when, _, act = heapq.heappop(self._later)
            time.sleep(max(0.0, when - time.time()))
            _retrying(act)

    def write(self, people: int) -> float:
        """Write `people` stories and what follows them, in real time; how long it took."""
        began = time.monotonic()
        for person in range(people):
            self.story(person)
            self.due()
        self.due(all_of_them=True)
        return time.monotonic() - began

    def brief(self, person: int) -> None:
        """Booked, lodged, honored, withdrawn: three webhooks, no timers."""
        _, detainer = self._book_and_lodge(person, None)
        self._review(detainer.id, ReviewChoice.HONOR)
        self._cancel(detainer.id)

    def story(self, person: int) -> None:
        """A person booked and a detainer lodged, then one of the ways such stories go on."""
        rng = self.rng
        now = datetime.now(UTC)
        notice_in = timedelta(hours=48, seconds=rng.uniform(2, 15)) if rng.random() < 0.15 else None
        booking, detainer = self._book_and_lodge(
            person, None if notice_in is None else now + notice_in
        )
        if rng.random() < 0.05:
            self._cancel(detainer.id)
            return
        if notice_in is not None:
            # The release notice is due in seconds; a worker's timer sends it.
            self._review(detainer.id, rng.choice([ReviewChoice.HONOR, ReviewChoice.NOTIFY_ONLY]))
            self.notified.append(detainer.id)
            self.last_due = max(self.last_due, now + notice_in - timedelta(hours=48))
            return
        choice = rng.choices(list(ReviewChoice)[:3], weights=[7, 2, 1])[0]
        self._review(detainer.id, choice)
        if choice is not ReviewChoice.HONOR:
            self.at(now + timedelta(seconds=rng.uniform(1, 10)), lambda: self._release(booking.id))
            return
        self._hold(detainer.id, booking.id)

    def _book_and_lodge(self, person: int, release_at: datetime | None) -> tuple[Booking, Detainer]:
        facility = FACILITIES[person % len(FACILITIES)]
        fbi = f"FBI-{person:06d}"
        booking = bookings.record_booking(
            c.RecordBooking(
                facility_code=facility,
                booking_number=f"CR-{person:06d}",
                person=c.PersonDetails(
                    name=PersonName(given=("Test",), family=(f"Person{person}",)),
                    identifiers={IdentifierKind.FBI_NUMBER: fbi},
                ),
                booked_at=datetime.now(UTC),
                actor="clerk",
                scheduled_release_at=release_at,
            ),
            self.ctx,
        )
        detainer = detainers.lodge_detainer(
            c.LodgeDetainer(
                agency_code=AGENCY,
                facility_code=facility,
                subject=subject(fbi_number=fbi),
                form=DetainerForm.I_247A,
                probable_cause=frozenset({ProbableCause.BIOMETRIC_MATCH}),
                warrant=Warrant.I_200,
                requests=frozenset({RequestedAction.HOLD, RequestedAction.NOTIFY}),
                actor="agent",
            ),
            self.ctx,
        )
        return booking, detainer

    def _hold(self, detainer_id: str, booking_id: str) -> None:
        rng = self.rng
        window = timedelta(seconds=rng.uniform(3, 15))
        self.law.hold_hours = window / timedelta(hours=1)
        (held,) = bookings.mark_releasable(
            c.MarkReleasable(
                booking_id=booking_id, reason=ReleaseReason.BOND_POSTED, actor="clerk"
            ),
            self.ctx,
        )
        assert held.hold is not None
        start, deadline = held.hold.started_at, held.hold.deadline_at
        fate = rng.choices(["early", "transfer", "cancel", "late", "never"], [3, 1, 1, 2, 3])[0]
        self.held[detainer_id] = fate
        within = start + (deadline - start) * rng.uniform(0.1, 0.6)
        acts: dict[str, tuple[datetime, Callable[[], object]]] = {
            "early": (within, lambda: self._release(booking_id)),
            "transfer": (within, lambda: self._transfer(detainer_id)),
            "cancel": (within, lambda: self._cancel(detainer_id)),
            "late": (
                deadline + timedelta(seconds=rng.uniform(0.2, 4)),
                lambda: self._release_at_deadline(detainer_id),
            ),
            "never": (deadline, lambda: None),
        }
        when, act = acts[fate]
        self.at(when, act)

    def _review(self, detainer_id: str, choice: ReviewChoice) -> None:
        detainers.record_review(
            c.RecordReview(detainer_id=detainer_id, choice=choice, actor="clerk"), self.ctx
        )

    def _release(self, booking_id: str) -> None:
        bookings.release_person(
            c.ReleasePerson(booking_id=booking_id, reason=ReleaseReason.BOND_POSTED, actor="clerk"),
            self.ctx,
        )

    def _transfer(self, detainer_id: str) -> None:
        detainers.transfer_custody(
            c.TransferCustody(detainer_id=detainer_id, actor="agent"), self.ctx
        )

    def _cancel(self, detainer_id: str) -> None:
        detainers.cancel_detainer(
            c.CancelDetainer(detainer_id=detainer_id, reason="withdrawn", actor="agent"), self.ctx
        )

    def _release_at_deadline(self, detainer_id: str) -> None:
        detainers.release_at_deadline(
            c.ReleaseAtDeadline(detainer_id=detainer_id, actor="clerk"), self.ctx
        )


def _messages(engine: Engine) -> list[dict[str, Any]]:
    with engine.connect() as conn:
        return [dict(r._mapping) for r in conn.execute(select(t.message))]


def _successes(engine: Engine) -> Counter[str]:
    a = t.delivery_attempt
    with engine.connect() as conn:
        rows = conn.execute(select(a.c.message_id).where(a.c.succeeded.is_(True)))
        return Counter(r.message_id for r in rows)


def _detainer(ctx: Context, detainer_id: str) -> tuple[Detainer, list[str]]:
    with ctx.uow() as uow:
        found = uow.detainers.get(detainer_id)
        assert found is not None
        return found, [type(e).__name__ for e in uow.detainers.events(detainer_id)]


# -- the tests -----------------------------------------------------------------------


PEOPLE = 320
KILLS = (6, 16)  # at least, at most


def _kill_and_restart(
    setup: Setup, log: Path, rng: random.Random, finished: Callable[[], bool]
) -> int:
    """Start a worker and SIGKILL it at a random moment, again and again, until `finished`.

    Half the moments come a random number of deliveries after the last count (so
    mostly mid-batch, between a POST and its commit), half at a random time (so
    during start-up, idle polls and timers too). After `KILLS[1]` kills the last
    worker is left to finish, then stopped with SIGTERM. Returns the kills.
    """
    seen, kills, began = setup.seen, 0, time.monotonic()
    while True:
        worker = _start_worker(setup.url, log)
        deliveries, kill_at = float("inf"), float("inf")
        if kills < KILLS[1] and rng.random() < 0.5:
            deliveries, kill_at = seen.raw + rng.randint(1, 3 * BATCH), time.monotonic() + 10
        elif kills < KILLS[1]:
            kill_at = time.monotonic() + rng.uniform(0.3, 6.0)
        checked = 0.0
        while seen.raw < deliveries and time.monotonic() < kill_at:
            assert time.monotonic() - began < 240, "the outbox was not drained in time"
            assert worker.poll() is None, log.read_text()[-5000:]
            if kills >= KILLS[0] and time.monotonic() - checked > 0.25:
                checked = time.monotonic()
                if finished():
                    worker.send_signal(signal.SIGTERM)
                    assert worker.wait(timeout=30) == 0, log.read_text()[-5000:]
                    return kills
            time.sleep(0.005)
        worker.send_signal(signal.SIGKILL)
        worker.wait(timeout=30)
        kills += 1


def test_workers_killed_at_random_lose_no_message_and_no_hold_outlives_its_deadline_unrecorded(
    setup: Setup, tmp_path: Path
) -> None:
    ctx, engine, seen = setup.ctx, setup.engine, setup.seen
    seen.fail_rate = 0.03
    stories = Stories(ctx=ctx, law=setup.law, rng=random.Random(SEED + 1))
    began = time.monotonic()
    with ThreadPoolExecutor(max_workers=1) as pool:
        writing = pool.submit(stories.write, PEOPLE)

        def finished() -> bool:
            if not writing.done():
                return False
            writing.result()  # a failed story fails the test here
            settled = datetime.now(UTC) > stories.last_due + timedelta(seconds=2)
            return settled and _outstanding(engine) == 0

        kills = _kill_and_restart(setup, tmp_path / "workers.log", random.Random(SEED), finished)
    took = time.monotonic() - began

    messages = _messages(engine)
    statuses = Counter(m["status"] for m in messages)
    hooks = {m["key"]: m for m in messages if m["channel"] == Channel.WEBHOOK.value}
    duplicates = seen.raw - len(seen.accepted)
    print(
        f"\n{len(messages)} messages ({len(hooks)} webhooks) in {took:.1f} s"
        f" (stories written in {writing.result():.1f} s); {kills} kills;"
        f" received {seen.raw} (duplicates {duplicates}), refused {seen.refused} on purpose"
    )
    assert len(messages) > 2000
    assert len(hooks) > 1000
    assert set(statuses) <= {"delivered", "withheld"}, statuses
    # Every webhook arrived, and nothing else did; after dropping duplicates by id, once each.
    assert seen.forged == 0
    assert set(seen.accepted) == set(hooks)
    assert all(seen.types[key] == hooks[key]["type"] for key in hooks)
    # The outbox itself recorded one successful delivery per message: the redeliveries after
    # a kill belong to claims that were rolled back.
    assert all(n == 1 for n in _successes(engine).values())
    assert len(_successes(engine)) == len(hooks)

    # A hold has a recorded violation exactly when it outlived its deadline, and the
    # violation reached the facility.
    outcome: Counter[str] = Counter()
    for detainer_id, fate in stories.held.items():
        detainer, events = _detainer(ctx, detainer_id)
        hold = detainer.hold
        assert hold is not None
        late = hold.ended_at is None or hold.ended_at > hold.deadline_at
        outcome["open" if hold.ended_at is None else "ended late" if late else "ended in time"] += 1
        assert ("HoldDeadlinePassed" in events) == late, (detainer_id, fate, hold, events)
        assert (hold.overrun_recorded_at is not None) == late
        if late:
            overdue = f"{detainer_id}/{events.index('HoldDeadlinePassed') + 1}/webhook"
            assert seen.types[overdue] == MessageType.HOLD_OVERDUE.value
    print(f"holds: {dict(outcome)}")
    assert outcome["open"] > 0
    assert outcome["ended late"] > 0
    assert outcome["ended in time"] > 0
    # Release notices fell due during the run; a worker's timer sent each one.
    for detainer_id in stories.notified:
        detainer, events = _detainer(ctx, detainer_id)
        assert detainer.state is DetainerState.RELEASE_NOTIFIED, (detainer_id, events)
        key = f"{detainer_id}/{events.index('ReleaseNotified') + 1}/webhook"
        assert seen.types[key] == MessageType.RELEASE_NOTICE.value
    assert stories.notified
    assert audit.verify(ctx).broken is None
    assert kills >= KILLS[0]


def test_two_workers_sharing_the_queue_never_deliver_a_message_twice(
    setup: Setup, tmp_path: Path
) -> None:
    engine, seen = setup.engine, setup.seen
    seen.delay = 0.1
    stories = Stories(ctx=setup.ctx, law=setup.law, rng=random.Random(SEED + 2))
    for person in range(250):
        stories.brief(person)
    # Hold the queue shut until both workers wait at it, so they start claiming together.
    gate = engine.connect()
    gate.begin()
    gate.execute(text("LOCK TABLE message IN EXCLUSIVE MODE"))
    log = tmp_path / "workers.log"
    workers = [_start_worker(setup.url, log, name) for name in ("worker-a", "worker-b")]
    try:
        deadline = time.monotonic() + 60
        while True:
            with engine.connect() as conn:
                waiting = conn.execute(
                    text(
                        "SELECT count(DISTINCT application_name) FROM pg_stat_activity"
                        " WHERE application_name LIKE 'worker-%' AND wait_event_type = 'Lock'"
                    )
                ).scalar_one()
            if waiting == 2:
                break
            assert time.monotonic() < deadline, log.read_text()
            time.sleep(0.05)
        gate.rollback()
        while _outstanding(engine):
            assert time.monotonic() < deadline, "the outbox was not drained in time"
            time.sleep(0.1)
    finally:
        gate.close()
        for worker in workers:
            worker.send_signal(signal.SIGTERM)
        codes = [worker.wait(timeout=30) for worker in workers]
    assert codes == [0, 0], log.read_text()

    hooks = {m["key"] for m in _messages(engine) if m["channel"] == Channel.WEBHOOK.value}
    print(f"\n{len(hooks)} webhooks; at most {seen.most_in_flight} in flight at once")
    assert len(hooks) > 500
    assert seen.raw == len(hooks)
    assert set(seen.accepted) == hooks
    assert seen.forged == 0
    assert all(n == 1 for n in _successes(engine).values())
    # One worker never has more than a batch in flight: both were delivering at once.
    assert seen.most_in_flight > BATCH
