"""Senders: webhooks over httpx (no redirects, bounded time), e-mail over SMTP, one dispatcher.

Outbound calls go only to configured endpoints: the target comes from the
endpoint table, never from a message. A redirect is a failure, not a hop.
"""

from __future__ import annotations

import re
import smtplib
import ssl
from collections.abc import Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from datetime import datetime
from email.message import EmailMessage

import httpx

from detainers.adapters.notifications.envelope import cloud_event, headers
from detainers.domain.notification import Channel
from detainers.services.delivery import Delivered, Outgoing


class WebhookSender:
    """POSTs each message's CloudEvent to its endpoint; a 2xx is the acknowledgement."""

    def __init__(
        self, *, timeout: float = 5.0, concurrency: int = 32, client: httpx.Client | None = None
    ) -> None:
        self._client = client or httpx.Client(
            timeout=timeout,
            follow_redirects=False,
            limits=httpx.Limits(max_connections=concurrency, max_keepalive_connections=concurrency),
        )
        self._pool = ThreadPoolExecutor(max_workers=concurrency, thread_name_prefix="webhook")

    def send(self, batch: Sequence[Outgoing], now: datetime) -> Sequence[Delivered]:
        return list(self._pool.map(lambda o: self._one(o, now), batch))

    def _one(self, outgoing: Outgoing, now: datetime) -> Delivered:
        message = outgoing.message
        if not outgoing.secrets:
            return Delivered(
                message_id=message.id, ok=False, error="the endpoint has no signing secret"
            )
        body = cloud_event(message)
        try:
            response = self._client.post(
                outgoing.target, content=body, headers=headers(message, body, outgoing.secrets, now)
            )
        except Exception as e:
            # Whatever one endpoint does (httpx's InvalidURL, an IDNA UnicodeError from the
            # resolver) fails that message's attempt, never the batch: one bad URL must
            # not stop every other delivery.
            return Delivered(
                message_id=message.id, ok=False, error=f"{type(e).__name__}: {e}"[:500]
            )
        ok = 200 <= response.status_code < 300
        return Delivered(
            message_id=message.id,
            ok=ok,
            status_code=response.status_code,
            error=None if ok else f"the receiver answered {response.status_code}",
        )

    def close(self) -> None:
        self._pool.shutdown(wait=True)
        self._client.close()


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
            return [
                Delivered(message_id=o.message.id, ok=False, error="no SMTP server is configured")
                for o in batch
            ]
        try:
            with smtplib.SMTP(s.host, s.port, timeout=s.timeout) as smtp:
                smtp.ehlo()
                if smtp.has_extn("starttls"):
                    smtp.starttls(context=ssl.create_default_context())
                    smtp.ehlo()
                return [self._one(smtp, o, s.sender) for o in batch]
        except (OSError, smtplib.SMTPException) as e:
            return [
                Delivered(
                    message_id=o.message.id, ok=False, error=f"SMTP: {type(e).__name__}: {e}"[:500]
                )
                for o in batch
            ]

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
            return Delivered(
                message_id=message.id, ok=False, error=f"SMTP: {type(e).__name__}: {e}"[:500]
            )
        if refused:
            return Delivered(
                message_id=message.id, ok=False, error=f"SMTP refused {sorted(refused)}"
            )
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
            Delivered(
                message_id=o.message.id,
                ok=False,
                error=f"no sender for channel {o.message.channel}",
            )
            for o in batch
            if o.message.channel not in (Channel.WEBHOOK, Channel.EMAIL)
        ]
        return [*self._webhook.send(hooks, now), *self._email.send(mails, now), *others]

    def close(self) -> None:
        self._webhook.close()
