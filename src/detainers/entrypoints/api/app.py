"""The application factory: settings in, a FastAPI app out (nothing is built at import).

`create_app(application)` wires routes, the error mapping, the ASGI guard
(request ids, size limit, security headers, metrics), and refuses to start if
any route under `/api/v1` lacks a declared permission. `app_from_environment`
is the factory the ASGI server calls in each worker process.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from anyio import to_thread
from fastapi import FastAPI
from fastapi.exceptions import RequestValidationError
from fastapi.routing import APIRoute, iter_route_contexts
from sqlalchemy.exc import DBAPIError
from starlette.exceptions import HTTPException as StarletteHTTPException

from detainers.bootstrap import Application, bootstrap, sender
from detainers.domain.errors import DomainError
from detainers.entrypoints.api import problems
from detainers.entrypoints.api.deps import PERMISSION_ATTRIBUTE
from detainers.entrypoints.api.guard import Guard, Metrics
from detainers.entrypoints.api.ratelimit import RateLimits
from detainers.entrypoints.api.routes import ROUTERS
from detainers.entrypoints.worker import Worker
from detainers.policy.errors import PolicyError
from detainers.services.authz import Permission
from detainers.services.errors import ServiceError

API_PREFIX = "/api/v1"
TITLE = "detainers"
VERSION = "1.0.0"
DESCRIPTION = """\
A system of record and exchange for immigration detainers: lodging, matching,
the law of each jurisdiction on each date (with citations and remedies), the
facility's recorded decision, holds and their deadlines, and public statistics.

Authenticate with `Authorization: Bearer <API key or session token>`. Errors are
`application/problem+json` (RFC 9457) and name the field at fault. Lists are
paged with an opaque `cursor`. Creating requests accept an `Idempotency-Key`.
"""


class MissingPermission(RuntimeError):
    """A route under the API prefix does not declare the permission it needs."""


def create_app(application: Application, *, worker: Worker | None = None) -> FastAPI:
    """The API over `application`; with `worker`, the outbox worker runs while the app does."""

    @asynccontextmanager
    async def lifespan(_app: FastAPI) -> AsyncIterator[None]:
        # Each process runs at most `serve_threads` requests' database work at once;
        # the rest wait their turn on the event loop. More threads than cores and
        # connections only contend for the interpreter lock and the pool.
        to_thread.current_default_thread_limiter().total_tokens = application.settings.serve_threads
        thread = worker.start_thread() if worker is not None else None
        try:
            yield
        finally:
            if worker is not None and thread is not None:
                worker.stop.set()
                thread.join(timeout=30)

    app = FastAPI(
        title=TITLE,
        version=VERSION,
        description=DESCRIPTION,
        openapi_url="/openapi.json",
        docs_url=None,
        redoc_url=None,
        lifespan=lifespan,
    )
    app.state.application = application
    app.state.rate_limits = RateLimits()
    metrics = Metrics()
    app.state.metrics = metrics
    for router in ROUTERS:
        app.include_router(router)
    app.add_exception_handler(RequestValidationError, problems.on_validation_error)
    app.add_exception_handler(StarletteHTTPException, problems.on_http_error)
    for kind in (ServiceError, DomainError, PolicyError):
        app.add_exception_handler(kind, problems.on_known_error)
    app.add_exception_handler(DBAPIError, problems.on_lost_database)
    app.add_exception_handler(Exception, problems.on_unexpected)
    check_permissions(app)
    problems.document_problems(app, API_PREFIX)
    app.add_middleware(Guard, metrics=metrics)
    return app


def declared_permission(route: APIRoute) -> Permission | None:
    """The permission a route declared with `permission(...)`, or None."""
    for dependency in route.dependant.dependencies:
        found = getattr(dependency.call, PERMISSION_ATTRIBUTE, None)
        if isinstance(found, Permission):
            return found
    return None


def check_permissions(app: FastAPI) -> None:
    """Deny by default: every API route must declare its permission, or the app does not start."""
    missing = [
        f"{sorted(route.methods or ())} {route.path}"
        for route in iter_route_contexts(app.routes)  # routes of included routers too
        if isinstance(route.original_route, APIRoute)
        and str(route.path).startswith(API_PREFIX)
        and declared_permission(route.original_route) is None
    ]
    if missing:
        raise MissingPermission(f"routes without a declared permission: {missing}")


def app_from_environment() -> FastAPI:
    """The ASGI server's factory: settings from the environment, one application per process.

    The outbox worker runs inside when `DETAINERS_SERVE_WORKER` says so, by default on
    SQLite (the embedded default, one process) and not on PostgreSQL (run `detainers worker`).
    """
    application = bootstrap()
    run_worker = application.settings.serve_worker
    if run_worker is None:
        run_worker = application.engine.dialect.name == "sqlite"
    worker = Worker(application, sender(application.settings)) if run_worker else None
    return create_app(application, worker=worker)
