"""Authorization over HTTP (checklist §3.3): every route × every role × own and other tenant.

The matrix is generated from the application's route table, not written out:
each route under `/api/v1` declares its permission, and what each role may do
comes from `authz.GRANTS`. A role without the permission is answered 401
(anonymous) or 403 before anything runs; a role with it is let through,
except to another tenant's record, which is reported as not found. A route
the operation table below does not know fails the matrix, so a new route
cannot go unchecked.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest
from fastapi import APIRouter, FastAPI
from fastapi.routing import APIRoute, RouteContext, iter_route_contexts
from httpx2 import Response

from detainers.domain import commands as c
from detainers.domain.access import Caller, PrincipalKind, Role
from detainers.domain.audit import AuditRecord, Outcome
from detainers.domain.lifecycle import DetainerState
from detainers.domain.notification import Audience, Channel, Message, MessageStatus, MessageType
from detainers.domain.vocabulary import ReviewChoice
from detainers.entrypoints.api.app import (
    API_PREFIX,
    MissingPermission,
    check_permissions,
    create_app,
    declared_permission,
)
from detainers.services import accounts, detainers
from detainers.services.authz import GRANTS, Permission
from detainers.services.errors import Forbidden
from tests.integration.api.conftest import AGENCY, FACILITY, OTHER_AGENCY, OTHER_FACILITY, Api
from tests.integration.api.tenants import (
    ANONYMOUS,
    AUDITOR,
    EVERYONE,
    OFFICER,
    OTHER_OFFICER,
    OTHER_STAFF,
    OTHER_SUPERVISOR,
    STAFF,
    SUPERVISOR,
    Who,
    World,
    booking_body,
    lodge_body,
    make_account,
    serial,
    session_token,
)

PROBLEM = "application/problem+json"
RECORD_PARAMETERS = frozenset({"booking_id", "detainer_id", "notice_id"})


def app_of(api: Api) -> FastAPI:
    app = api.client.app
    assert isinstance(app, FastAPI)
    return app


# -- the operation table -------------------------------------------------------------

Body = Callable[[Api, World], dict[str, Any]]


@dataclass(frozen=True)
class Operation:
    """What the matrix needs to call one operation besides its path: a body, a query.

    `names_tenant_a`: the body names tenant A, so the other tenant is refused (403).
    `needs_session`: only a signed-in person can do it (an API key cannot sign out).
    `path`: values for path parameters other than the world's record ids.
    """

    body: Body | None = None
    query: Mapping[str, str] = field(default_factory=dict)
    names_tenant_a: bool = False
    needs_session: bool = False
    path: Callable[[Api, World, Who], Mapping[str, str]] | None = None


def _now(delta: timedelta = timedelta(0)) -> str:
    return (datetime.now(UTC) + delta).isoformat()


def _sign_in(api: Api, _: World) -> dict[str, Any]:
    return make_account(api, AUDITOR).login_body(api)


def _case(_: Api, __: World) -> dict[str, Any]:
    return {
        "jurisdiction": "US-CT",
        "as_of": date.today().isoformat(),
        "facility": {"type": "state_pretrial_jail", "program_287g": "none"},
        "detainer": {
            "form": "I-247A",
            "probable_cause": ["pending_proceedings"],
            "warrant": "I-200",
            "requests": ["notify", "hold"],
        },
    }


def _own_message(api: Api, world: World, who: Who) -> dict[str, str]:
    """A new message in the caller's own inbox (another's is tests/integration/api/test_inbox.py's)."""
    audience = Audience.FACILITY if who.facility else Audience.AGENCY
    message_id = str(uuid.uuid4())
    if who.tenant is None:
        return {"message_id": message_id}  # no inbox: refused before any lookup
    now = datetime.now(UTC)
    with api.application.context.uow() as uow:
        uow.messages.add(
            Message(
                id=message_id,
                key=f"matrix/{message_id}",
                type=MessageType.DETAINER_AMENDED,
                audience=audience,
                recipient=who.tenant,
                channel=Channel.INBOX,
                subject=world.detainer_id,
                data={},
                created_at=now,
                due_at=now,
                status=MessageStatus.DELIVERED,
            )
        )
        uow.commit()
    return {"message_id": message_id}


