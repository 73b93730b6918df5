"""The one place where exceptions become HTTP responses: RFC 9457 problem details.

Every error names what was wrong and, where one field is at fault, which
field (`errors[].field`). No stack trace or internal message ever leaves: an
unexpected error is a generic 500 carrying the request id to quote.
`document_problems` declares these responses in the OpenAPI document, for
every operation at once, so the document says what the API really answers.
"""

from __future__ import annotations

import copy
import json
import logging
from collections.abc import Iterator, Mapping
from types import MappingProxyType
from typing import Any, TypeGuard

from fastapi import FastAPI, Request
from fastapi.dependencies.models import Dependant
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import BaseModel
from pydantic.json_schema import models_json_schema
from sqlalchemy.exc import DBAPIError, OperationalError
from starlette.exceptions import HTTPException as StarletteHTTPException

from detainers.domain.errors import (
    ChoiceOutsideBounds,
    DecisionDoesNotPermit,
    DomainError,
    IllegalTransition,
    InvalidValue,
    OverrideNeedsReason,
    TerminalState,
    VocabularyError,
)
from detainers.entrypoints.api import ratelimit
from detainers.policy.errors import CaseError, UnknownJurisdiction
from detainers.services.errors import (
    AlreadyExists,
    ConcurrencyConflict,
    Forbidden,
    NotFound,
    ServiceError,
    Unauthenticated,
)

log = logging.getLogger("detainers.api")

PROBLEM = "application/problem+json"


class FieldProblem(BaseModel):
    field: str
    problem: str


class Problem(BaseModel):
    """An RFC 9457 problem: `type`, `title`, `status`, `detail`, and the fields at fault."""

    type: str = "about:blank"
    title: str
    status: int
    detail: str
    instance: str | None = None
    request_id: str | None = None
    errors: list[FieldProblem] = []


# Most specific first: the first class an error is an instance of decides.
STATUSES: Mapping[type[Exception], tuple[int, str]] = MappingProxyType(
    {
        Unauthenticated: (401, "Not signed in"),
        Forbidden: (403, "Not allowed"),
        NotFound: (404, "Not found"),
        AlreadyExists: (409, "Already exists"),
        ConcurrencyConflict: (409, "Changed by someone else; nothing was saved"),
        VocabularyError: (422, "Value not accepted"),
        InvalidValue: (422, "Value not accepted"),
        CaseError: (422, "Case not accepted"),
        UnknownJurisdiction: (422, "Unknown jurisdiction"),
        OverrideNeedsReason: (422, "A reason is needed"),
        DecisionDoesNotPermit: (409, "The decision does not permit this"),
        ChoiceOutsideBounds: (409, "The choice lies outside what the law allows"),
        TerminalState: (409, "The detainer is closed"),
        IllegalTransition: (409, "Not possible in the detainer's state"),
        DomainError: (409, "Refused"),
        ServiceError: (400, "Refused"),
    }
)


def status_for(error: Exception) -> tuple[int, str] | None:
    for kind, status in STATUSES.items():
        if isinstance(error, kind):
            return status
    return None


def problem_response(
    request: Request,
    status: int,
    title: str,
    detail: str,
    errors: list[FieldProblem] | None = None,
    headers: Mapping[str, str] | None = None,
) -> JSONResponse:
    problem = Problem(
        title=title,
        status=status,
        detail=detail,
        instance=request.url.path,
        request_id=getattr(request.state, "request_id", None),
        errors=errors or [],
    )
    return JSONResponse(
        problem.model_dump(exclude_none=True),
        status_code=status,
        media_type=PROBLEM,
        headers=dict(headers or {}),
    )


def _field_of(error: Exception) -> str | None:
    for attribute in ("field", "path"):
        value = getattr(error, attribute, None)
        if isinstance(value, str):
            return value
    return None


async def on_known_error(request: Request, error: Exception) -> JSONResponse:
    found = status_for(error)
    if found is None:
        return await on_unexpected(request, error)
    status, title = found
    field = _field_of(error)
    errors = [FieldProblem(field=field, problem=str(error))] if field else None
    headers = {"WWW-Authenticate": "Bearer"} if status == 401 else None
    return problem_response(request, status, title, str(error), errors, headers)


async def on_validation_error(request: Request, error: Exception) -> JSONResponse:
    if not isinstance(error, RequestValidationError):
        return await on_unexpected(request, error)
    errors = [
        FieldProblem(field=".".join(str(p) for p in e["loc"]), problem=_describe(e))
        for e in error.errors()
    ]
    detail = "; ".join(f"{e.field}: {e.problem}" for e in errors)
    return problem_response(request, 422, "Request not accepted", detail, errors)


def _describe(error: Mapping[str, Any]) -> str:
    message = str(error.get("msg", "is not accepted"))
    context = error.get("ctx") or {}
    expected = context.get("expected")
    return (
        f"{message} (accepted: {expected})" if expected and "expected" not in message else message
    )


async def on_http_error(request: Request, error: Exception) -> JSONResponse:
    if not isinstance(error, StarletteHTTPException):
        return await on_unexpected(request, error)
    detail = error.detail if isinstance(error.detail, str) else "request not accepted"
    return problem_response(
        request,
        error.status_code,
        _TITLES.get(error.status_code, "Error"),
        detail,
        headers=error.headers,
    )


