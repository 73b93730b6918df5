"""Request dependencies: who is calling, the service context for them, and each route's permission.

Every route under `/api/v1` declares its permission with `permission(P)`;
`create_app` refuses to start if one does not (deny by default). The
permission check here is the first line; the use cases check again, with the
tenant, because authorization is theirs.
"""

from __future__ import annotations

import hashlib
from collections.abc import Awaitable, Callable
from dataclasses import replace
from typing import Annotated

from fastapi import Depends, Header, Request
from starlette.concurrency import run_in_threadpool

from detainers.bootstrap import Application
from detainers.domain.access import ANONYMOUS, Caller, Role
from detainers.services import accounts, audit, authz
from detainers.services.authz import Permission
from detainers.services.context import Context
from detainers.services.errors import Forbidden, Unauthenticated

SESSION_COOKIE = "__Host-session"
PERMISSION_ATTRIBUTE = "detainers_permission"


def application(request: Request) -> Application:
    app: Application = request.app.state.application
    return app


def _anonymous(request: Request) -> Caller:
    client = request.client.host if request.client else "-"
    return replace(ANONYMOUS, client=client, request_id=request.state.request_id)


def credential(request: Request) -> str | None:
    """The bearer token (an API key or a session token) or the session cookie, if any."""
    header = request.headers.get("authorization")
    if header:
        scheme, _, token = header.partition(" ")
        if scheme.lower() != "bearer" or not token.strip():
            raise Unauthenticated(
                "the Authorization header must be `Bearer <key or session token>`"
            )
        return token.strip()
    return request.cookies.get(SESSION_COOKIE)


async def caller(request: Request) -> Caller:
    """Who is calling: a key's system, a session's person, or anonymous. Bad credentials are 401.

    A key this process verified moments ago is answered from memory; anything that
    reads the database runs in the thread pool.
    """
    cached: Caller | None = getattr(request.state, "caller", None)
    if cached is not None:
        return cached
    base = _anonymous(request)
    token = credential(request)
    ctx = application(request).context.acting(base)
    found: Caller | None
    if token is None:
        found = base
    elif token.startswith(f"{accounts.KEY_PREFIX}_"):
        found = accounts.recent_key_caller(token, ctx)
        if found is None:
            found = await run_in_threadpool(accounts.key_caller, token, ctx)
    else:
        found = await run_in_threadpool(accounts.session_caller, token, ctx)
    request.state.caller = found
    return found


CallerDep = Annotated[Caller, Depends(caller)]


def permission(needed: Permission) -> Callable[..., Awaitable[Context]]:
    """A dependency that admits only callers whose role grants `needed`, and gives their context.

    A refusal is 403 and is audited; the route's function never runs.
    """

    async def admit(
        request: Request,
        who: CallerDep,
        idempotency_key: Annotated[
            str | None,
            Header(
                alias="Idempotency-Key",
                max_length=200,
                description="A client-chosen key; a retried create with the same key creates nothing new",
            ),
        ] = None,
    ) -> Context:
        ctx = application(request).context.acting(who)
        if not authz.allows(who, needed):
            error = Forbidden(who.role.value, needed.value)
            await run_in_threadpool(
                audit.denied, ctx, needed.value, "route", request.url.path, error
            )
            if who.role is Role.ANONYMOUS:
                raise Unauthenticated("sign in or send an API key")
            raise error
        fingerprint = ""
        if idempotency_key is not None:
            body = await request.body()
            fingerprint = hashlib.sha256(
                request.method.encode() + b" " + request.url.path.encode() + b"\n" + body
            ).hexdigest()
        return ctx.acting(who, idempotency_key=idempotency_key, fingerprint=fingerprint)

    setattr(admit, PERMISSION_ATTRIBUTE, needed)
    return admit