def _endpoint_path(_: Api, __: World, ___: Who) -> dict[str, str]:
    return {"audience": "facility", "owner_code": FACILITY, "channel": "email"}


OPERATIONS: dict[str, Operation] = {
    # session
    "signIn": Operation(body=_sign_in),
    "getSession": Operation(),
    "signOut": Operation(needs_session=True),
    # reference data
    "listJurisdictions": Operation(),
    "listAgencies": Operation(),
    "listFacilities": Operation(),
    "registerJurisdiction": Operation(
        body=lambda _, __: {"code": f"US-CT-{serial():05d}", "name": "Test", "kind": "county"}
    ),
    "registerAgency": Operation(
        body=lambda _, __: {"code": f"ERO-T{serial()}", "name": "Test", "jurisdiction": "US"}
    ),
    "registerFacility": Operation(
        body=lambda _, __: {
            "code": f"CT-T{serial()}",
            "name": "Test",
            "type": "county_jail",
            "jurisdiction": "US-CT",
        }
    ),
    # bookings
    "recordBooking": Operation(body=lambda _, __: booking_body(serial()), names_tenant_a=True),
    "listBookings": Operation(),
    "getBooking": Operation(),
    "markReleasable": Operation(body=lambda _, __: {"reason": "bond_posted"}),
    "releasePerson": Operation(body=lambda _, __: {"reason": "bond_posted"}),
    "scheduleRelease": Operation(body=lambda _, __: {"release_at": None}),
    # detainers
    "lodgeDetainer": Operation(body=lambda _, __: lodge_body(serial()), names_tenant_a=True),
    "listDetainers": Operation(),
    "getDetainer": Operation(),
    "amendDetainer": Operation(body=lambda _, __: {"reason": "no hold", "requests": ["notify"]}),
    "cancelDetainer": Operation(body=lambda _, __: {"reason": "withdrawn"}),
    "matchDetainer": Operation(body=lambda _, w: {"booking_id": w.booking_id}),
    "serveDetainer": Operation(body=lambda _, __: {}),
    "reviewDetainer": Operation(body=lambda _, __: {"choice": "decline"}),
    "notifyRelease": Operation(body=lambda _, __: {"release_at": _now(timedelta(days=1))}),
    "transferCustody": Operation(body=lambda _, __: {}),
    "releaseAtDeadline": Operation(body=lambda _, __: {}),
    "markNotInCustody": Operation(body=lambda _, __: {"reason": "not held here"}),
    "recordAgencyArrest": Operation(body=lambda _, __: {"arrest_date": date.today().isoformat()}),
    # audit trail
    "listAuditRecords": Operation(),
    "verifyAuditChain": Operation(),
    "getAuditReview": Operation(
        query={"from": date.today().isoformat(), "to": date.today().isoformat()}
    ),
    # holds, policy, statistics
    "listHolds": Operation(),
    "checkHoldDeadlines": Operation(),
    "evaluateCase": Operation(body=_case),
    "getDetainerStatistics": Operation(query={"by": "facility"}),
    # inbox, notifications and endpoints
    "listInbox": Operation(),
    "acknowledgeMessage": Operation(path=_own_message),
    "listDetainerNotifications": Operation(),
    "setEndpoint": Operation(
        path=_endpoint_path, body=lambda _, __: {"email": "intake@example.org"}
    ),
    "listEndpoints": Operation(path=_endpoint_path),
    # notices to the person
    "listPersonNotices": Operation(),
    "getPersonNoticePdf": Operation(),
    "recordPersonNoticeServed": Operation(body=lambda _, __: {}),
}


def api_routes(app: FastAPI) -> list[RouteContext]:
    """The operations under the API prefix, in a stable order, however their routers were included."""
    found = [
        r
        for r in iter_route_contexts(app.routes)
        if isinstance(r.original_route, APIRoute) and str(r.path).startswith(API_PREFIX)
    ]
    return sorted(found, key=lambda r: (str(r.path), sorted(r.methods or ())))


