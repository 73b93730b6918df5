"""E-mail to a real SMTP server on loopback (aiosmtpd): what an agency without a webhook receives.

The message goes out through `EmailSender` from `delivery.deliver_due`; the
server keeps the raw bytes, which are parsed and searched for person data.
A 550 from the server is a failed attempt, retried like any other.
"""

from __future__ import annotations

import email
import json
import random
import re
from datetime import timedelta
from email.message import EmailMessage
from email.policy import default
from typing import Any

import pytest

from detainers.adapters.notifications.senders import EmailSender, SmtpSettings
from detainers.domain import commands as c
from detainers.domain.notification import Audience, Channel, MessageStatus, MessageType
from detainers.domain.vocabulary import ReviewChoice
from detainers.services import bookings, delivery, notices
from tests.integration.api.conftest import AGENCY
from tests.integration.notifications.conftest import (
    CLERK,
    MAIL_AGENCY,
    MAIL_AGENCY_ADDRESS,
    PERSON_DATA,
    Harness,
    Mailbox,
)

FROM = "detainers@ct-doc.example"


@pytest.fixture
def sender(smtp: Mailbox) -> EmailSender:
    return EmailSender(SmtpSettings(host=smtp.host, port=smtp.port, sender=FROM, timeout=5))


def _parsed(raw: bytes) -> EmailMessage:
    parsed = email.message_from_bytes(raw, policy=default)
    assert isinstance(parsed, EmailMessage)
    return parsed


def _event(mail: EmailMessage) -> dict[str, Any]:
    [attachment] = list(mail.iter_attachments())
    event: dict[str, Any] = json.loads(attachment.get_content())
    return event


def test_an_agency_without_a_webhook_gets_an_email_at_its_registered_address(
    harness: Harness, smtp: Mailbox, sender: EmailSender
) -> None:
    harness.book()
    detainer = harness.review(harness.lodge(MAIL_AGENCY).id, ReviewChoice.HONOR)
    [message] = harness.pending(detainer.id, Channel.EMAIL)
    assert message.type is MessageType.DECISION_RECORDED

    report = delivery.deliver_due(harness.ctx, sender, harness.clock.now())

    assert (report.claimed, report.delivered) == (1, 1)
    [envelope] = smtp.received
    assert envelope.mail_from == FROM
    assert envelope.rcpt_tos == [MAIL_AGENCY_ADDRESS]
    raw = envelope.original_content or b""
    mail = _parsed(raw)
    assert mail["Message-ID"] == f"<{message.key.replace('/', '.')}@detainers>"
    assert mail["To"] == MAIL_AGENCY_ADDRESS
    assert mail["From"] == FROM
    assert mail["Subject"] == f"[detainers] {MessageType.DECISION_RECORDED.description}"
    event = _event(mail)
    assert (event["id"], event["subject"], event["type"]) == (
        message.key,
        detainer.id,
        MessageType.DECISION_RECORDED.value,
    )
    leaked = [value for value in PERSON_DATA if value.lower().encode() in raw.lower()]
    assert leaked == [], f"person data in an e-mail: {leaked}"
    delivered = harness.message(message.id)
    assert delivered.status is MessageStatus.DELIVERED
    [attempt] = harness.attempts(message.id)
    assert (attempt.succeeded, attempt.status_code) == (True, 250)


def test_an_email_endpoint_takes_the_place_of_the_registered_address(
    harness: Harness, smtp: Mailbox, sender: EmailSender
) -> None:
    harness.set_endpoint(Audience.AGENCY, MAIL_AGENCY, Channel.EMAIL, "intake@ero-mail.example")
    harness.set_endpoint(Audience.AGENCY, AGENCY, Channel.EMAIL, "intake@ero-bos.example")
    harness.book()
    for agency in (MAIL_AGENCY, AGENCY):
        harness.review(harness.lodge(agency).id, ReviewChoice.HONOR)

    delivery.deliver_due(harness.ctx, sender, harness.clock.now())

    assert sorted(address for e in smtp.received for address in e.rcpt_tos) == [
        "intake@ero-bos.example",
        "intake@ero-mail.example",
    ]


@pytest.mark.parametrize("stage", ["rcpt", "data"])
def test_an_smtp_refusal_is_a_failed_attempt_that_is_retried(
    stage: str, harness: Harness, smtp: Mailbox, sender: EmailSender
) -> None:
    smtp.refuse = stage
    harness.book()
    detainer = harness.review(harness.lodge(MAIL_AGENCY).id, ReviewChoice.HONOR)
    [message] = harness.pending(detainer.id, Channel.EMAIL)
    clock = harness.clock

    report = delivery.deliver_due(harness.ctx, sender, clock.now(), rng=random.Random(1))

    assert (report.delivered, report.failed) == (0, 1)
    assert smtp.refused == 1
    assert smtp.received == []
    [attempt] = harness.attempts(message.id)
    assert not attempt.succeeded
    assert "550" in (attempt.error or "")
    retry = harness.message(message.id)
    assert retry.status is MessageStatus.PENDING
    assert retry.due_at > clock.now()

    smtp.refuse = None
    clock.at = retry.due_at
    report = delivery.deliver_due(harness.ctx, sender, clock.now())

    assert report.delivered == 1
    [envelope] = smtp.received
    assert _parsed(envelope.original_content or b"")["Message-ID"] == (
        f"<{message.key.replace('/', '.')}@detainers>"
    )
    assert harness.message(message.id).status is MessageStatus.DELIVERED
    assert [a.succeeded for a in harness.attempts(message.id)] == [False, True]


def test_an_email_for_a_release_that_is_off_keeps_its_whole_message_id(
    harness: Harness, smtp: Mailbox, sender: EmailSender
) -> None:
    clock = harness.clock
    booking = harness.book(scheduled_release_at=clock.now() + timedelta(days=3))
    detainer = harness.review(harness.lodge(MAIL_AGENCY).id, ReviewChoice.HONOR)
    clock.advance(days=1)
    notices.fire_due_timers(harness.ctx, clock.now())
    clock.advance(hours=1)
    bookings.schedule_release(
        c.ScheduleRelease(booking_id=booking.id, release_at=None, actor=CLERK), harness.ctx
    )
    [off] = [
        m
        for m in harness.pending(detainer.id, Channel.EMAIL)
        if m.type is MessageType.RELEASE_NOTICE_CORRECTED
    ]

    delivery.deliver_due(harness.ctx, sender, clock.now())

    mails = [_parsed(e.original_content or b"") for e in smtp.received]
    assert len(mails) == 3  # the decision, the notice, and the notice that the release is off
    assert [m["Message-ID"].defects for m in mails] == [(), (), ()]
    [mail] = [m for m in mails if _event(m)["id"] == off.key]
    assert _event(mail)["data"]["release_at"] is None
    # The whole key survives in the id (its colons and slashes made into what an id may hold).
    assert re.sub(r"\W", "", mail["Message-ID"]) == re.sub(r"\W", "", off.key) + "detainers"
