"""The ASGI layer around every request: request id, size limit, security headers, metrics.

Pure ASGI (no per-request task switching), so it costs little under load.
Headers follow OWASP ASVS: HSTS for a year, a CSP that allows nothing and
no framing, `nosniff`, no referrer, and `Cache-Control: no-store` because
responses can hold criminal-justice information. An unhandled error is
answered here as a generic 500 problem, so that answer carries them too.
"""

from __future__ import annotations

import json
import re
import time
import uuid
from collections.abc import Awaitable, Callable, MutableMapping
from typing import Any

from prometheus_client import CollectorRegistry, Counter, Histogram

Scope = MutableMapping[str, Any]
Message = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[Message]]
Send = Callable[[Message], Awaitable[None]]
ASGIApp = Callable[[Scope, Receive, Send], Awaitable[None]]

MAX_BODY_BYTES = 1_000_000
_REQUEST_ID = re.compile(r"^[A-Za-z0-9._-]{1,100}$")

SECURITY_HEADERS: list[tuple[bytes, bytes]] = [
    (b"strict-transport-security", b"max-age=31536000; includeSubDomains"),
    (b"content-security-policy", b"default-src 'none'; frame-ancestors 'none'; base-uri 'none'"),
    (b"x-content-type-options", b"nosniff"),
    (b"x-frame-options", b"DENY"),
    (b"referrer-policy", b"no-referrer"),
    (b"cache-control", b"no-store"),
    (b"cross-origin-opener-policy", b"same-origin"),
    (b"cross-origin-resource-policy", b"same-origin"),
]


class Metrics:
    """Request counts and latencies by route template (never by raw path: ids are data)."""

    def __init__(self) -> None:
        self.registry = CollectorRegistry()
        self.requests = Counter(
            "detainers_http_requests",
            "HTTP requests by method, route template and status",
            ["method", "route", "status"],
            registry=self.registry,
        )
        self.latency = Histogram(
            "detainers_http_request_seconds",
            "HTTP request latency by method and route template",
            ["method", "route"],
            registry=self.registry,
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
        )


class Guard:
    def __init__(self, app: ASGIApp, metrics: Metrics, max_body: int = MAX_BODY_BYTES) -> None:
        self.app = app
        self.metrics = metrics
        self.max_body = max_body

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started = time.perf_counter()
        request_id = _request_id(scope)
        scope.setdefault("state", {})["request_id"] = request_id
        status = 500
        declared = _content_length(scope)
        if declared is not None and declared > self.max_body:
            await _too_large(send, request_id, self.max_body)
            self._observe(scope, 413, started)
            return
        seen = 0
        too_large = False
        responded = False

        async def limited_receive() -> Message:
            nonlocal seen, too_large
            message = await receive()
            if message["type"] == "http.request":
                seen += len(message.get("body", b""))
                if seen > self.max_body:
                    too_large = True
                    raise _BodyTooLarge()
            return message

        async def decorated_send(message: Message) -> None:
            nonlocal status, responded
            if too_large:
                # The framework may turn the refusal into an answer of its own (a 400
                # "error parsing the body" for a chunked body); the client gets the reason.
                if message["type"] == "http.response.start" and not responded:
                    responded = True
                    status = 413
                    await _too_large(send, request_id, self.max_body)
                return
            if message["type"] == "http.response.start":
                responded = True
                status = message["status"]
                headers = [(k, v) for k, v in message.get("headers", []) if k.lower() not in _OURS]
                headers.extend(SECURITY_HEADERS)
                headers.append((b"x-request-id", request_id.encode()))
                message["headers"] = headers
            await send(message)

        try:
            await self.app(scope, limited_receive, decorated_send)
        except _BodyTooLarge:
            if not responded:
                await _too_large(send, request_id, self.max_body)
            status = 413
        except Exception:
            # Starlette answers an unhandled error outside this guard, so without the
            # security headers; answer here, then re-raise so the server logs it.
            if not responded:
                await _internal_error(send, request_id, str(scope.get("path", "")))
            status = 500
            raise
        finally:
            self._observe(scope, status, started)

    def _observe(self, scope: Scope, status: int, started: float) -> None:
        route = scope.get("route")
        template = getattr(route, "path", None) or "unmatched"
        method = scope.get("method", "-")
        self.metrics.requests.labels(method, template, str(status)).inc()
        self.metrics.latency.labels(method, template).observe(time.perf_counter() - started)


_OURS = {name for name, _ in SECURITY_HEADERS} | {b"x-request-id"}


class _BodyTooLarge(Exception):
    pass


def _request_id(scope: Scope) -> str:
    for name, value in scope.get("headers", []):
        if name == b"x-request-id":
            text = str(value.decode("latin-1"))
            if _REQUEST_ID.match(text):
                return text
    return uuid.uuid4().hex


def _content_length(scope: Scope) -> int | None:
    for name, value in scope.get("headers", []):
        if name == b"content-length":
            try:
                return int(value)
            except ValueError:
                return None
    return None


async def _too_large(send: Send, request_id: str, limit: int) -> None:
    await _problem(
        send, 413, "Request too large", f"the request body is over {limit} bytes", request_id
    )


async def _internal_error(send: Send, request_id: str, path: str) -> None:
    """The same generic 500 as `problems.on_unexpected`: no message, no trace, the request id."""
    detail = f"the server could not complete the request; quote request id [{request_id}]"
    await _problem(send, 500, "Internal error", detail, request_id, instance=path)


async def _problem(
    send: Send,
    status: int,
    title: str,
    detail: str,
    request_id: str,
    *,
    instance: str | None = None,
) -> None:
    problem: dict[str, object] = {
        "type": "about:blank",
        "title": title,
        "status": status,
        "detail": detail,
    }
    if instance:
        problem["instance"] = instance
    problem["request_id"] = request_id
    body = json.dumps(problem, separators=(",", ":")).encode()
    await send(
        {
            "type": "http.response.start",
            "status": status,
            "headers": [
                (b"content-type", b"application/problem+json"),
                (b"content-length", str(len(body)).encode()),
                *SECURITY_HEADERS,
                (b"x-request-id", request_id.encode()),
            ],
        }
    )
    await send({"type": "http.response.body", "body": body})
