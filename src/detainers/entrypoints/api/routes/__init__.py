"""The API's routers, one module per resource; `ROUTERS` is what the app includes."""

from __future__ import annotations

from fastapi import APIRouter

from detainers.entrypoints.api.routes import (
    audit,
    bookings,
    detainers,
    endpoints,
    health,
    holds,
    inbox,
    person_notices,
    policy,
    reference,
    session,
    stats,
)

ROUTERS: tuple[APIRouter, ...] = (
    health.router,
    session.router,
    reference.router,
    bookings.router,
    detainers.router,
    holds.router,
    policy.router,
    stats.router,
    audit.router,
    inbox.router,
    inbox.about_detainer_router,
    endpoints.router,
    person_notices.about_detainer_router,
    person_notices.router,
)
