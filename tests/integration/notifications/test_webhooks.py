"""Webhooks to real HTTP receivers on loopback: signed CloudEvents, retries, dead letters, rotation.

Each test drives the use cases on a real database (SQLite and PostgreSQL),
then runs `delivery.deliver_due` with the real `WebhookSender` against a
`http.server` receiver that checks signatures with `envelope.verify`. Time
is a `FixedClock` moved by hand, so the retry schedule is walked without
sleeping.
"""

from __future__ import annotations

import base64
import json
import random
import socket
import threading
import time
from collections.abc import Callable, Iterator
from datetime import UTC, datetime, timedelta

import pytest

from detainers.adapters.notifications.envelope import verify
from detainers.adapters.notifications.senders import WebhookSender
from detainers.domain import commands as c
from detainers.domain.errors import InvalidValue
from detainers.domain.notification import (
    RETRY_BASE,
    RETRY_BUDGET,
    RETRY_CAP,
    SECRET_OVERLAP,
    Audience,
    Channel,
    MessageStatus,
    MessageType,
)
from detainers.domain.vocabulary import ReleaseReason, ReviewChoice
from detainers.services import bookings, delivery, inbox, notices
from tests.integration.api.conftest import AGENCY, FACILITY
from tests.integration.notifications.conftest import (
    CLERK,
    PERSON_DATA,
    Harness,
    Receiver,
)

FACILITY_SECRET = "whsec_" + base64.b64encode(b"facility-signing-key-32-bytes!!!").decode()
AGENCY_SECRET = "agency-plain-secret-0123456789"


@pytest.fixture
def sender() -> Iterator[WebhookSender]:
    made = WebhookSender(timeout=0.3, concurrency=4)
    yield made
    made.close()


def test_a_receiver_gets_signed_cloudevents_with_the_documented_headers_and_no_person_data(
    harness: Harness, receiver: Callable[..., Receiver], sender: WebhookSender
) -> None:
    hooks = receiver(secrets=[FACILITY_SECRET, AGENCY_SECRET])
    harness.set_endpoint(
        Audience.FACILITY, FACILITY, Channel.WEBHOOK, f"{hooks.url}/facility", FACILITY_SECRET
    )
    harness.set_endpoint(
        Audience.AGENCY, AGENCY, Channel.WEBHOOK, f"{hooks.url}/agency", AGENCY_SECRET
    )
    clock = harness.clock
    booking = harness.book(scheduled_release_at=clock.now() + timedelta(days=3))
    detainer = harness.review(harness.lodge().id, ReviewChoice.HONOR)
    clock.advance(days=1)  # the release notice is due 48 hours before the release
    assert notices.fire_due_timers(harness.ctx, clock.now()) == 1
    clock.advance(hours=1)
    bookings.mark_releasable(
        c.MarkReleasable(booking_id=booking.id, reason=ReleaseReason.BOND_POSTED, actor=CLERK),
        harness.ctx,
    )

    report = delivery.deliver_due(harness.ctx, sender, clock.now())

    assert (report.claimed, report.delivered, report.failed) == (4, 4, 0)
    assert len(hooks.accepted) == len(hooks.requests) == 4
    sent = {m.key: m for m in harness.messages(detainer.id) if m.channel is Channel.WEBHOOK}
    assert all(m.status is MessageStatus.DELIVERED and m.attempts == 1 for m in sent.values())
    seen: dict[str, str] = {}
    for request in hooks.requests:
        headers, event = request.headers, json.loads(request.body)
        assert headers["content-type"] == "application/cloudevents+json"
        assert headers["webhook-id"] == event["id"]
        assert event["id"] in sent  # the id is the message's key: receivers drop duplicates
        assert headers["webhook-timestamp"] == str(int(clock.now().timestamp()))
        assert headers["webhook-signature"].startswith("v1,")
        secret = FACILITY_SECRET if request.path == "/hooks/facility" else AGENCY_SECRET
        other = AGENCY_SECRET if secret == FACILITY_SECRET else FACILITY_SECRET
        assert verify(secret, headers, request.body)
        assert not verify(other, headers, request.body)
        assert not verify(secret, headers, request.body.replace(b"}", b" }", 1))
        assert event["specversion"] == "1.0"
        assert event["source"] == "/detainers"
        assert event["subject"] == detainer.id
        assert event["datacontenttype"] == "application/json"
        assert event["data"]["detainer_id"] == detainer.id
        seen[event["type"]] = request.path
        raw = (request.raw_headers + request.body).lower()
        leaked = [value for value in PERSON_DATA if value.lower().encode() in raw]
        assert leaked == [], f"person data in a webhook: {leaked}"
    assert seen == {
        MessageType.DETAINER_LODGED.value: "/hooks/facility",
        MessageType.DECISION_RECORDED.value: "/hooks/agency",
        MessageType.RELEASE_NOTICE.value: "/hooks/agency",
        MessageType.HOLD_STARTED.value: "/hooks/facility",
    }
    [attempt] = harness.attempts(next(iter(sent.values())).id)
    assert (attempt.succeeded, attempt.status_code, attempt.error) == (True, 204, None)
    assert delivery.deliver_due(harness.ctx, sender, clock.now()).claimed == 0


