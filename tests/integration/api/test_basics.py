"""The API's conventions: problem details naming the field, security headers, health, OpenAPI."""

from __future__ import annotations

from tests.integration.api.conftest import AGENCY, FACILITY, Api

LODGE = {
    "agency": AGENCY,
    "facility": FACILITY,
    "subject": {
        "name": {"given": ["Test"], "family": ["Person"]},
        "identifiers": {"state_id": "CT-TEST-0001"},
    },
    "form": "I-247A",
    "probable_cause": ["pending_proceedings"],
    "warrant": "I-200",
    "requests": ["notify", "hold"],
}


def test_an_unknown_vocabulary_value_is_a_problem_naming_the_field_and_the_accepted_values(
    api: Api,
) -> None:
    body = {**LODGE, "warrant": "signed-by-someone"}
    response = api.client.post("/api/v1/detainers", json=body, headers=api.keys.officer())
    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    problem = response.json()
    assert [e["field"] for e in problem["errors"]] == ["body.warrant"]
    assert "judicial" in problem["errors"][0]["problem"]


def test_an_unknown_key_is_refused_naming_it(api: Api) -> None:
    response = api.client.post(
        "/api/v1/detainers", json={**LODGE, "priority": "high"}, headers=api.keys.officer()
    )
    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["body.priority"]


def test_a_retried_lodging_with_the_same_idempotency_key_creates_one_detainer(api: Api) -> None:
    headers = {**api.keys.officer(), "Idempotency-Key": "lodge-7f3a"}
    first = api.client.post("/api/v1/detainers", json=LODGE, headers=headers)
    again = api.client.post("/api/v1/detainers", json=LODGE, headers=headers)
    assert first.status_code == 201
    assert again.status_code == 200
    assert again.headers["Idempotent-Replayed"] == "true"
    assert again.json()["id"] == first.json()["id"]
    listed = api.client.get("/api/v1/detainers", headers=api.keys.officer()).json()
    assert [d["id"] for d in listed["items"]] == [first.json()["id"]]


def test_an_idempotency_key_reused_for_another_request_is_refused(api: Api) -> None:
    headers = {**api.keys.officer(), "Idempotency-Key": "lodge-reused"}
    api.client.post("/api/v1/detainers", json=LODGE, headers=headers)
    other = {**LODGE, "requests": ["notify"]}
    response = api.client.post("/api/v1/detainers", json=other, headers=headers)
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "Idempotency-Key"


def test_every_response_carries_the_security_headers_and_a_request_id(api: Api) -> None:
    response = api.client.get("/healthz", headers={"X-Request-ID": "req-123"})
    assert response.status_code == 200
    h = response.headers
    assert h["strict-transport-security"].startswith("max-age=31536000")
    assert "frame-ancestors 'none'" in h["content-security-policy"]
    assert h["x-content-type-options"] == "nosniff"
    assert h["referrer-policy"] == "no-referrer"
    assert h["cache-control"] == "no-store"
    assert h["x-request-id"] == "req-123"


def test_readiness_reports_the_schema_revision(api: Api) -> None:
    response = api.client.get("/readyz")
    assert response.status_code == 200
    assert response.json()["schema_revision"] == "0005"


def test_without_credentials_person_level_routes_answer_401(api: Api) -> None:
    response = api.client.get("/api/v1/detainers")
    assert response.status_code == 401
    assert response.headers["www-authenticate"] == "Bearer"


def test_a_bad_key_is_401_and_never_a_server_error(api: Api) -> None:
    response = api.client.get("/api/v1/detainers", headers={"Authorization": "Bearer dk_nope_nope"})
    assert response.status_code == 401


def test_the_openapi_document_is_3_1_with_stable_operation_ids(api: Api) -> None:
    doc = api.client.get("/openapi.json").json()
    assert doc["openapi"].startswith("3.1")
    ids = [op["operationId"] for path in doc["paths"].values() for op in path.values()]
    assert len(ids) == len(set(ids))
    assert {"lodgeDetainer", "reviewDetainer", "evaluateCase", "recordBooking"} <= set(ids)