def permission_of(route: RouteContext) -> Permission | None:
    assert isinstance(route.original_route, APIRoute)
    return declared_permission(route.original_route)


def method_of(route: RouteContext) -> str:
    methods = sorted(route.methods or ())
    assert len(methods) == 1, route
    return methods[0]


def label(route: RouteContext) -> str:
    return f"{method_of(route)} {route.path}"


def on_a_record(route: RouteContext) -> bool:
    return bool(RECORD_PARAMETERS & set(route.param_convertors))


# -- expectations and calls ----------------------------------------------------------

ADMITTED = "admitted"


def expected(route: RouteContext, who: Who) -> str:
    """What the route must answer `who`: a refusal's status, or ADMITTED."""
    needed = permission_of(route)
    if needed is None or needed not in GRANTS[who.role]:
        return "401" if who.role is Role.ANONYMOUS else "403"
    if who.other_tenant and on_a_record(route):
        return "404"
    if who.other_tenant and OPERATIONS[route.operation_id or ""].names_tenant_a:
        return "403"
    return ADMITTED


def matches(outcome: str, response: Response) -> bool:
    status = response.status_code
    if outcome == ADMITTED:
        # Let through: whatever the use case then says, it is not a refusal of access
        # (a record of one's own tenant is found; a body the table built is accepted).
        # A 422 from the use case (a value the lifecycle refuses) is an answer, not a refusal.
        malformed = status == 422 and response.json().get("title") == "Request not accepted"
        return status < 500 and status not in (401, 403, 404) and not malformed
    problem = response.headers.get("content-type") == PROBLEM
    challenged = status != 401 or response.headers.get("www-authenticate") == "Bearer"
    return str(status) == outcome and problem and challenged


def call(api: Api, route: RouteContext, who: Who, world: World) -> Response:
    operation = OPERATIONS.get(route.operation_id or "", Operation())
    headers = who.headers(api)
    if operation.needs_session and who.role is not Role.ANONYMOUS:
        headers = {"Authorization": f"Bearer {session_token(api, who)}"}
    extra = {} if operation.path is None else operation.path(api, world, who)
    return api.client.request(
        method_of(route),
        str(route.path).format(**world.ids, **extra),
        headers=headers,
        params=dict(operation.query),
        json=None if operation.body is None else operation.body(api, world),
    )


@dataclass(frozen=True)
class Cell:
    route: str
    who: str
    expected: str
    status: int
    detail: str

    def __str__(self) -> str:
        return (
            f"{self.route} as {self.who}: expected {self.expected}, got {self.status} {self.detail}"
        )


def matrix(api: Api, callers: tuple[Who, ...], shared: World) -> Iterator[tuple[Cell, bool]]:
    """Call every API route as every caller; each cell and whether it answered as expected.

    A write that is let through for tenant A gets a world of its own, so one
    cell's change (a cancellation, a release) cannot decide another's answer;
    every other cell uses `shared`, which no cell may therefore change.
    """
    for route in api_routes(app_of(api)):
        for who in callers:
            outcome = expected(route, who)
            writes = method_of(route) != "GET" and on_a_record(route)
            world = World.build(api) if writes and outcome == ADMITTED else shared
            response = call(api, route, who, world)
            cell = Cell(label(route), who.label, outcome, response.status_code, response.text[:200])
            yield cell, matches(outcome, response)


def stored(api: Api, world: World) -> tuple[object, ...]:
    """The world's booking and detainer as tenant A sees them (and how many events it has)."""
    booking = api.client.get(
        f"/api/v1/bookings/{world.booking_id}", headers=STAFF.headers(api)
    ).json()
    detainer = api.client.get(
        f"/api/v1/detainers/{world.detainer_id}", headers=OFFICER.headers(api)
    ).json()
    return booking, {k: v for k, v in detainer.items() if k != "events"}, len(detainer["events"])


# -- AZ-01 ---------------------------------------------------------------------------