@pytest.mark.parametrize("mode", ["fail", "hang", "redirect"])
def test_a_failing_receiver_is_retried_with_backoff_until_the_message_is_dead_and_the_facility_is_alarmed(
    mode: str, harness: Harness, receiver: Callable[..., Receiver], sender: WebhookSender
) -> None:
    elsewhere = receiver(secrets=[AGENCY_SECRET])
    hooks = receiver(mode, redirect_to=elsewhere.url)
    harness.set_endpoint(Audience.AGENCY, AGENCY, Channel.WEBHOOK, hooks.url, AGENCY_SECRET)
    harness.book()
    detainer = harness.review(harness.lodge().id, ReviewChoice.HONOR)
    [message] = harness.pending(detainer.id, Channel.WEBHOOK)
    clock, rng = harness.clock, random.Random(7)
    expected = {
        "fail": (500, "the receiver answered 500"),
        "hang": (None, "ReadTimeout"),
        "redirect": (303, "the receiver answered 303"),
    }[mode]

    for attempt in range(1, RETRY_BUDGET + 1):
        report = delivery.deliver_due(harness.ctx, sender, clock.now(), rng=rng)
        assert report.claimed == 1
        tried = harness.attempts(message.id)
        assert len(tried) == attempt
        assert not tried[-1].succeeded
        assert tried[-1].attempted_at == clock.now()
        assert tried[-1].status_code == expected[0]
        assert expected[1] in (tried[-1].error or "")
        now, message = clock.now(), harness.message(message.id)
        assert message.attempts == attempt
        if attempt == RETRY_BUDGET:
            break
        assert (report.failed, report.dead) == (1, 0)
        assert message.status is MessageStatus.PENDING
        ceiling = min(RETRY_CAP, RETRY_BASE * 2 ** (attempt - 1))
        assert now + ceiling / 2 <= message.due_at <= now + ceiling  # full jitter, upper half
        clock.at = message.due_at - timedelta(milliseconds=1)
        assert delivery.deliver_due(harness.ctx, sender, clock.now()).claimed == 0  # not early
        clock.at = message.due_at

    assert (report.failed, report.dead) == (0, 1)
    assert message.status is MessageStatus.DEAD
    assert message.last_error is not None
    assert expected[1] in message.last_error
    assert len(hooks.requests) == RETRY_BUDGET  # every attempt reached the receiver
    assert elsewhere.requests == []  # a redirect is a failure, never a hop
    [alarm] = [m for m in harness.facility_inbox() if m.type is MessageType.DELIVERY_FAILED]
    assert alarm.subject == detainer.id
    assert alarm.data["message_id"] == message.id
    assert alarm.data["attempts"] == RETRY_BUDGET
    assert alarm.data["channel"] == "webhook"
    assert alarm.data["recipient"] == f"agency:{AGENCY}"
    assert alarm.acknowledged_at is None
    clock.advance(hours=1)
    assert delivery.deliver_due(harness.ctx, sender, clock.now()).claimed == 0
    assert len(hooks.requests) == RETRY_BUDGET


