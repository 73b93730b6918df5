"""Hardening of the HTTP API (checklist §3.5 and §3.6): what an attacker or a careless client meets.

The lifecycle is enforced by the server; a retried or racing create happens
once; hostile strings are data; sign-in and search are rate-limited; errors
say nothing about the internals; every answer carries the security headers
and `no-store`; metrics, events and URLs carry no person-level data.
"""

from __future__ import annotations

import base64
import re
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import replace
from datetime import UTC, datetime, timedelta
from functools import partial
from typing import Any
from urllib.parse import quote

import psycopg
import pytest
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from fastapi.testclient import TestClient
from httpx2 import Response
from sqlalchemy import create_engine, func, select

from detainers.adapters.db import tables as t
from detainers.adapters.db.unit_of_work import SqlUnitOfWorkFactory
from detainers.domain.access import SYSTEM
from detainers.entrypoints.api.app import API_PREFIX, create_app
from detainers.entrypoints.api.guard import MAX_BODY_BYTES
from detainers.entrypoints.api.ratelimit import LOGIN, SEARCH
from detainers.services import accounts, audit, detainers, queries
from detainers.services.recent_keys import RecentKeys
from tests.integration.api.conftest import FACILITY, OTHER_AGENCY, Api
from tests.integration.api.tenants import (
    AUDITOR,
    OFFICER,
    OTHER_OFFICER,
    STAFF,
    SUPERVISOR,
    Who,
    World,
    booking_body,
    lodge_body,
    make_account,
    serial,
)

PROBLEM = "application/problem+json"
YEAR = 365 * 24 * 3600


def app_of(api: Api) -> FastAPI:
    app = api.client.app
    assert isinstance(app, FastAPI)
    return app


def quiet_client(api: Api) -> TestClient:
    """A client that receives a 500 as the network would, instead of the exception."""
    return TestClient(app_of(api), base_url="https://testserver", raise_server_exceptions=False)


def detainer(api: Api, detainer_id: str) -> dict[str, Any]:
    response = api.client.get(f"/api/v1/detainers/{detainer_id}", headers=OFFICER.headers(api))
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    return body


def assert_secure_headers(response: Response) -> None:
    h = response.headers
    max_age = re.search(r"max-age=(\d+)", h.get("strict-transport-security", ""))
    assert max_age is not None, h
    assert int(max_age.group(1)) >= YEAR, h
    assert "frame-ancestors 'none'" in h.get("content-security-policy", ""), h
    assert h.get("x-content-type-options") == "nosniff", h
    assert h.get("referrer-policy") == "no-referrer", h
    assert h.get("cache-control") == "no-store", h
    assert h.get("x-request-id"), h


# -- AP-01 ---------------------------------------------------------------------------


def test_AP_01_state_machine_is_enforced_server_side(api: Api) -> None:
    world = World.build(api)
    path = f"/api/v1/detainers/{world.detainer_id}"
    before = detainer(api, world.detainer_id)
    assert before["state"] == "received"

    # Nothing that needs a permitting decision happens before there is one.
    release_at = (datetime.now(UTC) + timedelta(days=1)).isoformat()
    for step, body in (
        ("transfer", {}),
        ("release-notice", {"release_at": release_at}),
        ("release-at-deadline", {}),
    ):
        refused = api.client.post(f"{path}/{step}", json=body, headers=STAFF.headers(api))
        assert refused.status_code == 409, f"{step}: {refused.text}"
        assert refused.headers["content-type"] == PROBLEM
    assert detainer(api, world.detainer_id) == before
    booking = api.client.get(f"/api/v1/bookings/{world.booking_id}", headers=STAFF.headers(api))
    assert booking.json()["released_at"] is None

    # A decision to decline does not permit a transfer either.
    declined = api.client.post(
        f"{path}/review", json={"choice": "decline"}, headers=STAFF.headers(api)
    )
    assert declined.status_code == 200, declined.text
    assert declined.json()["state"] == "declined"
    transfer = api.client.post(f"{path}/transfer", json={}, headers=STAFF.headers(api))
    assert transfer.status_code == 409, transfer.text
    assert detainer(api, world.detainer_id)["state"] == "declined"

    # A closed detainer stays closed.
    cancelled = api.client.post(
        f"{path}/cancel", json={"reason": "withdrawn"}, headers=OFFICER.headers(api)
    )
    assert cancelled.json()["state"] == "cancelled", cancelled.text
    closed = detainer(api, world.detainer_id)
    steps: tuple[tuple[str, dict[str, Any], Who], ...] = (
        ("serve", {}, STAFF),
        ("review", {"choice": "honor"}, STAFF),
        ("amend", {"reason": "again", "requests": ["notify"]}, OFFICER),
        ("cancel", {"reason": "twice"}, OFFICER),
    )
    for step, body, who in steps:
        refused = api.client.post(f"{path}/{step}", json=body, headers=who.headers(api))
        assert refused.status_code == 409, f"{step}: {refused.text}"
    assert detainer(api, world.detainer_id) == closed