def test_AZ_01_every_route_is_deny_by_default_with_a_declared_permission(api: Api) -> None:
    routes = api_routes(app_of(api))
    assert routes, "no API routes found"
    assert [label(r) for r in routes if permission_of(r) is None] == []
    unknown = [f"{label(r)} ({r.operation_id})" for r in routes if r.operation_id not in OPERATIONS]
    assert unknown == [], "add these operations to OPERATIONS so the matrix calls them"

    shared = World.build(api)
    before = stored(api, shared)
    cells = list(matrix(api, EVERYONE, shared))

    assert [str(cell) for cell, ok in cells if not ok] == []
    assert len(cells) == len(routes) * len(EVERYONE)
    assert stored(api, shared) == before, "a refused request changed tenant A's records"
    # Every route refuses someone, unless its permission is one anonymous callers have.
    refused = {cell.route for cell, _ in cells if cell.expected in ("401", "403")}
    public = {label(r) for r in routes if permission_of(r) in GRANTS[Role.ANONYMOUS]}
    assert refused | public == {label(r) for r in routes}


def test_AZ_01_an_app_with_a_route_that_declares_no_permission_refuses_to_start(
    api: Api,
) -> None:
    on_the_app = create_app(api.application)

    @on_the_app.get(f"{API_PREFIX}/undeclared")
    def undeclared() -> dict[str, str]:
        return {}

    # The usual way in: a router of its own, included like the others.
    in_a_router = create_app(api.application)
    router = APIRouter(prefix=f"{API_PREFIX}/undeclared")
    router.get("")(undeclared)
    in_a_router.include_router(router)

    for app in (on_the_app, in_a_router):
        with pytest.raises(MissingPermission, match=re.escape(f"{API_PREFIX}/undeclared")):
            check_permissions(app)


# -- AZ-02 ---------------------------------------------------------------------------

OTHER_TENANT = (OTHER_STAFF, OTHER_SUPERVISOR, OTHER_OFFICER)


def _problem_shape(response: Response, record_id: str) -> tuple[object, ...]:
    body = response.json()
    return (
        response.status_code,
        body["title"],
        body["detail"].replace(record_id, "{id}"),
        body.get("errors"),
    )


def _listed(api: Api, who: Who, path: str) -> set[str]:
    response = api.client.get(path, headers=who.headers(api))
    assert response.status_code == 200, response.text
    return {item.get("id") or item.get("detainer_id") for item in response.json()["items"]}


def test_AZ_02_cross_tenant_reads_and_writes_are_404(api: Api) -> None:
    world = World.build(api)
    before = stored(api, world)
    missing = World(
        booking_id="00000000-0000-4000-8000-000000000000",
        detainer_id="00000000-0000-4000-8000-000000000001",
        person_id="-",
        booking_number="-",
        person_values=(),
    )
    looked_like_missing: list[str] = []
    for route in filter(on_a_record, api_routes(app_of(api))):
        for who in OTHER_TENANT:
            if expected(route, who) != "404":
                continue
            found = call(api, route, who, world)
            absent = call(api, route, who, missing)
            kind = next(k for k in sorted(RECORD_PARAMETERS) if f"{{{k}}}" in str(route.path))
            shapes = (
                _problem_shape(found, world.ids[kind]),
                _problem_shape(absent, missing.ids[kind]),
            )
            if found.status_code != 404 or shapes[0] != shapes[1]:
                looked_like_missing.append(f"{label(route)} as {who.label}: {found.text[:200]}")

    assert looked_like_missing == []
    assert stored(api, world) == before, "a refused write changed the record"

    # Lists are confined to the caller's tenant; tenant A's own lists do show the records.
    for path in ("/api/v1/bookings", "/api/v1/detainers", "/api/v1/holds"):
        for who in OTHER_TENANT:
            if expected(_route(api, "GET", path), who) == ADMITTED:
                assert not _listed(api, who, path) & {world.booking_id, world.detainer_id}, path
    assert world.booking_id in _listed(api, STAFF, "/api/v1/bookings")
    assert world.detainer_id in _listed(api, STAFF, "/api/v1/detainers")
    assert world.detainer_id in _listed(api, OFFICER, "/api/v1/detainers")

    # Writing in tenant A's name from the other tenant is refused, and creates nothing.
    n = serial()
    booked = api.client.post(
        "/api/v1/bookings", json=booking_body(n), headers=OTHER_STAFF.headers(api)
    )
    lodged = api.client.post(
        "/api/v1/detainers", json=lodge_body(n), headers=OTHER_OFFICER.headers(api)
    )
    assert (booked.status_code, lodged.status_code) == (403, 403)
    assert len(_listed(api, STAFF, "/api/v1/bookings")) == 1
    assert _listed(api, OFFICER, "/api/v1/detainers") == {world.detainer_id}

    # Tenant A's detainer cannot be attached to the other facility's booking.
    theirs = api.client.post(
        "/api/v1/bookings",
        json=booking_body(serial(), facility=OTHER_FACILITY),
        headers=OTHER_STAFF.headers(api),
    )
    assert theirs.status_code == 201, theirs.text
    attached = api.client.post(
        f"/api/v1/detainers/{world.detainer_id}/match",
        json={"booking_id": theirs.json()["id"]},
        headers=STAFF.headers(api),
    )
    assert attached.status_code == 404, attached.text
    assert stored(api, world) == before


