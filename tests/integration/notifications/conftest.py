"""Real peers for the outbox: HTTP receivers and an SMTP server on loopback, and a story to tell them.

`receiver` starts a threaded `http.server` on a free loopback port that
answers as told (accept when a signature verifies with a secret it knows,
500, hang past the sender's timeout, or 303 elsewhere) and keeps the raw
bytes of every request. `smtp` is an aiosmtpd server that keeps each
message, or refuses with 550. `harness` is a service context over the
`engine` database with a `FixedClock` started at the real time (so the
webhook timestamps are ones a receiver would accept) and the fake law.
"""

from __future__ import annotations

import socket
import threading
from collections.abc import Callable, Iterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import SMTP, Envelope, Session
from sqlalchemy import Engine

from detainers.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from detainers.adapters.notifications.envelope import verify
from detainers.adapters.system import new_id
from detainers.domain import commands as c
from detainers.domain.access import Caller, PrincipalKind, Role
from detainers.domain.booking import Booking, Charge
from detainers.domain.detainer import Detainer, LodgedSubject
from detainers.domain.notification import Attempt, Audience, Channel, Message, MessageStatus
from detainers.domain.person import PersonName
from detainers.domain.vocabulary import (
    ChargeClass,
    DetainerForm,
    IdentifierKind,
    ProbableCause,
    RequestedAction,
    ReviewChoice,
    Warrant,
)
from detainers.services import bookings, detainers, inbox, registry
from detainers.services.context import Context
from tests.fakes import FakeLegalEngine, FixedClock
from tests.integration.api.conftest import AGENCY, FACILITY, reference_world

MAIL_AGENCY = "ERO-MAIL"
MAIL_AGENCY_ADDRESS = "duty-officer@ero-mail.example"
CLERK, AGENT = "clerk.jones", "agent.smith"

# A person no envelope may ever mention: each value is distinctive enough to search raw bytes for.
GIVEN, FAMILY = "Zebulon", "Quixthorpe"
BIRTH = date(1971, 7, 13)
FBI_NUMBER, A_NUMBER, STATE_ID = "FBI-ZQ-774411", "A-913572468", "SID-CT-5150715"
BOOKING_NUMBER = "BK-ZQ-8812"
PERSON_DATA = (
    GIVEN,
    FAMILY,
    BIRTH.isoformat(),
    BIRTH.strftime("%m/%d/%Y"),
    BIRTH.strftime("%Y%m%d"),
    FBI_NUMBER,
    A_NUMBER,
    A_NUMBER.removeprefix("A-"),
    STATE_ID,
    BOOKING_NUMBER,
)


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


# -- HTTP receivers ----------------------------------------------------------------


@dataclass(frozen=True)
class Request:
    path: str
    headers: dict[str, str]
    raw_headers: bytes
    body: bytes


@dataclass
class Receiver:
    """A webhook receiver on loopback. `mode`: accept | fail | hang | redirect."""

    url: str
    mode: str = "accept"
    secrets: list[str] = field(default_factory=list)
    redirect_to: str = ""
    requests: list[Request] = field(default_factory=list)
    accepted: list[Request] = field(default_factory=list)
    release: threading.Event = field(default_factory=threading.Event)

    def answer(self, request: Request) -> tuple[int, dict[str, str]]:
        self.requests.append(request)
        if self.mode == "fail":
            return 500, {}
        if self.mode == "hang":
            self.release.wait(5)  # far past the sender's timeout; let go at teardown
            return 204, {}
        if self.mode == "redirect":
            return 303, {"Location": self.redirect_to}
        if not any(verify(s, request.headers, request.body) for s in self.secrets):
            return 401, {}
        self.accepted.append(request)
        return 204, {}


class _Handler(BaseHTTPRequestHandler):
    server: _Server

    def do_POST(self) -> None:
        length = int(self.headers.get("content-length", "0"))
        body = self.rfile.read(length)
        request = Request(
            path=self.path,
            headers={k.lower(): v for k, v in self.headers.items()},
            raw_headers=self.headers.as_bytes(),
            body=body,
        )
        status, extra = self.server.receiver.answer(request)
        try:
            self.send_response(status)
            for name, value in extra.items():
                self.send_header(name, value)
            self.send_header("content-length", "0")
            self.end_headers()
        except OSError:
            pass  # the sender gave up waiting (the timeout test): nobody is listening

    def log_message(self, format: str, *args: Any) -> None:
        pass


class _Server(ThreadingHTTPServer):
    receiver: Receiver

    def handle_error(self, request: Any, client_address: Any) -> None:
        pass  # a sender that hung up is what the timeout test is about


@pytest.fixture
def receiver() -> Iterator[Callable[..., Receiver]]:
    """Start receivers: `receiver(mode, secrets=[...], redirect_to=url)`; all stop at teardown."""
    started: list[tuple[_Server, threading.Thread, Receiver]] = []

    def start(mode: str = "accept", **kwargs: Any) -> Receiver:
        server = _Server(("127.0.0.1", 0), _Handler)
        port = server.server_address[1]
        server.receiver = Receiver(url=f"http://127.0.0.1:{port}/hooks", mode=mode, **kwargs)
        thread = threading.Thread(target=server.serve_forever, kwargs={"poll_interval": 0.05})
        thread.start()
        started.append((server, thread, server.receiver))
        return server.receiver

    yield start
    for server, thread, got in started:
        got.release.set()
        server.shutdown()
        server.server_close()
        thread.join(5)