# -- AP-02 ---------------------------------------------------------------------------


def _lodged_for(api: Api, n: int) -> list[str]:
    """Ids of agency A's detainers lodged for the subject of `lodge_body(n)`."""
    listed = api.client.get(
        "/api/v1/detainers", params={"limit": 200}, headers=OFFICER.headers(api)
    )
    state_id = lodge_body(n)["subject"]["identifiers"]["state_id"]
    return [
        d["id"]
        for d in listed.json()["items"]
        if d["subject"]["identifiers"].get("state_id") == state_id
    ]


def _at_once(count: int, send: Callable[[], Response]) -> list[Response]:
    """`send()` from `count` threads released together; the answers."""
    start = threading.Barrier(count, timeout=30)
    answers: list[Response] = []

    def one() -> None:
        start.wait()
        answers.append(send())

    threads = [threading.Thread(target=one) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return answers


def test_AP_02_duplicate_creates_with_one_idempotency_key_are_processed_once(api: Api) -> None:
    # Retried one after the other: one booking, then replays of it.
    n = serial()
    headers = {**STAFF.headers(api), "Idempotency-Key": f"booking-{n}"}
    body = booking_body(n)
    answers = [api.client.post("/api/v1/bookings", json=body, headers=headers) for _ in range(3)]
    assert [a.status_code for a in answers] == [201, 200, 200]
    assert len({a.json()["id"] for a in answers}) == 1
    assert all(a.headers.get("Idempotent-Replayed") == "true" for a in answers[1:])

    # Sent at the same moment: still one detainer. The loser is told it is a replay,
    # or (409) to retry, and the retry is a replay.
    for _ in range(3):
        n = serial()
        headers = {**OFFICER.headers(api), "Idempotency-Key": f"lodge-{n}"}
        lodge = partial(api.client.post, "/api/v1/detainers", json=lodge_body(n), headers=headers)
        answers = _at_once(2, lodge)
        statuses = sorted(a.status_code for a in answers)
        assert statuses in ([200, 201], [201, 409]), [a.text for a in answers]
        created = next(a.json()["id"] for a in answers if a.status_code == 201)
        retry = api.client.post("/api/v1/detainers", json=lodge_body(n), headers=headers)
        assert (retry.status_code, retry.json()["id"]) == (200, created)
        assert _lodged_for(api, n) == [created]

    # A key is the caller's own: another office using the same key creates its own detainer.
    theirs = api.client.post(
        "/api/v1/detainers",
        json=lodge_body(n, agency=OTHER_AGENCY),
        headers={**OTHER_OFFICER.headers(api), "Idempotency-Key": f"lodge-{n}"},
    )
    assert theirs.status_code == 201
    assert theirs.json()["id"] != created


# -- AP-04 ---------------------------------------------------------------------------

HOSTILE = (
    "' OR '1'='1",
    "1; DROP TABLE detainer; --",
    '" OR ""="',
    "admin'--",
    "') UNION SELECT password_hash FROM app_user --",
    "../../etc/passwd",
    "%00",
    "${jndi:ldap://example.invalid/a}",
    "<script>alert(1)</script>",
)


def test_AP_04_hostile_strings_are_data_and_mass_assignment_is_refused(api: Api) -> None:
    world = World.build(api)
    client = quiet_client(api)
    officer = OFFICER.headers(api)

    # In the path and the query: refused as malformed or not found, never a server error.
    for text in HOSTILE:
        answers = [
            client.get(f"/api/v1/detainers/{quote(text, safe='')}", headers=officer),
            client.get(f"/api/v1/bookings/{quote(text, safe='')}", headers=STAFF.headers(api)),
            client.get("/api/v1/detainers", params={"state": text}, headers=officer),
            client.get("/api/v1/detainers", params={"limit": text}, headers=officer),
            client.get("/api/v1/bookings", params={"in_custody": text}, headers=STAFF.headers(api)),
        ]
        for answer in answers:
            assert answer.status_code in (404, 405, 422), f"{answer.url}: {answer.text}"
        # A cursor that decodes to an injection (or to a NUL) is only a place in the list.
        for cursor in (text, base64.urlsafe_b64encode(text.encode()).decode(), "AA"):
            paged = client.get("/api/v1/detainers", params={"cursor": cursor}, headers=officer)
            assert paged.status_code in (200, 422), paged.text
            if paged.status_code == 200:
                assert {d["agency"] for d in paged.json()["items"]} <= {OFFICER.agency}

    # In a body: stored and given back exactly as sent.
    n = serial()
    body = booking_body(n, family="O'Brien'); DROP TABLE person; --")
    body["booking_number"] = "B'1; DROP TABLE booking;--"
    booked = client.post("/api/v1/bookings", json=body, headers=STAFF.headers(api))
    assert booked.status_code == 201, booked.text
    assert booked.json()["booking_number"] == body["booking_number"]
    lodged = lodge_body(n)
    lodged["subject"]["name"]["family"] = ["O'Brien'); DROP TABLE detainer; --"]
    answer = client.post("/api/v1/detainers", json=lodged, headers=officer)
    assert answer.status_code == 201, answer.text
    assert answer.json()["subject"]["name"]["family"] == lodged["subject"]["name"]["family"]
    listed = client.get("/api/v1/detainers", headers=officer)
    assert {d["id"] for d in listed.json()["items"]} == {world.detainer_id, answer.json()["id"]}
    # The cursors the API gives still page (they decode to ids).
    first = client.get("/api/v1/detainers", params={"limit": 1}, headers=officer).json()
    params = {"limit": 1, "cursor": first["next_cursor"]}
    second = client.get("/api/v1/detainers", params=params, headers=officer).json()
    assert [d["id"] for d in first["items"] + second["items"]] == [
        d["id"] for d in listed.json()["items"]
    ]

    # A NUL character, which one database stores and the other refuses, is refused by name.
    nul = lodge_body(serial())
    nul["subject"]["name"]["given"] = ["Ada\u0000eze"]
    refused = client.post("/api/v1/detainers", json=nul, headers=officer)
    assert refused.status_code == 422, refused.text
    assert [e["field"] for e in refused.json()["errors"]] == ["body.subject.name.given"]

    # Server-set fields cannot be assigned; each is named, and nothing is created or changed.
    before = detainer(api, world.detainer_id)
    attempts: list[tuple[str, dict[str, Any], dict[str, str], set[str]]] = [
        (
            "/api/v1/detainers",
            {**lodge_body(serial()), "id": "mine", "state": "transferred", "version": 9},
            officer,
            {"body.id", "body.state", "body.version"},
        ),
        (
            "/api/v1/detainers",
            {
                **lodge_body(serial()),
                "subject": {**lodge_body(0)["subject"], "person_id": world.person_id},
            },
            officer,
            {"body.subject.person_id"},
        ),
        (
            "/api/v1/bookings",
            {**booking_body(serial()), "person_id": world.person_id, "released_at": None},
            STAFF.headers(api),
            {"body.person_id", "body.released_at"},
        ),
        (
            f"/api/v1/detainers/{world.detainer_id}/review",
            {"choice": "honor", "noncompliant": False, "decided_by": "someone"},
            STAFF.headers(api),
            {"body.noncompliant", "body.decided_by"},
        ),
        (
            f"/api/v1/detainers/{world.detainer_id}/amend",
            {"reason": "x", "state": "cancelled", "lodged_by": "x"},
            officer,
            {"body.state", "body.lodged_by"},
        ),
    ]
    for path, attempt, headers, fields in attempts:
        answer = client.post(path, json=attempt, headers=headers)
        assert answer.status_code == 422, f"{path}: {answer.text}"
        assert {e["field"] for e in answer.json()["errors"]} == fields, path
    assert detainer(api, world.detainer_id) == before
    assert len(client.get("/api/v1/detainers", headers=officer).json()["items"]) == 2


# -- AP-05 ---------------------------------------------------------------------------


def test_AP_05_login_and_search_are_rate_limited(api: Api) -> None:
    account = make_account(api, STAFF)
    wrong = {"username": account.username, "password": "not the password", "code": "000000"}
    tries = [api.client.post("/api/v1/session", json=wrong) for _ in range(LOGIN.requests)]
    assert [t.status_code for t in tries] == [401] * LOGIN.requests
    # Past the limit even the right password and code are not looked at.
    limited = api.client.post("/api/v1/session", json=account.login_body(api))
    assert limited.status_code == 429, limited.text
    assert limited.headers["content-type"] == PROBLEM
    assert 1 <= int(limited.headers["retry-after"]) <= LOGIN.per_seconds
    assert_secure_headers(limited)

    officer = OFFICER.headers(api)
    searches = [
        api.client.get("/api/v1/detainers", headers=officer) for _ in range(SEARCH.requests)
    ]
    assert {s.status_code for s in searches} == {200}
    for path, who in (("/api/v1/detainers", OFFICER), ("/api/v1/bookings", STAFF)):
        limited = api.client.get(path, headers=who.headers(api))
        assert limited.status_code == 429, f"{path}: {limited.text}"
        assert 1 <= int(limited.headers["retry-after"]) <= SEARCH.per_seconds
    # Other reads are not searches.
    assert api.client.get("/api/v1/agencies", headers=officer).status_code == 200


# -- AP-06 ---------------------------------------------------------------------------


def _explode(*_: object, **__: object) -> object:
    raise RuntimeError("secret internals at /srv/detainers/db.py line 42")


def test_AP_06_errors_are_generic_with_no_stack_traces(
    api: Api, monkeypatch: pytest.MonkeyPatch
) -> None:
    client = quiet_client(api)
    monkeypatch.setattr(queries, "list_detainers", _explode)
    monkeypatch.setattr(detainers, "lodge_detainer", _explode)

    for method, path, body in (
        ("GET", "/api/v1/detainers", None),
        ("POST", "/api/v1/detainers", lodge_body(serial())),
    ):
        answer = client.request(method, path, json=body, headers=OFFICER.headers(api))
        assert answer.status_code == 500, answer.text
        assert answer.headers["content-type"] == PROBLEM
        problem = answer.json()
        assert problem["title"] == "Internal error"
        assert problem["request_id"] == answer.headers["x-request-id"]
        for secret in ("secret internals", "/srv/", "Traceback", "RuntimeError", "line 42"):
            assert secret not in answer.text
        assert_secure_headers(answer)

    # A refusal that cannot be audited is not turned into an admission: it fails closed.
    monkeypatch.setattr(audit, "denied", _explode)
    agency = {"code": "ERO-X", "name": "X", "jurisdiction": "US"}
    answer = client.post("/api/v1/agencies", json=agency, headers=AUDITOR.headers(api))
    assert answer.status_code == 500
    codes = {a["code"] for a in client.get("/api/v1/agencies", headers=AUDITOR.headers(api)).json()}
    assert "ERO-X" not in codes


# -- AP-07 ---------------------------------------------------------------------------


def _cookie(header: str) -> tuple[str, dict[str, str]]:
    """A `Set-Cookie` header's name and its attributes (lower-cased names)."""
    first, *attributes = [part.strip() for part in header.split(";")]
    name = first.partition("=")[0]
    found = {}
    for attribute in attributes:
        key, _, value = attribute.partition("=")
        found[key.lower()] = value
    return name, found


def test_AP_07_security_headers_and_cookie_flags(api: Api) -> None:
    world = World.build(api)
    client = TestClient(app_of(api), base_url="https://testserver")

    for answer in (
        client.get("/api/v1/jurisdictions", headers=OFFICER.headers(api)),
        client.get(f"/api/v1/detainers/{world.detainer_id}", headers=OFFICER.headers(api)),
        client.get("/api/v1/detainers"),
        client.get(f"/api/v1/detainers/{world.detainer_id}", headers=OTHER_OFFICER.headers(api)),
        client.get("/api/v1/no-such-thing"),
        client.post("/api/v1/detainers", json={}, headers=OFFICER.headers(api)),
        client.get("/openapi.json"),
        client.get("/healthz"),
    ):
        assert_secure_headers(answer)

    account = make_account(api, SUPERVISOR)
    signed_in = client.post("/api/v1/session", json=account.login_body(api))
    assert signed_in.status_code == 201, signed_in.text
    assert_secure_headers(signed_in)
    (set_cookie,) = signed_in.headers.get_list("set-cookie")
    name, attributes = _cookie(set_cookie)
    assert name == "__Host-session"
    assert {"secure", "httponly"} <= attributes.keys()
    assert attributes["samesite"].lower() == "strict"
    assert attributes["path"] == "/"
    assert "domain" not in attributes  # a __Host- cookie is for this host only

    # The cookie is the session; signing out ends it and clears the cookie alike.
    who = client.get("/api/v1/session")
    assert (who.status_code, who.json()["username"]) == (200, account.username)
    signed_out = client.delete("/api/v1/session")
    assert signed_out.status_code == 204
    name, attributes = _cookie(signed_out.headers["set-cookie"])
    assert (name, attributes.get("max-age"), attributes["path"]) == ("__Host-session", "0", "/")
    assert {"secure", "httponly"} <= attributes.keys()
    client.cookies.set("__Host-session", signed_in.json()["token"])
    assert client.get("/api/v1/session").status_code == 401


# -- DP-01 ---------------------------------------------------------------------------


def _route_templates(app: FastAPI) -> set[str]:
    return {
        str(r.path)
        for r in iter_route_contexts(app.routes)
        if isinstance(r.original_route, APIRoute)
    }


def test_DP_01_event_and_metric_metadata_carry_no_person_data(api: Api) -> None:
    world = World.build(api)
    path = f"/api/v1/detainers/{world.detainer_id}"
    staff = STAFF.headers(api)
    api.client.post(f"{path}/serve", json={}, headers=staff)
    api.client.post(f"{path}/review", json={"choice": "notify_only"}, headers=staff)
    api.client.get(f"/api/v1/bookings/{world.booking_id}", headers=staff)
    person = {*world.person_values, "Adaeze"}

    # The detainer's events and the audit trail name records by id, never by person.
    events = detainer(api, world.detainer_id)["events"]
    assert len(events) >= 3
    for event in events:
        metadata = " ".join(
            str(event[k]) for k in ("type", "actor", "reason", "from_state", "to_state")
        )
        assert not [p for p in person | {world.person_id} if p in metadata], event
    with api.application.context.uow() as uow:
        records = uow.audit.records(limit=100_000)
    for record in records:
        e = record.entry
        metadata = " ".join((e.actor, e.action, e.object_type, e.object_id, e.detail))
        assert not [p for p in person if p in metadata], e

    # Metrics are labelled by route template, even for raw paths that hold ids or names.
    api.client.get(f"/api/v1/detainers/{world.person_values[0]}", headers=staff)
    api.client.get(f"/api/v1/people/{world.person_values[0]}/{world.person_values[1]}")
    metrics = api.client.get("/metrics").text
    for secret in (*person, world.person_id, world.booking_number, *world.ids.values()):
        assert secret not in metrics
    routes = set(re.findall(r'route="([^"]*)"', metrics))
    assert f"{API_PREFIX}/detainers/{{detainer_id}}" in routes
    assert routes <= _route_templates(app_of(api)) | {"unmatched"}


# -- DP-03 ---------------------------------------------------------------------------

# Query parameters filter and page; none names or describes a person.
QUERY_PARAMETERS = frozenset(
    {"in_custody", "state", "limit", "cursor", "after_seq", "by", "from", "to", "zone", "open_only"}
)
# Path parameters that name an organization and a channel (an endpoint's), never a person.
ORGANIZATION_PATH = {"audience": "facility", "owner_code": FACILITY, "channel": "email"}


def _parameters(document: dict[str, Any]) -> Iterator[tuple[str, str, dict[str, Any]]]:
    for path, operations in document["paths"].items():
        for operation in operations.values():
            for parameter in operation.get("parameters", []):
                yield path, parameter["in"], parameter


def test_DP_03_no_person_data_in_urls_and_responses_are_no_store(api: Api) -> None:
    document = api.client.get("/openapi.json").json()
    for path, where, parameter in _parameters(document):
        if where == "path" and parameter["name"] in ("audience", "channel"):
            assert "enum" in parameter["schema"] or "$ref" in parameter["schema"], path
        elif where == "path":
            # A path holds only opaque record ids (or an organization's code): no name, number
            # or date of a person.
            assert parameter["name"] in (
                "booking_id",
                "detainer_id",
                "message_id",
                "notice_id",
                "owner_code",
            ), path
            assert parameter["schema"]["pattern"] == "^[A-Za-z0-9-]+$", path
            assert parameter["schema"]["maxLength"] <= 36, path
        if where == "query":
            assert parameter["name"] in QUERY_PARAMETERS, f"{path}: {parameter['name']}"

    # Ids handed out are random, not made from what identifies the person.
    world = World.build(api)
    uuid = re.compile(r"^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$")
    assert uuid.match(world.booking_id)
    assert uuid.match(world.detainer_id)
    created = api.client.post(
        "/api/v1/bookings", json=booking_body(serial()), headers=STAFF.headers(api)
    )
    assert created.headers["location"] == f"/api/v1/bookings/{created.json()['id']}"

    # Every answer, of every route, tells caches not to keep it.
    for route in iter_route_contexts(app_of(api).routes):
        if not isinstance(route.original_route, APIRoute) or "GET" not in (route.methods or ()):
            continue
        for headers in ({}, STAFF.headers(api), OFFICER.headers(api)):
            answer = api.client.get(
                str(route.path).format(**world.ids, **ORGANIZATION_PATH),
                headers=headers,
                params={"by": "facility"},
            )
            assert answer.headers.get("cache-control") == "no-store", (
                f"{route.path}: {answer.status_code}"
            )


# -- limits and origins --------------------------------------------------------------


def test_a_request_body_over_one_megabyte_is_refused_with_413(api: Api) -> None:
    n = serial()
    big = {**lodge_body(n), "padding": "x" * MAX_BODY_BYTES}
    client = quiet_client(api)
    declared = client.post("/api/v1/detainers", json=big, headers=OFFICER.headers(api))

    def chunks() -> Iterator[bytes]:
        for _ in range(MAX_BODY_BYTES // 65_536 + 2):
            yield b" " * 65_536

    streamed = client.post(
        "/api/v1/detainers",
        content=chunks(),
        headers={**OFFICER.headers(api), "content-type": "application/json"},
    )
    for answer in (declared, streamed):
        assert answer.status_code == 413, answer.text
        assert answer.headers["content-type"] == PROBLEM
        assert answer.json()["status"] == 413
        assert_secure_headers(answer)
    assert _lodged_for(api, n) == []


def test_a_cross_origin_preflight_is_not_allowed(api: Api) -> None:
    origin = "https://evil.example"
    preflight = api.client.options(
        "/api/v1/detainers",
        headers={
            "Origin": origin,
            "Access-Control-Request-Method": "POST",
            "Access-Control-Request-Headers": "authorization, content-type",
        },
    )
    assert preflight.status_code >= 400
    assert "access-control-allow-origin" not in preflight.headers
    assert "access-control-allow-credentials" not in preflight.headers
    simple = api.client.get("/api/v1/detainers", headers={"Origin": origin, **OFFICER.headers(api)})
    assert "access-control-allow-origin" not in simple.headers


def test_a_database_that_dropped_its_connections_costs_one_503_and_no_half_write(
    api: Api,
) -> None:
    """Pooled connections are not pinged before use: a restart is found by the next statement.

    That request is answered 503 with `Retry-After` (its transaction never committed) and
    the pool lets go of every connection it held then, so the retry succeeds.
    """
    engine = api.application.engine
    if engine.dialect.name != "postgresql":
        pytest.skip("SQLite is a file in the process: there is no server to drop a connection")
    client = quiet_client(api)
    headers = OFFICER.headers(api)
    assert client.post("/api/v1/detainers", json=lodge_body(1), headers=headers).status_code == 201
    with api.application.engine.connect() as conn:
        before = conn.execute(select(func.count()).select_from(t.detainer)).scalar_one()
    with psycopg.connect(str(engine.url.set(drivername="postgresql")), autocommit=True) as admin:
        dropped = admin.execute(
            "SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity"
            " WHERE datname = current_database() AND pid <> pg_backend_pid()"
        ).fetchone()
    assert dropped is not None
    assert dropped[0] >= 1

    lost = client.post("/api/v1/detainers", json=lodge_body(2), headers=headers)
    retried = client.post("/api/v1/detainers", json=lodge_body(2), headers=headers)

    assert lost.status_code == 503, lost.text
    assert lost.headers["content-type"] == PROBLEM
    assert lost.headers["retry-after"] == "1"
    assert "may not have been carried out" in lost.json()["detail"]
    assert retried.status_code == 201, retried.text
    with api.application.engine.connect() as conn:
        after = conn.execute(select(func.count()).select_from(t.detainer)).scalar_one()
    assert after == before + 1


def test_a_database_that_cannot_be_reached_is_503_with_retry_after(api: Api) -> None:
    """Down or restarting: every request that needs it is told to come back, not a 500."""
    nowhere = create_engine("postgresql+psycopg://postgres@127.0.0.1:1/none")
    ctx = replace(api.application.context, uow=SqlUnitOfWorkFactory(nowhere))
    application = replace(api.application, engine=nowhere, context=ctx)
    with TestClient(
        create_app(application), base_url="https://testserver", raise_server_exceptions=False
    ) as client:
        answer = client.get("/api/v1/detainers", headers=OFFICER.headers(api))
        ready = client.get("/readyz")

    assert answer.status_code == 503, answer.text
    assert answer.headers["content-type"] == PROBLEM
    assert answer.headers["retry-after"] == "1"
    assert answer.json()["title"] == "Database unavailable"
    assert "127.0.0.1" not in answer.text  # the driver's message stays in the server
    assert ready.status_code == 503
    nowhere.dispose()


def test_a_served_key_is_remembered_briefly_and_a_revocation_is_felt(api: Api) -> None:
    """The server trusts a key it verified for `key_cache_seconds` (here 0.5 s).

    Revoked by the serving process, the key is refused at once; revoked by another
    process (`detainers keys revoke`), within that half second.
    """
    remembered = RecentKeys(timedelta(seconds=0.5))
    ctx = replace(api.application.context, recent_keys=remembered)
    application = replace(api.application, context=ctx)
    here = api.keys.officer()
    elsewhere = api.keys.officer(OTHER_AGENCY)
    with TestClient(create_app(application), base_url="https://testserver") as client:

        def status(secret_headers: dict[str, str]) -> int:
            return client.get("/api/v1/detainers", headers=secret_headers).status_code

        assert status(here) == status(elsewhere) == 200
        # Another process revokes `elsewhere`: it shares no memory with this server.
        accounts.revoke_key(_prefix(elsewhere), api.application.context.acting(SYSTEM))
        # This process revokes `here`.
        accounts.revoke_key(_prefix(here), ctx.acting(SYSTEM))

        assert status(here) == 401
        assert status(elsewhere) == 200  # remembered, for less than half a second more
        time.sleep(0.6)
        assert status(elsewhere) == 401


def _prefix(headers: dict[str, str]) -> str:
    return headers["Authorization"].removeprefix("Bearer ").split("_", 2)[1]