def _route(api: Api, method: str, path: str) -> RouteContext:
    for route in api_routes(app_of(api)):
        if route.path == path and method_of(route) == method:
            return route
    raise LookupError(f"no route [{method} {path}]")


# -- AZ-03 ---------------------------------------------------------------------------

PERSON_KEYS = frozenset(
    {"given", "family", "date_of_birth", "identifiers", "subject", "person_id", "aliases"}
)


def person_level_keys(document: object, path: str = "$") -> Iterator[str]:
    """Where `document` holds a person-level field.

    `name` counts when it is a person's name (an object of given and family
    names); a jurisdiction's, agency's or facility's `name` is a public string.
    """
    if isinstance(document, dict):
        for key, value in document.items():
            here = f"{path}.{key}"
            if key in PERSON_KEYS or (key == "name" and not isinstance(value, str)):
                yield here
            yield from person_level_keys(value, here)
    elif isinstance(document, list):
        for i, value in enumerate(document):
            yield from person_level_keys(value, f"{path}[{i}]")


def test_AZ_03_public_and_auditor_roles_never_receive_person_level_fields(api: Api) -> None:
    world = World.build(api)
    app = app_of(api)
    # The walk finds person-level fields where they are (or it could not fail).
    officer_view = api.client.get(
        f"/api/v1/detainers/{world.detainer_id}", headers=OFFICER.headers(api)
    ).json()
    assert {"$.subject", "$.subject.name", "$.subject.identifiers"} <= set(
        person_level_keys(officer_view)
    )

    walked: list[str] = []
    for who in (ANONYMOUS, AUDITOR):
        reachable = [
            r
            for r in iter_route_contexts(app.routes)
            if isinstance(r.original_route, APIRoute)
            and method_of(r) == "GET"
            and (permission_of(r) is None or permission_of(r) in GRANTS[who.role])
        ]
        reachable.append(_route(api, "POST", f"{API_PREFIX}/policy/evaluate"))
        for route in reachable:
            response = call(api, route, who, world)
            if not response.headers.get("content-type", "").startswith("application/json"):
                continue
            assert response.status_code == 200, f"{label(route)} as {who.label}: {response.text}"
            walked.append(f"{label(route)} as {who.label}")
            assert list(person_level_keys(response.json())) == [], label(route)
            for value in (*world.person_values, world.person_id, world.booking_number):
                assert value not in response.text, f"{label(route)} as {who.label} shows {value}"
    assert f"GET {API_PREFIX}/jurisdictions as auditor" in walked
    assert f"POST {API_PREFIX}/policy/evaluate as anonymous" in walked

    # Person-level reads are refused to both, whatever the record.
    for path in (f"/api/v1/detainers/{world.detainer_id}", f"/api/v1/bookings/{world.booking_id}"):
        assert api.client.get(path).status_code == 401
        assert api.client.get(path, headers=AUDITOR.headers(api)).status_code == 403