def test_a_receiver_that_knows_only_the_old_secret_is_served_until_the_overlap_ends(
    harness: Harness, receiver: Callable[..., Receiver], sender: WebhookSender
) -> None:
    old, new = FACILITY_SECRET, AGENCY_SECRET
    hooks = receiver(secrets=[old])
    harness.set_endpoint(Audience.AGENCY, AGENCY, Channel.WEBHOOK, hooks.url, old)
    harness.book()
    detainer = harness.lodge()
    clock = harness.clock
    choices = iter([ReviewChoice.HONOR, ReviewChoice.NOTIFY_ONLY] * 3)

    def decision_sent() -> tuple[str, list[str]]:
        harness.review(detainer.id, next(choices))
        [message] = harness.pending(detainer.id, Channel.WEBHOOK)
        delivery.deliver_due(harness.ctx, sender, clock.now())
        request = hooks.requests[-1]
        signatures = request.headers["webhook-signature"].split()
        signed_by = [s for s in (old, new) if verify(s, request.headers, request.body)]
        assert len(signatures) == len(signed_by)
        return message.id, signed_by

    first, signed_by = decision_sent()
    assert signed_by == [old]
    assert harness.message(first).status is MessageStatus.DELIVERED

    clock.advance(hours=1)
    rotated_at = clock.now()
    harness.set_endpoint(Audience.AGENCY, AGENCY, Channel.WEBHOOK, hooks.url, new)
    [endpoint] = inbox.endpoints_of(Audience.AGENCY, AGENCY, harness.ctx)
    assert endpoint.previous_secret == old
    assert endpoint.previous_until == rotated_at + SECRET_OVERLAP

    clock.advance(minutes=1)
    during, signed_by = decision_sent()
    assert signed_by == [old, new]
    assert harness.message(during).status is MessageStatus.DELIVERED

    clock.at = rotated_at + SECRET_OVERLAP - timedelta(seconds=1)
    last, signed_by = decision_sent()
    assert signed_by == [old, new]
    assert harness.message(last).status is MessageStatus.DELIVERED

    clock.at = rotated_at + SECRET_OVERLAP
    after, signed_by = decision_sent()
    assert signed_by == [new]
    refused = harness.message(after)
    assert refused.status is MessageStatus.PENDING
    assert harness.attempts(after)[-1].status_code == 401

    hooks.secrets[:] = [new]  # the receiver catches up; the retry gets through
    clock.at = refused.due_at
    delivery.deliver_due(harness.ctx, sender, clock.now())
    assert harness.message(after).status is MessageStatus.DELIVERED
    assert len(hooks.accepted) == 4


def test_an_endpoint_url_the_sender_cannot_use_fails_its_own_message_not_the_round(
    harness: Harness, receiver: Callable[..., Receiver], sender: WebhookSender
) -> None:
    hooks = receiver(secrets=[FACILITY_SECRET])
    harness.set_endpoint(Audience.FACILITY, FACILITY, Channel.WEBHOOK, hooks.url, FACILITY_SECRET)
    # A host name with an empty label passes the endpoint's check; the resolver cannot encode it.
    harness.set_endpoint(
        Audience.AGENCY, AGENCY, Channel.WEBHOOK, "https://ero-bos..example/hooks", AGENCY_SECRET
    )
    harness.book()
    detainer = harness.review(harness.lodge().id, ReviewChoice.HONOR)

    report = delivery.deliver_due(harness.ctx, sender, harness.clock.now())

    assert (report.claimed, report.delivered, report.failed) == (2, 1, 1)
    assert [json.loads(r.body)["type"] for r in hooks.accepted] == [
        MessageType.DETAINER_LODGED.value
    ]
    [agency] = [
        m
        for m in harness.messages(detainer.id)
        if m.audience is Audience.AGENCY and m.channel is Channel.WEBHOOK
    ]
    [attempt] = harness.attempts(agency.id)
    assert not attempt.succeeded
    assert attempt.status_code is None
    assert (attempt.error or "").startswith("UnicodeError: ")
    assert harness.message(agency.id).status is MessageStatus.PENDING


@pytest.mark.parametrize(
    "url", ["http://ero-bos.example:https/hooks", "http://ero-bos.example:70000/", "http://[::1/x"]
)
def test_an_endpoint_url_whose_port_or_host_cannot_be_read_is_refused_when_set(
    url: str, harness: Harness
) -> None:
    with pytest.raises(InvalidValue) as refused:
        harness.set_endpoint(Audience.AGENCY, AGENCY, Channel.WEBHOOK, url, AGENCY_SECRET)

    assert f"[{url}]" in str(refused.value)
    assert inbox.endpoints_of(Audience.AGENCY, AGENCY, harness.ctx) == []