async def on_lost_database(request: Request, error: Exception) -> JSONResponse:
    """503 when the database cannot be reached or dropped the connection; else the 500 path.

    A transaction is all or nothing, but a connection lost during the commit leaves
    unknown whether it committed: the answer says so, and a create retried with the
    same `Idempotency-Key` is answered with what it made instead of being repeated.
    The pool has let go of its stale connections, so the retry finds a fresh one.
    """
    if not database_unreachable(error):
        raise error
    request_id = getattr(request.state, "request_id", "-")
    log.warning("database unavailable (request %s): %s", request_id, type(error.orig).__name__)
    return problem_response(
        request,
        503,
        "Database unavailable",
        "the database could not be reached or dropped the connection, so the request may"
        " not have been carried out; retry (a create with the same Idempotency-Key)",
        headers={"Retry-After": "1"},
    )


def database_unreachable(error: Exception) -> TypeGuard[DBAPIError]:
    """The database dropped a connection in use, or refused a new one (down, restarting)."""
    if not isinstance(error, DBAPIError):
        return False
    return error.connection_invalidated or (
        isinstance(error, OperationalError) and error.statement is None
    )


async def on_unexpected(request: Request, error: Exception) -> JSONResponse:
    request_id = getattr(request.state, "request_id", "-")
    return problem_response(
        request,
        500,
        "Internal error",
        f"the server could not complete the request; quote request id [{request_id}]",
    )


_TITLES = {
    400: "Bad request",
    401: "Not signed in",
    403: "Not allowed",
    404: "Not found",
    405: "Method not allowed",
    406: "Not acceptable",
    413: "Request too large",
    415: "Unsupported media type",
    429: "Too many requests",
}


# -- the OpenAPI document ------------------------------------------------------------

_DESCRIPTIONS: Mapping[int, str] = MappingProxyType(
    {
        400: "Refused; `detail` says why",
        401: "Not signed in: no, malformed, unknown, expired or revoked credentials",
        403: "The caller's role or tenant does not allow this",
        404: "Not found (or not visible to the caller)",
        409: "Conflicts with the record's state, its decision, or a concurrent change",
        413: "The request body is over the size limit",
        422: "Not accepted; `errors` names each field at fault",
        429: "Too many requests; try again after `Retry-After` seconds",
        500: "Internal error; quote the `request_id`",
        503: "The database is unavailable; retry after `Retry-After` seconds",
    }
)
# Every API route names its caller and declares a permission, so any of these may answer.
_API_STATUSES = frozenset({400, 401, 403, 404, 409, 422, 503})
_HEADERS: Mapping[int, dict[str, Any]] = MappingProxyType(
    {
        401: {"WWW-Authenticate": {"description": "`Bearer`", "schema": {"type": "string"}}},
        429: {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}},
        503: {"Retry-After": {"description": "Seconds to wait", "schema": {"type": "integer"}}},
    }
)
_FASTAPI_VALIDATION = ("HTTPValidationError", "ValidationError")


def document_problems(app: FastAPI, api_prefix: str) -> None:
    """Declare in the OpenAPI document the problem responses each operation can give.

    Every operation may answer 500; routes under `api_prefix` the problems of
    callers, permissions, lookups, conflicts, validation and a lost database; routes with a body
    413; rate-limited routes 429. FastAPI's own 422 (`HTTPValidationError`,
    `application/json`) is replaced: validation errors are problems too.
    """
    build = app.openapi
    declared: list[dict[str, Any]] = []

    def openapi() -> dict[str, Any]:
        document = build()  # cached by FastAPI until the routes change
        if not any(document is seen for seen in declared):
            _declare(document, app, api_prefix)
            declared[:] = [document]
        return document

    app.openapi = openapi  # type: ignore[method-assign]


def _declare(document: dict[str, Any], app: FastAPI, api_prefix: str) -> None:
    schemas = document.setdefault("components", {}).setdefault("schemas", {})
    _, definitions = models_json_schema(
        [(Problem, "validation")], ref_template="#/components/schemas/{model}"
    )
    schemas.update(definitions["$defs"])
    for route in iter_route_contexts(app.routes):
        if not isinstance(route.original_route, APIRoute) or not route.include_in_schema:
            continue
        path = str(route.path_format)
        for method in sorted(route.methods or ()):
            operation = document["paths"].get(path, {}).get(method.lower())
            if operation is None:
                continue
            responses: dict[str, Any] = operation.setdefault("responses", {})
            statuses = {500}
            if path.startswith(api_prefix):
                statuses |= _API_STATUSES
            if "422" in responses:
                statuses.add(422)
            if route.body_field is not None:
                statuses |= {413, 422}
            if any(
                getattr(call, "__module__", None) == ratelimit.__name__
                for call in _calls(route.dependant)
            ):
                statuses.add(429)
            for status in statuses:
                responses[str(status)] = _problem_response(status)
            operation["responses"] = dict(sorted(responses.items()))
    for name in _FASTAPI_VALIDATION:
        if f'"#/components/schemas/{name}"' not in json.dumps(document):
            schemas.pop(name, None)


def _problem_response(status: int) -> dict[str, Any]:
    response: dict[str, Any] = {
        "description": _DESCRIPTIONS[status],
        "content": {PROBLEM: {"schema": {"$ref": "#/components/schemas/Problem"}}},
    }
    if status in _HEADERS:
        response["headers"] = copy.deepcopy(_HEADERS[status])
    return response


def _calls(dependant: Dependant) -> Iterator[Any]:
    for dependency in dependant.dependencies:
        if dependency.call is not None:
            yield dependency.call
        yield from _calls(dependency)