# -- AZ-04 ---------------------------------------------------------------------------


def test_AZ_04_the_officer_who_lodged_cannot_record_the_decision(api: Api) -> None:
    world = World.build(api)
    path = f"/api/v1/detainers/{world.detainer_id}/review"
    lodged_by = api.client.get(
        f"/api/v1/detainers/{world.detainer_id}", headers=OFFICER.headers(api)
    ).json()["lodged_by"]

    # The lodging officer's own credential has no right to decide at all.
    as_lodger = api.client.post(path, json={"choice": "honor"}, headers=OFFICER.headers(api))
    assert as_lodger.status_code == 403

    # A facility credential that acts under the lodger's name is refused too.
    twin = accounts.create_key(
        accounts.CreateKey(
            name=lodged_by.removeprefix("key:"), role=Role.FACILITY_STAFF, facility_code=FACILITY
        ),
        api.keys.ctx,
    )
    as_twin = api.client.post(
        path, json={"choice": "honor"}, headers={"Authorization": f"Bearer {twin.secret}"}
    )
    assert as_twin.status_code == 403, as_twin.text
    assert "cannot also decide" in as_twin.json()["detail"]

    # In the service itself, for a person signed in at the facility under the lodger's name.
    ctx = api.keys.ctx
    twin_person = Caller(
        principal_id="u-twin",
        name=lodged_by,
        kind=PrincipalKind.USER,
        role=Role.FACILITY_STAFF,
        facility_code=FACILITY,
    )
    review = c.RecordReview(
        detainer_id=world.detainer_id, choice=ReviewChoice.DECLINE, actor=lodged_by
    )
    with pytest.raises(Forbidden, match="cannot also decide"):
        detainers.record_review(review, ctx.acting(twin_person))
    after = api.client.get(f"/api/v1/detainers/{world.detainer_id}", headers=STAFF.headers(api))
    assert (after.json()["state"], after.json()["decision"]) == (DetainerState.RECEIVED, None)

    # Anyone else at the facility may decide.
    clerk = replace(twin_person, principal_id="u-clerk", name="ana.clerk")
    decided = detainers.record_review(replace(review, actor="ana.clerk"), ctx.acting(clerk))
    assert decided.decision is not None
    assert decided.decision.decided_by == "ana.clerk"


# -- AZ-05 ---------------------------------------------------------------------------

CLAIMS = {
    "X-Role": "admin",
    "X-User-Role": "system",
    "X-Facility": FACILITY,
    "X-Agency": AGENCY,
    "X-Tenant": FACILITY,
    "X-Forwarded-User": "root",
    "X-Remote-User": "admin",
}


