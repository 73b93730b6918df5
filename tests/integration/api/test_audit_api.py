"""The audit trail over HTTP: auditors read and verify it; everyone else is refused (and recorded)."""

from __future__ import annotations

from datetime import UTC, datetime

from tests.integration.api.conftest import Api
from tests.integration.api.test_basics import LODGE


def test_an_auditor_pages_through_the_trail_and_sees_the_lodging_and_the_denial(api: Api) -> None:
    lodged = api.client.post("/api/v1/detainers", json=LODGE, headers=api.keys.officer())
    assert lodged.status_code == 201
    assert api.client.get("/api/v1/audit/records", headers=api.keys.officer()).status_code == 403

    first = api.client.get("/api/v1/audit/records?limit=2", headers=api.keys.auditor())
    assert first.status_code == 200
    page = first.json()
    assert len(page["items"]) == 2
    rest = api.client.get(
        f"/api/v1/audit/records?after_seq={page['next_after_seq']}&limit=200",
        headers=api.keys.auditor(),
    ).json()["items"]
    records = page["items"] + rest
    assert [r["seq"] for r in records] == list(range(1, len(records) + 1))
    lodge = next(r for r in records if r["action"] == "detainer.lodge")
    assert (lodge["object_id"], lodge["outcome"], lodge["organization"]) == (
        lodged.json()["id"],
        "success",
        "ERO-BOS",
    )
    assert lodge["request_id"] == lodged.headers["x-request-id"]
    denial = next(r for r in records if r["outcome"] == "denied")
    assert denial["action"] == "audit.read"


def test_the_chain_verifies_over_http_and_the_review_lists_the_denial(api: Api) -> None:
    api.client.get("/api/v1/bookings", headers=api.keys.officer())  # an officer may not: denied
    verified = api.client.post("/api/v1/audit/verify", headers=api.keys.auditor()).json()
    assert verified["intact"] is True
    assert verified["records"] > 0
    today = datetime.now(UTC).date().isoformat()
    review = api.client.get(
        f"/api/v1/audit/review?from={today}&to={today}", headers=api.keys.auditor()
    ).json()
    assert [r["action"] for r in review["denials"]] == ["booking.read"]


def test_a_review_with_to_before_from_names_the_field(api: Api) -> None:
    response = api.client.get(
        "/api/v1/audit/review?from=2026-01-08&to=2026-01-01", headers=api.keys.auditor()
    )
    assert response.status_code == 422
    assert response.json()["errors"][0]["field"] == "to"
