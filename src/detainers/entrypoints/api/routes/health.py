"""Liveness, readiness and metrics (outside `/api/v1`: no person-level data, no permission)."""

from __future__ import annotations

from fastapi import APIRouter, Request, Response
from prometheus_client import CONTENT_TYPE_LATEST, generate_latest
from pydantic import BaseModel
from sqlalchemy.exc import SQLAlchemyError

from detainers.adapters.db import migrate
from detainers.entrypoints.api.deps import application

router = APIRouter(tags=["operations"])


class Health(BaseModel):
    status: str


class Readiness(BaseModel):
    status: str
    database: str
    schema_revision: str | None


@router.get(
    "/healthz", response_model=Health, operation_id="getHealth", summary="The process is up"
)
def healthz() -> Health:
    return Health(status="ok")


@router.get(
    "/readyz",
    response_model=Readiness,
    operation_id="getReadiness",
    summary="The database answers and its schema is current",
    responses={503: {"model": Readiness}},
)
def readyz(request: Request, response: Response) -> Readiness:
    engine = application(request).engine
    try:
        revision = migrate.current(engine)
    except SQLAlchemyError:
        response.status_code = 503
        return Readiness(status="unavailable", database="unreachable", schema_revision=None)
    if revision not in migrate.heads(engine):
        response.status_code = 503
        return Readiness(status="unavailable", database="not migrated", schema_revision=revision)
    return Readiness(status="ok", database="ok", schema_revision=revision)


@router.get(
    "/metrics",
    operation_id="getMetrics",
    summary="Prometheus metrics (request counts and latencies by route template)",
    response_class=Response,
    responses={200: {"content": {"text/plain": {"schema": {"type": "string"}}}}},
)
def metrics(request: Request) -> Response:
    return Response(
        generate_latest(request.app.state.metrics.registry), media_type=CONTENT_TYPE_LATEST
    )
