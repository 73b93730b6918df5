"""Senders: webhooks over aiohttp (no redirects, bounded time), e-mail over SMTP, one dispatcher.

Outbound calls go only to configured endpoints: the target comes from the
endpoint table, never from a message. A redirect is a failure, not a hop.
"""

from __future__ import annotations

import asyncio
import re
import smtplib
import ssl
import threading
import urllib.parse
import urllib.request
import weakref
from collections.abc import Coroutine, Sequence
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage
from typing import TypeVar

import aiohttp

from detainers.adapters.notifications.envelope import cloud_event, headers
from detainers.domain.notification import Channel
from detainers.services.delivery import Delivered, Outgoing

_T = TypeVar("_T")

USER_AGENT = "detainers-webhooks"
# A receiver's answer beyond this is not read (only its status matters).
MAX_ANSWER_BYTES = 64 * 1024
# A whole request (connect, send, answer) may take this many `timeout`s at most.
TOTAL_TIMEOUTS = 3


class WebhookSender:
    """POSTs each message's CloudEvent to its endpoint; a 2xx is the acknowledgement.

    The requests of a batch run concurrently (at most `concurrency` at once, keep-alive
    connections pooled per host) on one event loop in a thread of the sender's own:
    a thread per request cost more CPU, on a small machine, than the HTTP itself.
    `timeout` bounds connecting and each wait for the receiver's bytes, and three of
    them a whole request; a timeout is that message's failure. A proxy named by the
    environment (`HTTPS_PROXY`, `NO_PROXY`, ...) is used, looked up once per target.
    """

    def __init__(self, *, timeout: float = 5.0, concurrency: int = 32) -> None:
        self._timeout = timeout
        self._concurrency = concurrency
        self._loop = asyncio.new_event_loop()
        self._thread = threading.Thread(
            target=self._loop.run_forever, name="webhook-sender", daemon=True
        )
        self._thread.start()
        self._session, self._slots = self._run(self._open())
        self._proxies: dict[str, str | None] = {}
        # Closed by `close()`, or else when collected or at exit (the API's embedded worker
        # never closes its sender): an open session only warns then, and its loop leaks.
        self._closer = weakref.finalize(self, _shut, self._loop, self._thread, self._session)

    def _run(self, work: Coroutine[None, None, _T]) -> _T:
        return asyncio.run_coroutine_threadsafe(work, self._loop).result()

    async def _open(self) -> tuple[aiohttp.ClientSession, asyncio.Semaphore]:
        session = aiohttp.ClientSession(
            connector=aiohttp.TCPConnector(limit=self._concurrency),
            # Each wait is bounded, and so is the whole request: a receiver that
            # trickles bytes cannot hold a worker's batch for longer than that.
            timeout=aiohttp.ClientTimeout(
                total=self._timeout * TOTAL_TIMEOUTS,
                sock_connect=self._timeout,
                sock_read=self._timeout,
            ),
            headers={"User-Agent": USER_AGENT},
        )
        # Requests wait for a slot before they start, so a batch's queue does not count
        # against each request's whole-request limit (the connector's own wait would).
        return session, asyncio.Semaphore(self._concurrency)

    def send(self, batch: Sequence[Outgoing], now: datetime) -> Sequence[Delivered]:
        if not self._closer.alive:
            raise RuntimeError("the webhook sender is closed")
        if not batch:
            return []
        return self._run(self._send_all(batch, now))

    async def _send_all(self, batch: Sequence[Outgoing], now: datetime) -> list[Delivered]:
        return list(await asyncio.gather(*(self._one(o, now) for o in batch)))

    async def _one(self, outgoing: Outgoing, now: datetime) -> Delivered:
        message = outgoing.message
        if not outgoing.secrets:
            return _failed(message.id, "the endpoint has no signing secret")
        body = cloud_event(message)
        target = outgoing.target
        try:
            if target not in self._proxies:
                self._proxies[target] = _proxy_from_environment(target)
            async with (
                self._slots,
                self._session.post(
                    target,
                    data=body,
                    headers=headers(message, body, outgoing.secrets, now),
                    allow_redirects=False,
                    proxy=self._proxies[target],
                ) as response,
            ):
                status = response.status
                await _drain(response)  # the status is the answer, whatever follows it
        except aiohttp.ConnectionTimeoutError:
            return _failed(message.id, f"ConnectTimeout: no connection within {self._timeout} s")
        except aiohttp.SocketTimeoutError:
            return _failed(
                message.id, f"ReadTimeout: the receiver was silent for {self._timeout} s"
            )
        except TimeoutError:
            whole = self._timeout * TOTAL_TIMEOUTS
            return _failed(message.id, f"Timeout: no complete answer within {whole:g} s")
        except Exception as e:
            # Whatever one endpoint does (aiohttp's InvalidURL, an IDNA UnicodeError from
            # the resolver) fails that message's attempt, never the batch: one bad URL must
            # not stop every other delivery.
            return _failed(message.id, f"{type(e).__name__}: {e}"[:500])
        ok = 200 <= status < 300
        return Delivered(
            message_id=message.id,
            ok=ok,
            status_code=status,
            error=None if ok else f"the receiver answered {status}",
        )

    def close(self) -> None:
        self._closer()


