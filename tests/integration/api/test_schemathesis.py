"""Schemathesis over the whole OpenAPI document, as every role and anonymously.

For each operation the document declares, Schemathesis generates valid and
invalid requests from the schema (the schema's own examples among them) to the
app in process, authenticated as the admin, as facility staff and a facility
supervisor at CT-DOC-HCC, as an officer of ERO-BOS, as an auditor, and with no
credentials. Before each operation a fresh booking and a detainer lodged on it
are made, and path ids name them about half the time, so the routes behind the
404s run too. Every answer must be no server error, with a status code the
document declares for the operation, in a declared content type, and a body
matching the declared schema. Every failure of every operation is reported.

The run is bounded and reproducible: ten requests per operation and caller,
derandomized (the same requests every run), no shrinking (the database keeps
what earlier examples did, so a shrunk example need not fail the same way;
each failure comes with a curl command instead).
"""

from __future__ import annotations

import traceback
from collections.abc import Callable
from itertools import count

import pytest
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import Case, GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.core.failures import FailureGroup
from schemathesis.core.result import Err
from schemathesis.schemas import APIOperation
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)

from detainers.domain.access import Role
from tests.integration.api.conftest import AGENCY, FACILITY, Api, Keys

EXAMPLES = 10  # per operation and caller: the schema's examples, valid and invalid requests

CHECKS = [
    not_a_server_error,
    status_code_conformance,
    content_type_conformance,
    response_schema_conformance,
]

CALLERS: dict[str, Callable[[Keys], dict[str, str]]] = {
    "admin": lambda keys: keys.admin(),
    "facility_staff": lambda keys: keys.facility_staff(),
    "facility_supervisor": lambda keys: keys.headers(Role.FACILITY_SUPERVISOR, facility=FACILITY),
    "agency_officer": lambda keys: keys.officer(),
    "auditor": lambda keys: keys.auditor(),
    "anonymous": lambda keys: {},
}


def seed(api: Api, n: int) -> dict[str, str]:
    """A booking at CT-DOC-HCC and a detainer of ERO-BOS matched to it (and the notice to the
    person it brings): ids for the paths."""
    person = {
        "name": {"given": ["Fuzz"], "family": [f"Subject{n}"]},
        "identifiers": {"state_id": f"CT-FUZZ-{n:04d}"},
    }
    booking = api.client.post(
        "/api/v1/bookings",
        headers=api.keys.facility_staff(),
        json={
            "facility": FACILITY,
            "booking_number": f"HCC-FUZZ-{n:04d}",
            "person": person,
            "booked_at": "2024-01-02T10:00:00-05:00",
            "charges": [{"statute": "CGS 53a-125b", "class": "misdemeanor_A"}],
        },
    )
    assert booking.status_code == 201, booking.text
    detainer = api.client.post(
        "/api/v1/detainers",
        headers=api.keys.officer(),
        json={
            "agency": AGENCY,
            "facility": FACILITY,
            "subject": {"name": person["name"], "identifiers": person["identifiers"]},
            "form": "I-247A",
            "probable_cause": ["pending_proceedings"],
            "warrant": "I-200",
            "requests": ["notify", "hold"],
        },
    )
    assert detainer.status_code == 201, detainer.text
    ids = {"booking_id": booking.json()["id"], "detainer_id": detainer.json()["id"]}
    with api.application.context.uow() as uow:  # the notice Connecticut law requires for the person
        for notice in uow.person_notices.for_detainer(ids["detainer_id"]):
            ids["notice_id"] = notice.id
    return ids


def requests_for(operation: APIOperation, known: dict[str, str]) -> st.SearchStrategy[Case]:
    """The schema's examples, then valid and invalid requests; ids of real records half the time."""
    ids = {p.name: known[p.name] for p in operation.path_parameters if p.name in known}
    choices = []
    for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):
        generated = operation.as_strategy(generation_mode=mode)
        if ids:
            real = operation.as_strategy(generation_mode=mode, path_parameters=ids)
            generated = st.one_of(generated, real)
        choices.append(generated)
    return st.one_of(*operation.schema.get_strategies_from_examples(operation), *choices)


def exercise(operation: APIOperation, known: dict[str, str], auth: dict[str, str]) -> None:
    @settings(
        max_examples=EXAMPLES,
        derandomize=True,
        database=None,
        deadline=None,
        phases=[Phase.explicit, Phase.generate],
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much],
    )
    @given(case=requests_for(operation, known))
    def one(case: Case) -> None:
        case.call_and_validate(headers=auth, checks=CHECKS)

    one()


@pytest.mark.parametrize("caller", list(CALLERS))
def test_every_operation_answers_as_its_document_says(api: Api, caller: str) -> None:
    auth = CALLERS[caller](api.keys)
    schema = schemathesis.openapi.from_asgi("/openapi.json", api.client.app)
    operations = []
    for result in schema.get_all_operations():
        if isinstance(result, Err):
            raise result.err()  # the document itself is broken
        operations.append(result.ok())
    assert len(operations) > 30
    failures: list[str] = []
    seeds = count(1)
    for operation in operations:
        known = seed(api, next(seeds))
        try:
            exercise(operation, known, auth)
        except (Exception, FailureGroup) as found:
            report = "".join(traceback.format_exception_only(found))  # with the curl command
            failures.append(f"--- {operation.label} as {caller}\n{report}")
    assert not failures, f"{len(failures)} operations failed:\n" + "\n".join(failures)
