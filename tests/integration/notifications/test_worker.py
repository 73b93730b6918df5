"""The worker end to end: one round fires what is due and delivers it, to a webhook and by e-mail.

`Worker.run_once` runs over the real database with the channels
`bootstrap.sender` wires from settings (webhooks, and SMTP to the aiosmtpd
server); the clock is moved by hand, including past hours no worker ran.
"""

from __future__ import annotations

import email
import json
from collections import Counter
from collections.abc import Callable, Iterator
from datetime import timedelta
from email.message import EmailMessage
from email.policy import default

import pytest
from aiosmtpd.smtp import Envelope

from detainers.adapters.notifications.senders import Dispatcher
from detainers.bootstrap import Application, legal_engine, sender
from detainers.config import Settings
from detainers.domain import commands as c
from detainers.domain.notification import OVERDUE_REPEAT, Audience, Channel, MessageType
from detainers.domain.vocabulary import ReleaseReason, ReviewChoice
from detainers.entrypoints.worker import Round, Worker
from detainers.services import bookings
from tests.integration.api.conftest import FACILITY
from tests.integration.notifications.conftest import (
    CLERK,
    MAIL_AGENCY,
    MAIL_AGENCY_ADDRESS,
    Harness,
    Mailbox,
    Receiver,
)


def _parsed(envelope: Envelope) -> EmailMessage:
    parsed = email.message_from_bytes(envelope.original_content or b"", policy=default)
    assert isinstance(parsed, EmailMessage)
    return parsed


SECRET = "facility-secret-0123456789abcdef"
M = MessageType


@pytest.fixture
def channels(harness: Harness, smtp: Mailbox) -> Iterator[tuple[Application, Dispatcher]]:
    settings = Settings(
        database_url=harness.engine.url.render_as_string(hide_password=False),
        smtp_host=smtp.host,
        smtp_port=smtp.port,
        smtp_from="detainers@ct-doc.example",
    )
    app = Application(
        settings=settings, engine=harness.engine, context=harness.ctx, rules=legal_engine()
    )
    dispatcher = sender(settings)
    yield app, dispatcher
    dispatcher.close()


def test_one_worker_round_fires_due_timers_and_delivers_what_they_raise(
    harness: Harness,
    receiver: Callable[..., Receiver],
    smtp: Mailbox,
    channels: tuple[Application, Dispatcher],
) -> None:
    hooks = receiver(secrets=[SECRET])
    harness.set_endpoint(Audience.FACILITY, FACILITY, Channel.WEBHOOK, hooks.url, SECRET)
    clock = harness.clock
    booking = harness.book()
    harness.review(harness.lodge(MAIL_AGENCY).id, ReviewChoice.HONOR)
    bookings.mark_releasable(
        c.MarkReleasable(booking_id=booking.id, reason=ReleaseReason.BOND_POSTED, actor=CLERK),
        harness.ctx,
    )
    deadline = clock.now() + timedelta(hours=48)  # the fake law's hold
    worker = Worker(*channels, seed=3)

    def types() -> Counter[str]:
        return Counter(json.loads(r.body)["type"] for r in hooks.accepted)

    first = worker.run_once()
    assert first == Round(timers=0, claimed=4, delivered=4, failed=0, dead=0)
    assert types() == {M.DETAINER_LODGED.value: 1, M.HOLD_STARTED.value: 1}
    # The decision, and the release notice due the moment release came, to the agency by e-mail.
    assert sorted(str(_parsed(e)["Subject"]) for e in smtp.received) == sorted(
        f"[detainers] {kind.description}" for kind in (M.DECISION_RECORDED, M.RELEASE_NOTICE)
    )
    assert all(e.rcpt_tos == [MAIL_AGENCY_ADDRESS] for e in smtp.received)
    assert not worker.run_once().busy

    clock.at = deadline - timedelta(hours=24)
    assert worker.run_once() == Round(timers=1, claimed=1, delivered=1, failed=0, dead=0)
    assert types()[M.HOLD_ALARM.value] == 1

    clock.at = deadline + timedelta(hours=1)  # no worker ran for 25 hours
    assert worker.run_once() == Round(timers=4, claimed=4, delivered=4, failed=0, dead=0)
    assert types() == {
        M.DETAINER_LODGED.value: 1,
        M.HOLD_STARTED.value: 1,
        M.HOLD_ALARM.value: 3,
        M.HOLD_DEADLINE.value: 1,
        M.HOLD_OVERDUE.value: 1,
    }
    assert not worker.run_once().busy

    clock.advance(seconds=OVERDUE_REPEAT.total_seconds())
    assert worker.run_once() == Round(timers=1, claimed=1, delivered=1, failed=0, dead=0)
    assert types()[M.HOLD_OVERDUE.value] == 2
    in_app = harness.facility_inbox()
    [task] = [m for m in in_app if m.type is M.HOLD_DEADLINE]
    assert task.acknowledged_at is None  # the release task stays open while the hold does
    assert sum(m.type is M.HOLD_OVERDUE for m in in_app) == 2
    assert len(smtp.received) == 2  # the hold's alarms are the facility's, not the agency's
