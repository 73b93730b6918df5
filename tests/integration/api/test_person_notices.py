"""Notices to the person over HTTP: the facility holding the person lists them, prints each (an
audited read) and records it served; no other facility, and no agency, can see them.

`World.build` lodges a Connecticut detainer today, so Conn. Gen. Stat. 54-192h (as amended in
2019 and 2025) requires a copy of the detainer for the person as soon as it is matched.
"""

from __future__ import annotations

import io

from pypdf import PdfReader

from detainers.domain.audit import Outcome
from detainers.domain.notification import Channel, MessageType
from tests.integration.api.conftest import Api
from tests.integration.api.tenants import (
    ANONYMOUS,
    OFFICER,
    OTHER_STAFF,
    STAFF,
    SUPERVISOR,
    World,
)

COPY = "us-ct.2025.notice.detainer-copy"


def listed(api: Api, world: World) -> list[dict[str, object]]:
    response = api.client.get(
        f"/api/v1/detainers/{world.detainer_id}/person-notices", headers=STAFF.headers(api)
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["detainer_id"] == world.detainer_id
    items: list[dict[str, object]] = body["items"]
    return items


def audit(api: Api, action: str) -> list[tuple[str, str, Outcome]]:
    with api.application.context.uow() as uow:
        records = uow.audit.records(limit=100_000)
    return [
        (r.entry.organization, r.entry.object_id, r.entry.outcome)
        for r in records
        if r.entry.action == action
    ]


def test_staff_of_the_facility_list_the_notice_the_law_requires_and_print_it(api: Api) -> None:
    world = World.build(api)
    (notice,) = listed(api, world)
    assert notice["notice"] == COPY
    assert notice["trigger"] == "detainer_received"
    assert notice["status"] == "PARTIAL"
    assert "54-192h" in str(notice["citation"])
    assert notice["served_at"] is None
    assert notice["pdf"] == f"/api/v1/person-notices/{notice['id']}/pdf"

    printed = api.client.get(str(notice["pdf"]), headers=SUPERVISOR.headers(api))
    assert printed.status_code == 200, printed.text
    assert printed.headers["content-type"] == "application/pdf"
    assert printed.headers["cache-control"] == "no-store"
    assert printed.headers["content-disposition"] == (
        f'attachment; filename="person-notice-{notice["id"]}.pdf"'
    )
    assert printed.content.startswith(b"%PDF-")
    text = " ".join(
        " ".join((page.extract_text() or "").split())
        for page in PdfReader(io.BytesIO(printed.content)).pages
    )
    assert "OKAFOR, Adaeze" in text  # the person's name as booked: the notice is for them
    assert "Conn. Gen. Stat. 54-192h" in text
    assert ("CT-DOC-HCC", str(notice["id"]), Outcome.SUCCESS) in audit(api, "person_notice.read")


def test_the_decision_brings_a_second_notice_saying_whether_the_facility_will_comply(
    api: Api,
) -> None:
    world = World.build(api)
    reviewed = api.client.post(
        f"/api/v1/detainers/{world.detainer_id}/review",
        json={"choice": "decline"},
        headers=STAFF.headers(api),
    )
    assert reviewed.status_code == 200, reviewed.text
    assert [n["notice"] for n in listed(api, world)] == [COPY, "us-ct.2025.notice.decision"]


def test_recording_the_notice_served_closes_the_task_and_later_calls_change_nothing(
    api: Api,
) -> None:
    world = World.build(api)
    (notice,) = listed(api, world)
    path = f"/api/v1/person-notices/{notice['id']}/served"
    served = api.client.post(path, json={}, headers=STAFF.headers(api))
    assert served.status_code == 200, served.text
    assert served.json()["served_at"] is not None
    assert served.json()["served_by"].startswith("key:")
    again = api.client.post(path, json={}, headers=SUPERVISOR.headers(api))
    assert again.status_code == 200
    assert (again.json()["served_at"], again.json()["served_by"]) == (
        served.json()["served_at"],
        served.json()["served_by"],
    )
    assert listed(api, world)[0]["served_at"] == served.json()["served_at"]

    with api.application.context.uow() as uow:
        tasks = [
            m
            for m in uow.messages.for_subject(world.detainer_id)
            if m.type is MessageType.PERSON_NOTICE and m.channel is Channel.INBOX
        ]
    (task,) = tasks
    assert task.data["person_notice_id"] == notice["id"]
    assert task.acknowledged_at is not None
    assert [o for _, i, o in audit(api, "person_notice.serve") if i == notice["id"]] == [
        Outcome.SUCCESS,
        Outcome.SUCCESS,
    ]


def test_another_facility_is_answered_not_found_and_the_refusal_is_audited(api: Api) -> None:
    world = World.build(api)
    (notice,) = listed(api, world)
    other = OTHER_STAFF.headers(api)
    for method, path in (
        ("GET", f"/api/v1/detainers/{world.detainer_id}/person-notices"),
        ("GET", f"/api/v1/person-notices/{notice['id']}/pdf"),
        ("POST", f"/api/v1/person-notices/{notice['id']}/served"),
    ):
        response = api.client.request(method, path, headers=other, json={})
        assert response.status_code == 404, (path, response.text)
        assert response.headers["content-type"] == "application/problem+json"
    assert ("CT-DOC-BCC", str(notice["id"]), Outcome.DENIED) in audit(api, "person_notice.read")
    assert listed(api, world)[0]["served_at"] is None


def test_the_agency_and_anonymous_callers_are_refused(api: Api) -> None:
    world = World.build(api)
    (notice,) = listed(api, world)
    for who, status in ((OFFICER, 403), (ANONYMOUS, 401)):
        for path in (
            f"/api/v1/detainers/{world.detainer_id}/person-notices",
            f"/api/v1/person-notices/{notice['id']}/pdf",
        ):
            assert api.client.get(path, headers=who.headers(api)).status_code == status, path