def test_AZ_05_client_supplied_role_or_tenant_fields_are_ignored(api: Api) -> None:
    world = World.build(api)
    detainer_path = f"/api/v1/detainers/{world.detainer_id}"

    # Headers claiming a role or a tenant change nothing.
    assert api.client.get(detainer_path, headers=CLAIMS).status_code == 401
    claimed = {**CLAIMS, **OTHER_STAFF.headers(api)}
    assert api.client.get(detainer_path, headers=claimed).status_code == 404
    assert (
        api.client.get(f"/api/v1/bookings/{world.booking_id}", headers=claimed).status_code == 404
    )
    as_admin = api.client.post(
        "/api/v1/agencies",
        json={"code": "ERO-X", "name": "X", "jurisdiction": "US"},
        headers={**CLAIMS, **AUDITOR.headers(api)},
    )
    assert as_admin.status_code == 403
    # Query parameters and cookies claiming them change nothing either.
    listed = api.client.get(
        "/api/v1/detainers",
        params={"facility": FACILITY, "agency": AGENCY, "role": "admin"},
        headers=OTHER_STAFF.headers(api),
    )
    assert (listed.status_code, listed.json()["items"]) == (200, [])
    api.client.cookies.set("role", "admin")
    try:
        assert api.client.get(detainer_path).status_code == 401
    finally:
        api.client.cookies.clear()

    # Bodies cannot carry who acted, for whom, or as what: unknown keys are refused by name.
    attempts: list[tuple[str, str, dict[str, Any], Who]] = [
        (
            "/api/v1/detainers",
            "lodged_by",
            {**lodge_body(serial()), "lodged_by": "someone"},
            OFFICER,
        ),
        ("/api/v1/detainers", "role", {**lodge_body(serial()), "role": "system"}, OFFICER),
        (
            "/api/v1/bookings",
            "facility_code",
            {**booking_body(serial()), "facility_code": OTHER_FACILITY},
            STAFF,
        ),
        (f"{detainer_path}/review", "decided_by", {"choice": "honor", "decided_by": "x"}, STAFF),
        (f"{detainer_path}/review", "actor", {"choice": "honor", "actor": "supervisor"}, STAFF),
        (f"{detainer_path}/amend", "agency", {"reason": "move", "agency": OTHER_AGENCY}, OFFICER),
    ]
    for path, key, body, who in attempts:
        response = api.client.post(path, json=body, headers=who.headers(api))
        assert response.status_code == 422, f"{path} with {key}: {response.text}"
        assert [e["field"] for e in response.json()["errors"]] == [f"body.{key}"]

    # Who acted comes from the credential alone.
    lodged = api.client.post(
        "/api/v1/detainers", json=lodge_body(serial()), headers={**CLAIMS, **OFFICER.headers(api)}
    )
    assert lodged.status_code == 201
    assert lodged.json()["lodged_by"] == f"key:test {Role.AGENCY_OFFICER} {AGENCY}"


# -- AZ-06 ---------------------------------------------------------------------------


def audit_records(api: Api) -> list[AuditRecord]:
    """The whole audit trail, read through the unit of work."""
    found: list[AuditRecord] = []
    with api.application.context.uow() as uow:
        while page := uow.audit.records(after_seq=found[-1].seq if found else 0):
            found.extend(page)
    return found


def test_AZ_06_failed_authorisations_are_audited(api: Api) -> None:
    world = World.build(api)
    agency = {"code": "ERO-X", "name": "X", "jurisdiction": "US"}
    attempts: list[tuple[str, str, Who, dict[str, Any] | None, int]] = [
        ("GET", "/api/v1/detainers", ANONYMOUS, None, 401),
        ("GET", "/api/v1/detainers", AUDITOR, None, 403),
        ("POST", "/api/v1/agencies", SUPERVISOR, agency, 403),
        ("GET", f"/api/v1/bookings/{world.booking_id}", OFFICER, None, 403),
        ("GET", f"/api/v1/detainers/{world.detainer_id}", OTHER_OFFICER, None, 404),
        ("GET", f"/api/v1/bookings/{world.booking_id}", OTHER_STAFF, None, 404),
        ("POST", f"/api/v1/detainers/{world.detainer_id}/serve", OTHER_SUPERVISOR, {}, 404),
        ("POST", "/api/v1/bookings", OTHER_STAFF, booking_body(serial()), 403),
    ]
    before = audit_records(api)
    request_ids: dict[str, Who] = {}
    for method, path, who, body, status in attempts:
        response = api.client.request(method, path, headers=who.headers(api), json=body)
        assert response.status_code == status, f"{method} {path}: {response.text}"
        request_ids[response.headers["x-request-id"]] = who
    after = audit_records(api)[len(before) :]

    denied = [r for r in after if r.entry.outcome is Outcome.DENIED]
    assert sorted(r.entry.request_id for r in denied) == sorted(request_ids)
    for record in denied:
        who = request_ids[record.entry.request_id]
        assert record.entry.role == who.role.value
        assert record.entry.organization == (who.tenant or "-")
    # Attempts on another tenant's records name the record they tried.
    assert {world.booking_id, world.detainer_id} <= {r.entry.object_id for r in denied}
    # A genuinely missing record is audited as not found, not as a denial.
    missing = api.client.get("/api/v1/detainers/no-such-id", headers=OFFICER.headers(api))
    assert missing.status_code == 404
    last = audit_records(api)[-1].entry
    assert (last.action, last.outcome) == ("detainer.read", Outcome.NOT_FOUND)