# -- an SMTP server ----------------------------------------------------------------


@dataclass
class Mailbox:
    """What the SMTP server was given; `refuse` is None, "rcpt" or "data" (a 550 there)."""

    host: str
    port: int
    refuse: str | None = None
    received: list[Envelope] = field(default_factory=list)
    refused: int = 0

    async def handle_RCPT(
        self, server: SMTP, session: Session, envelope: Envelope, address: str, options: list[str]
    ) -> str:
        if self.refuse == "rcpt":
            self.refused += 1
            return "550 5.1.1 no such mailbox here"
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: SMTP, session: Session, envelope: Envelope) -> str:
        if self.refuse == "data":
            self.refused += 1
            return "550 5.7.1 message refused by policy"
        self.received.append(envelope)
        return "250 Message accepted for delivery"


@pytest.fixture
def smtp() -> Iterator[Mailbox]:
    port = free_port()
    mailbox = Mailbox(host="127.0.0.1", port=port)
    controller = Controller(mailbox, hostname="127.0.0.1", port=port)
    controller.start()
    yield mailbox
    controller.stop()


# -- the system under test ---------------------------------------------------------


@dataclass
class Harness:
    ctx: Context
    clock: FixedClock
    engine: Engine

    def set_endpoint(
        self,
        audience: Audience,
        owner: str,
        channel: Channel,
        target: str,
        secret: str | None = None,
    ) -> None:
        inbox.set_endpoint(
            inbox.SetEndpoint(
                audience=audience, owner_code=owner, channel=channel, target=target, secret=secret
            ),
            self.ctx,
        )

    def book(self, *, scheduled_release_at: datetime | None = None) -> Booking:
        return bookings.record_booking(
            c.RecordBooking(
                facility_code=FACILITY,
                booking_number=BOOKING_NUMBER,
                person=c.PersonDetails(
                    name=PersonName(given=(GIVEN,), family=(FAMILY,)),
                    date_of_birth=BIRTH,
                    identifiers={
                        IdentifierKind.FBI_NUMBER: FBI_NUMBER,
                        IdentifierKind.A_NUMBER: A_NUMBER,
                        IdentifierKind.STATE_ID: STATE_ID,
                    },
                ),
                booked_at=self.clock.now(),
                actor=CLERK,
                charges=(
                    Charge(
                        statute="CGS 53a-119",
                        description="Larceny",
                        charge_class=ChargeClass.FELONY_D,
                    ),
                ),
                scheduled_release_at=scheduled_release_at,
            ),
            self.ctx,
        )

    def lodge(self, agency: str = AGENCY) -> Detainer:
        return detainers.lodge_detainer(
            c.LodgeDetainer(
                agency_code=agency,
                facility_code=FACILITY,
                subject=LodgedSubject(
                    name=PersonName(given=(GIVEN,), family=(FAMILY,)),
                    date_of_birth=BIRTH,
                    identifiers={
                        IdentifierKind.FBI_NUMBER: FBI_NUMBER,
                        IdentifierKind.A_NUMBER: A_NUMBER,
                    },
                ),
                form=DetainerForm.I_247A,
                probable_cause=frozenset({ProbableCause.PENDING_PROCEEDINGS}),
                warrant=Warrant.I_200,
                requests=frozenset({RequestedAction.NOTIFY, RequestedAction.HOLD}),
                actor=AGENT,
            ),
            self.ctx,
        )

    def review(self, detainer_id: str, choice: ReviewChoice = ReviewChoice.HONOR) -> Detainer:
        return detainers.record_review(
            c.RecordReview(detainer_id=detainer_id, choice=choice, actor=CLERK), self.ctx
        )

    def messages(self, subject: str) -> list[Message]:
        """Every message about `subject`, oldest first."""
        with self.ctx.uow() as uow:
            return list(uow.messages.for_subject(subject))

    def pending(self, subject: str, channel: Channel) -> list[Message]:
        return [
            m
            for m in self.messages(subject)
            if m.channel is channel and m.status is MessageStatus.PENDING
        ]

    def message(self, message_id: str) -> Message:
        with self.ctx.uow() as uow:
            found = uow.messages.get(message_id)
        assert found is not None
        return found

    def attempts(self, message_id: str) -> Sequence[Attempt]:
        with self.ctx.uow() as uow:
            return uow.messages.attempts(message_id)

    def facility_inbox(self, facility: str = FACILITY) -> Sequence[Message]:
        """The facility's in-app inbox, as its staff read it."""
        staff = Caller(
            principal_id="staff-1",
            name="staff.lee",
            kind=PrincipalKind.USER,
            role=Role.FACILITY_STAFF,
            facility_code=facility,
        )
        return inbox.inbox(inbox.InboxQuery(limit=200), self.ctx.acting(staff))


@pytest.fixture
def harness(engine: Engine) -> Harness:
    clock = FixedClock(datetime.now(UTC).replace(microsecond=0))
    ctx = Context(
        uow=SqlUnitOfWorkFactory(engine), clock=clock, ids=new_id, engine=FakeLegalEngine()
    )
    reference_world(ctx)
    registry.register_agency(
        c.RegisterAgency(
            code=MAIL_AGENCY,
            name="Mail-only field office",
            jurisdiction="US",
            email=MAIL_AGENCY_ADDRESS,
        ),
        ctx,
    )
    return Harness(ctx=ctx, clock=clock, engine=engine)