@pytest.mark.parametrize("variable", ["HTTP_PROXY", "ALL_PROXY"])
def test_a_proxy_named_by_the_environment_carries_webhooks_except_to_hosts_it_exempts(
    variable: str,
    harness: Harness,
    receiver: Callable[..., Receiver],
    sender: WebhookSender,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    proxy = receiver(secrets=[AGENCY_SECRET])
    direct = receiver(secrets=[FACILITY_SECRET])
    for name in ("http_proxy", "HTTP_PROXY", "all_proxy", "ALL_PROXY", "no_proxy"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv(variable, proxy.url.removesuffix("/hooks"))
    monkeypatch.setenv("NO_PROXY", "127.0.0.1")
    # Only the proxy knows this host: a direct connection could not reach it.
    beyond = "http://hooks.ero-bos.example/agency"
    harness.set_endpoint(Audience.AGENCY, AGENCY, Channel.WEBHOOK, beyond, AGENCY_SECRET)
    harness.set_endpoint(Audience.FACILITY, FACILITY, Channel.WEBHOOK, direct.url, FACILITY_SECRET)
    harness.book()
    harness.review(harness.lodge().id, ReviewChoice.HONOR)

    report = delivery.deliver_due(harness.ctx, sender, harness.clock.now())

    assert (report.claimed, report.delivered) == (2, 2)
    [relayed] = proxy.accepted
    assert relayed.path == beyond  # the absolute form a proxy is asked for
    assert json.loads(relayed.body)["type"] == MessageType.DECISION_RECORDED.value
    [straight] = direct.accepted
    assert json.loads(straight.body)["type"] == MessageType.DETAINER_LODGED.value


class _Misbehaving:
    """A raw loopback receiver: `endless` answers 200 then streams a body without end;
    `trickle` sends its status line, then a header byte every 50 ms, never finishing."""

    def __init__(self, mode: str) -> None:
        self.mode = mode
        self.sent = 0
        self.closed = threading.Event()
        self._listener = socket.create_server(("127.0.0.1", 0))
        self.url = f"http://127.0.0.1:{self._listener.getsockname()[1]}/hooks"
        self._thread = threading.Thread(target=self._serve, daemon=True)
        self._thread.start()

    def _serve(self) -> None:
        conn, _ = self._listener.accept()
        conn.settimeout(10)
        with conn:
            conn.recv(65_536)
            try:
                if self.mode == "endless":
                    conn.sendall(b"HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n")
                    chunk = b"4000\r\n" + b"x" * 0x4000 + b"\r\n"
                    while self.sent < 512 * 1024 * 1024:
                        conn.sendall(chunk)
                        self.sent += 0x4000
                else:
                    conn.sendall(b"HTTP/1.1 200 OK\r\n")
                    for _ in range(400):
                        conn.sendall(b"X")
                        time.sleep(0.05)
            except OSError:
                pass  # the sender hung up: what these receivers are for
        self.closed.set()

    def stop(self) -> None:
        self._listener.close()


@pytest.mark.parametrize("mode", ["endless", "trickle"])
def test_a_receiver_cannot_hold_the_sender_with_an_endless_or_trickling_answer(
    mode: str, harness: Harness, sender: WebhookSender
) -> None:
    hostile = _Misbehaving(mode)
    try:
        harness.set_endpoint(Audience.AGENCY, AGENCY, Channel.WEBHOOK, hostile.url, AGENCY_SECRET)
        harness.book()
        detainer = harness.review(harness.lodge().id, ReviewChoice.HONOR)
        [message] = harness.pending(detainer.id, Channel.WEBHOOK)

        started = time.monotonic()
        delivery.deliver_due(harness.ctx, sender, harness.clock.now())
        took = time.monotonic() - started

        [attempt] = harness.attempts(message.id)
        # The sender's timeout is 0.3 s: a whole request is bounded by three of them.
        assert took < 3, took
        assert hostile.closed.wait(5), "the sender never hung up"
        if mode == "endless":
            # Only the status counts: a 200 is delivered, and the body is not swallowed.
            assert (attempt.succeeded, attempt.status_code) == (True, 200)
            assert hostile.sent < 16 * 1024 * 1024
        else:
            assert not attempt.succeeded
            assert attempt.error == "Timeout: no complete answer within 0.9 s", attempt.error
    finally:
        hostile.stop()


def test_a_closed_sender_says_so_instead_of_sending(sender: WebhookSender) -> None:
    sender.close()
    with pytest.raises(RuntimeError, match="the webhook sender is closed"):
        sender.send([], datetime.now(UTC))
