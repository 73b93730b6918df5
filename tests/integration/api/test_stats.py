"""`GET /api/v1/stats/detainers`: public, typed, suppressed, and strict about its query."""

from __future__ import annotations

from detainers.domain import commands as c
from detainers.domain.detainer import LodgedSubject
from detainers.domain.person import PersonName
from detainers.domain.vocabulary import (
    DetainerForm,
    IdentifierKind,
    ProbableCause,
    RequestedAction,
    Warrant,
)
from detainers.services import detainers
from tests.integration.api.conftest import AGENCY, FACILITY, OTHER_FACILITY, Api

URL = "/api/v1/stats/detainers"


def _lodge(api: Api, facility: str, n: int) -> None:
    for i in range(n):
        detainers.lodge_detainer(
            c.LodgeDetainer(
                agency_code=AGENCY,
                facility_code=facility,
                subject=LodgedSubject(
                    name=PersonName(given=("Test",), family=("Person",)),
                    identifiers={IdentifierKind.STATE_ID: f"{facility}-{i:04d}"},
                ),
                form=DetainerForm.I_247A,
                probable_cause=frozenset({ProbableCause.PENDING_PROCEEDINGS}),
                warrant=Warrant.I_200,
                requests=frozenset({RequestedAction.NOTIFY}),
                actor="officer-1",
            ),
            api.application.context,
        )


def test_anyone_reads_statistics_by_facility_with_small_cells_suppressed(api: Api) -> None:
    _lodge(api, FACILITY, 10)
    _lodge(api, OTHER_FACILITY, 1)

    response = api.client.get(URL, params={"by": "facility"})

    assert response.status_code == 200
    body = response.json()
    assert body["grouping"] == "facility"
    assert body["period"] == {"from_inclusive": None, "to_inclusive": None}
    assert body["minimum_cell_size"] == 10
    rows = {row["key"]: row for row in body["rows"]}
    assert set(rows) == {FACILITY, OTHER_FACILITY}
    assert rows[FACILITY]["lodged"] == {"value": 10, "suppressed": False}
    assert rows[FACILITY]["declined"] == {"value": 0, "suppressed": False}
    assert rows[OTHER_FACILITY]["lodged"] == {"value": None, "suppressed": True}
    assert rows[FACILITY]["median_days_release_to_arrest"] == {"value": None, "suppressed": False}
    assert set(rows[FACILITY]) - {"key"} <= set(body["definitions"])
    assert "counts under 10 are suppressed" in body["definitions"]["suppression"]


def test_statistics_for_a_period_report_the_period(api: Api) -> None:
    _lodge(api, FACILITY, 1)

    response = api.client.get(URL, params={"by": "month", "from": "2000-01-01", "to": "2000-12-31"})

    assert response.status_code == 200
    body = response.json()
    assert body["period"] == {"from_inclusive": "2000-01-01", "to_inclusive": "2000-12-31"}
    assert body["rows"] == []


def test_an_unknown_grouping_is_a_problem_naming_by_and_the_accepted_values(api: Api) -> None:
    response = api.client.get(URL, params={"by": "county"})

    assert response.status_code == 422
    assert response.headers["content-type"] == "application/problem+json"
    errors = response.json()["errors"]
    assert [e["field"] for e in errors] == ["query.by"]
    assert "jurisdiction" in errors[0]["problem"]


def test_a_missing_grouping_is_a_problem_naming_by(api: Api) -> None:
    response = api.client.get(URL)

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["query.by"]


def test_a_period_starting_after_it_ends_is_a_problem_naming_from(api: Api) -> None:
    response = api.client.get(URL, params={"by": "month", "from": "2024-02-02", "to": "2024-02-01"})

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["from"]


def test_a_malformed_date_is_a_problem_naming_the_parameter(api: Api) -> None:
    response = api.client.get(URL, params={"by": "month", "to": "last tuesday"})

    assert response.status_code == 422
    assert [e["field"] for e in response.json()["errors"]] == ["query.to"]


def test_the_statistics_operation_is_documented_with_typed_models(api: Api) -> None:
    document = api.client.get("/openapi.json").json()
    operation = document["paths"][URL]["get"]

    assert operation["operationId"] == "getDetainerStatistics"
    assert operation["summary"]
    assert "suppressed" in operation["description"]
    parameters = {p["name"]: p for p in operation["parameters"]}
    assert {"by", "from", "to"} <= set(parameters)
    schema = operation["responses"]["200"]["content"]["application/json"]["schema"]
    assert schema == {"$ref": "#/components/schemas/StatisticsOut"}