def _failed(message_id: str, error: str) -> Delivered:
    """A message this sender could not deliver, and why."""
    return Delivered(message_id=message_id, ok=False, error=error)


async def _drain(response: aiohttp.ClientResponse) -> None:
    """Read the receiver's answer, so its connection goes back to the pool; drop a long one.

    Only the status counts. An answer over `MAX_ANSWER_BYTES` is not read to its end: the
    connection is closed instead, so a hostile endpoint cannot make the worker swallow an
    endless body.
    """
    seen = 0
    try:
        async for chunk in response.content.iter_chunked(16_384):
            seen += len(chunk)
            if seen > MAX_ANSWER_BYTES:
                response.close()
                return
    except (aiohttp.ClientError, TimeoutError):
        response.close()  # a body cut short or too slow: the status already came


def _shut(
    loop: asyncio.AbstractEventLoop, thread: threading.Thread, session: aiohttp.ClientSession
) -> None:
    asyncio.run_coroutine_threadsafe(session.close(), loop).result()
    loop.call_soon_threadsafe(loop.stop)
    thread.join()
    loop.close()


def _proxy_from_environment(target: str) -> str | None:
    """The proxy the environment names for `target`, if any (as httpx and curl read it).

    aiohttp's own `trust_env` reads the environment, and a netrc file, on every request:
    that tripled the sender's CPU per request.
    """
    parts = urllib.parse.urlsplit(target)
    proxies = urllib.request.getproxies()
    proxy = proxies.get(parts.scheme) or proxies.get("all")
    if proxy is None or urllib.request.proxy_bypass(parts.hostname or ""):
        return None
    return proxy


@dataclass(frozen=True, kw_only=True)
class SmtpSettings:
    host: str
    port: int
    sender: str
    timeout: float = 10.0


# Characters a Message-ID's left part may not hold (RFC 5322 atext, the dot aside): a colon,
# as in a key with a timestamp, would otherwise end the id where it stands.
_NOT_ATEXT = re.compile(r"[^A-Za-z0-9!#$%&'*+\-=?^_`{|}~]+")


def message_id(key: str) -> str:
    """The e-mail Message-ID for a message's key: one key, one id, so duplicates can be dropped."""
    return f"<{_NOT_ATEXT.sub('.', key).strip('.')}@detainers>"


class EmailSender:
    """One SMTP session per batch, upgraded with STARTTLS where the server offers it."""

    def __init__(self, settings: SmtpSettings | None) -> None:
        self._settings = settings

    def send(self, batch: Sequence[Outgoing], now: datetime) -> Sequence[Delivered]:
        if not batch:
            return []
        s = self._settings
        if s is None:
            return [_failed(o.message.id, "no SMTP server is configured") for o in batch]
        try:
            with smtplib.SMTP(s.host, s.port, timeout=s.timeout) as smtp:
                smtp.ehlo()
                if smtp.has_extn("starttls"):
                    smtp.starttls(context=ssl.create_default_context())
                    smtp.ehlo()
                return [self._one(smtp, o, s.sender) for o in batch]
        except (OSError, smtplib.SMTPException) as e:
            return [_failed(o.message.id, f"SMTP: {type(e).__name__}: {e}"[:500]) for o in batch]

    @staticmethod
    def _one(smtp: smtplib.SMTP, outgoing: Outgoing, sender: str) -> Delivered:
        message = outgoing.message
        mail = EmailMessage()
        mail["From"] = sender
        mail["To"] = outgoing.target
        mail["Subject"] = f"[detainers] {message.type.description}"
        mail["Message-ID"] = message_id(message.key)
        lines = [
            message.type.description,
            "",
            *(f"{key}: {value}" for key, value in sorted(message.data.items())),
            "",
            "Read the record in the detainers application; this e-mail holds opaque ids only.",
        ]
        mail.set_content("\n".join(lines))
        mail.add_attachment(
            cloud_event(message),
            maintype="application",
            subtype="cloudevents+json",
            filename="event.json",
        )
        try:
            refused = smtp.send_message(mail)
        except smtplib.SMTPException as e:
            return _failed(message.id, f"SMTP: {type(e).__name__}: {e}"[:500])
        if refused:
            return _failed(message.id, f"SMTP refused {sorted(refused)}")
        return Delivered(message_id=message.id, ok=True, status_code=250)


class Dispatcher:
    """Sends each message by its channel's sender."""

    def __init__(self, webhook: WebhookSender, email: EmailSender) -> None:
        self._webhook = webhook
        self._email = email

    def send(self, batch: Sequence[Outgoing], now: datetime) -> Sequence[Delivered]:
        hooks = [o for o in batch if o.message.channel is Channel.WEBHOOK]
        mails = [o for o in batch if o.message.channel is Channel.EMAIL]
        others = [
            _failed(o.message.id, f"no sender for channel {o.message.channel}")
            for o in batch
            if o.message.channel not in (Channel.WEBHOOK, Channel.EMAIL)
        ]
        return [*self._webhook.send(hooks, now), *self._email.send(mails, now), *others]

    def close(self) -> None:
        self._webhook.close()
