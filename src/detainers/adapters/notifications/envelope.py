"""The wire format: a CloudEvents 1.0 structured-JSON envelope, signed per Standard Webhooks.

The envelope carries opaque ids and codes only; `subject` is the detainer's
id, never a name, date of birth or identifier. The signature is HMAC-SHA256
over `{webhook-id}.{webhook-timestamp}.{body}`, base64, as `v1,<signature>`;
while a secret is being rotated both the new and the previous secret sign.
"""

from __future__ import annotations

import base64
import hashlib
import hmac
import json
from datetime import datetime

from detainers.domain.notification import Message

SOURCE = "/detainers"
SECRET_PREFIX = "whsec_"  # noqa: S105 (a format marker, not a secret)


def cloud_event(message: Message) -> bytes:
    document = {
        "specversion": "1.0",
        "id": message.key,
        "source": SOURCE,
        "type": message.type.value,
        "subject": message.subject,
        "time": message.created_at.isoformat(),
        "datacontenttype": "application/json",
        "data": message.data,
    }
    return json.dumps(document, separators=(",", ":"), sort_keys=True).encode()


def secret_bytes(secret: str) -> bytes:
    """A `whsec_`-prefixed base64 secret decoded, or any other secret's UTF-8 bytes."""
    if secret.startswith(SECRET_PREFIX):
        return base64.b64decode(secret.removeprefix(SECRET_PREFIX))
    return secret.encode()


def signature(secret: str, webhook_id: str, timestamp: int, body: bytes) -> str:
    signed = f"{webhook_id}.{timestamp}.".encode() + body
    digest = hmac.new(secret_bytes(secret), signed, hashlib.sha256).digest()
    return "v1," + base64.b64encode(digest).decode()


def headers(
    message: Message, body: bytes, secrets: tuple[str, ...], now: datetime
) -> dict[str, str]:
    timestamp = int(now.timestamp())
    return {
        "content-type": "application/cloudevents+json",
        "webhook-id": message.key,
        "webhook-timestamp": str(timestamp),
        "webhook-signature": " ".join(signature(s, message.key, timestamp, body) for s in secrets),
    }


def verify(secret: str, headers: dict[str, str], body: bytes) -> bool:
    """Whether any `v1` signature in `headers` was made with `secret` (what a receiver checks)."""
    try:
        timestamp = int(headers["webhook-timestamp"])
        webhook_id = headers["webhook-id"]
    except (KeyError, ValueError):
        return False
    expected = signature(secret, webhook_id, timestamp, body)
    return any(
        hmac.compare_digest(expected, given)
        for given in headers.get("webhook-signature", "").split()
    )
