"""The inbox, a detainer's notifications and the endpoints over HTTP, as each side sees them.

A lodging lands in the facility's inbox, a decision in the agency's; each
side acknowledges its own messages, once, and never sees the other tenant's.
`/detainers/{id}/notifications` shows what was sent or withheld on the
caller's side, with every delivery attempt. Endpoints are set by an
administrator, and a webhook's secret is written but never read back.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import UTC, datetime, timedelta
from itertools import count
from typing import Any

from detainers.domain.audit import AuditRecord, Outcome
from detainers.domain.notification import Audience, MessageType
from detainers.services import delivery, notices
from detainers.services.delivery import Delivered, Outgoing
from tests.integration.api.conftest import AGENCY, FACILITY, Api
from tests.integration.api.tenants import (
    ADMIN,
    ANONYMOUS,
    AUDITOR,
    OFFICER,
    OTHER_OFFICER,
    OTHER_STAFF,
    STAFF,
    SUPERVISOR,
    World,
    serial,
)

LODGED = MessageType.DETAINER_LODGED.value
DECIDED = MessageType.DECISION_RECORDED.value
NOTICE = MessageType.RELEASE_NOTICE.value
SECRET = "whsec_c2VjcmV0LXNpZ25pbmcta2V5LTE="


def inbox(api: Api, headers: dict[str, str], **params: Any) -> list[dict[str, Any]]:
    response = api.client.get("/api/v1/inbox", headers=headers, params=params)
    assert response.status_code == 200, response.text
    items: list[dict[str, Any]] = response.json()["items"]
    return items


def about(items: list[dict[str, Any]], detainer_id: str) -> list[str]:
    """The types of the messages about one detainer."""
    return [m["type"] for m in items if m["subject"] == detainer_id]


def lodged(api: Api, world: World) -> dict[str, Any]:
    """The facility's message that the world's detainer awaits its review."""
    [message] = [
        m
        for m in inbox(api, STAFF.headers(api))
        if (m["subject"], m["type"]) == (world.detainer_id, LODGED)
    ]
    return message


def acknowledge(api: Api, message_id: str, headers: dict[str, str]) -> Any:
    return api.client.post(f"/api/v1/inbox/{message_id}/acknowledge", headers=headers)


def audit_records(api: Api) -> list[AuditRecord]:
    found: list[AuditRecord] = []
    with api.application.context.uow() as uow:
        while page := uow.audit.records(after_seq=found[-1].seq if found else 0):
            found.extend(page)
    return found


@dataclass
class Answering:
    """A sender whose receivers all answer `status` (a fake of the webhook and e-mail senders)."""

    status: int

    def send(self, batch: Sequence[Outgoing], now: datetime) -> Sequence[Delivered]:
        ok = 200 <= self.status < 300
        return [
            Delivered(
                message_id=o.message.id,
                ok=ok,
                status_code=self.status,
                error=None if ok else f"HTTP {self.status}",
            )
            for o in batch
        ]


def test_facility_staff_find_a_lodged_detainer_in_their_inbox_and_no_one_else_does(
    api: Api,
) -> None:
    world = World.build(api)

    message = lodged(api, world)
    assert message["type"] == LODGED
    assert message["description"] == MessageType.DETAINER_LODGED.description
    assert (message["status"], message["reason"]) == ("delivered", None)
    assert (message["acknowledged_at"], message["acknowledged_by"]) == (None, None)
    assert message["data"]["detainer_id"] == world.detainer_id
    # The supervisor shares the facility's inbox.
    assert LODGED in about(inbox(api, SUPERVISOR.headers(api)), world.detainer_id)
    # The other facility, and the agency before any decision, see nothing of it.
    assert about(inbox(api, OTHER_STAFF.headers(api)), world.detainer_id) == []
    assert about(inbox(api, OFFICER.headers(api)), world.detainer_id) == []
    # Roles without an inbox are refused.
    assert api.client.get("/api/v1/inbox", headers=AUDITOR.headers(api)).status_code == 403
    assert api.client.get("/api/v1/inbox", headers=ADMIN.headers(api)).status_code == 403
    assert api.client.get("/api/v1/inbox", headers=ANONYMOUS.headers(api)).status_code == 401


def test_the_agency_officer_finds_the_decision_after_review(api: Api) -> None:
    world = World.build(api)
    reviewed = api.client.post(
        f"/api/v1/detainers/{world.detainer_id}/review",
        json={"choice": "decline"},
        headers=STAFF.headers(api),
    )
    assert reviewed.status_code == 200, reviewed.text

    mine = {m["type"]: m for m in inbox(api, OFFICER.headers(api))}
    message = mine[DECIDED]
    assert (message["subject"], message["data"]["state"]) == (world.detainer_id, "declined")
    # The notice it asked for, and why it will not come.
    assert (mine[NOTICE]["status"], mine[NOTICE]["subject"]) == ("withheld", world.detainer_id)
    assert "notify" in mine[NOTICE]["reason"]
    assert about(inbox(api, OTHER_OFFICER.headers(api)), world.detainer_id) == []
    assert DECIDED not in about(inbox(api, STAFF.headers(api)), world.detainer_id)


def test_acknowledging_works_once_is_audited_and_closes_the_message(api: Api) -> None:
    world = World.build(api)
    message = lodged(api, world)

    first = acknowledge(api, message["id"], STAFF.headers(api))
    assert first.status_code == 200, first.text
    assert first.json()["acknowledged_by"] == f"key:test facility_staff {FACILITY}"
    assert first.json()["acknowledged_at"] is not None
    # Later acknowledgements, by anyone at the facility, change nothing.
    again = acknowledge(api, message["id"], SUPERVISOR.headers(api))
    assert again.status_code == 200, again.text
    assert again.json() == first.json()

    assert LODGED not in about(inbox(api, STAFF.headers(api), open_only=True), world.detainer_id)
    assert LODGED in about(inbox(api, STAFF.headers(api)), world.detainer_id)
    records = [r.entry for r in audit_records(api) if r.entry.action == "inbox.acknowledge"]
    assert [(e.object_id, e.outcome, e.role) for e in records] == [
        (message["id"], Outcome.SUCCESS, "facility_staff"),
        (message["id"], Outcome.SUCCESS, "facility_supervisor"),
    ]


def test_acknowledging_someone_elses_message_is_404_like_a_missing_one_and_audited_as_denied(
    api: Api,
) -> None:
    world = World.build(api)
    message = lodged(api, world)
    missing = acknowledge(api, "00000000-0000-4000-8000-000000000000", OTHER_STAFF.headers(api))
    assert missing.status_code == 404

    # The other facility, and the agency (the other side of the same detainer).
    for who in (OTHER_STAFF, OFFICER, OTHER_OFFICER):
        refused = acknowledge(api, message["id"], who.headers(api))
        assert refused.status_code == 404, f"{who.label}: {refused.text}"
        assert refused.json()["title"] == missing.json()["title"]
        assert refused.json()["detail"] == missing.json()["detail"].replace(
            "00000000-0000-4000-8000-000000000000", message["id"]
        )
    assert LODGED in about(inbox(api, STAFF.headers(api), open_only=True), world.detainer_id)
    denied = [
        r.entry
        for r in audit_records(api)
        if r.entry.action == "inbox.acknowledge" and r.entry.object_id == message["id"]
    ]
    assert [e.outcome for e in denied] == [Outcome.DENIED] * 3


def test_the_inbox_is_newest_first_and_paged_by_cursor_whatever_the_ids(api: Api) -> None:
    # Ids that sort against time: the page order must come from the time, not the id.
    ids = (f"ffffffff-0000-4000-8000-{n:012d}" for n in count(999, -1))
    ctx = replace(api.application.context, ids=lambda: next(ids))
    start = datetime(2026, 1, 5, 9, tzinfo=UTC)
    with ctx.uow() as uow:
        for n in range(5):
            notices.send(
                uow,
                ctx,
                key=f"paging/{serial()}",
                type=MessageType.DETAINER_AMENDED,
                audience=Audience.FACILITY,
                recipient=FACILITY,
                subject=f"detainer-{n}",
                data={"n": n},
                at=start + timedelta(minutes=n),
            )
        uow.commit()

    seen: list[dict[str, Any]] = []
    cursor = None
    while True:
        params: dict[str, Any] = {"limit": 2, **({"cursor": cursor} if cursor else {})}
        response = api.client.get("/api/v1/inbox", headers=STAFF.headers(api), params=params)
        assert response.status_code == 200, response.text
        seen.extend(response.json()["items"])
        cursor = response.json()["next_cursor"]
        if cursor is None:
            break
    assert [m["data"]["n"] for m in seen] == [4, 3, 2, 1, 0]


def test_a_detainers_notifications_show_what_was_sent_and_withheld_with_each_attempt(
    api: Api,
) -> None:
    admin, officer, staff = ADMIN.headers(api), OFFICER.headers(api), STAFF.headers(api)
    hook = api.client.put(
        f"/api/v1/endpoints/agency/{AGENCY}/webhook",
        json={"url": "https://hooks.example.org/detainers", "secret": SECRET},
        headers=admin,
    )
    assert hook.status_code == 200, hook.text
    # The agency asked for notice; the facility declines, so the notice is withheld.
    world = World.build(api)
    path = f"/api/v1/detainers/{world.detainer_id}"
    reviewed = api.client.post(f"{path}/review", json={"choice": "decline"}, headers=staff)
    assert reviewed.status_code == 200, reviewed.text
    # The decision's webhook fails once (503), then is delivered.
    ctx = api.application.context
    now = datetime.now(UTC) + timedelta(seconds=1)
    assert delivery.deliver_due(ctx, Answering(503), now).failed == 1
    assert delivery.deliver_due(ctx, Answering(204), now + timedelta(minutes=20)).delivered == 1

    response = api.client.get(f"{path}/notifications", headers=officer)
    assert response.status_code == 200, response.text
    assert response.json()["detainer_id"] == world.detainer_id
    items = {(m["type"], m["channel"]): m for m in response.json()["items"]}
    assert sorted((*key, m["status"]) for key, m in items.items()) == [
        (DECIDED, "inbox", "delivered"),
        (DECIDED, "webhook", "delivered"),
        (NOTICE, "inbox", "withheld"),
    ]
    webhook, withheld = items[DECIDED, "webhook"], items[NOTICE, "inbox"]
    assert [(a["outcome"], a["status_code"], a["error"]) for a in webhook["attempts"]] == [
        ("failed", 503, "HTTP 503"),
        ("delivered", 204, None),
    ]
    first, second = (datetime.fromisoformat(a["attempted_at"]) for a in webhook["attempts"])
    assert second - first == timedelta(minutes=20)
    assert (webhook["audience"], webhook["recipient"]) == ("agency", AGENCY)
    assert webhook["delivered_at"] == webhook["attempts"][1]["attempted_at"]
    assert "notify" in withheld["reason"]
    assert (withheld["delivered_at"], withheld["attempts"]) == (None, [])
    assert items[DECIDED, "inbox"]["attempts"] == []

    # The facility sees its own side only; another facility sees nothing at all.
    mine = api.client.get(f"{path}/notifications", headers=staff).json()["items"]
    assert LODGED in [m["type"] for m in mine]
    assert {(m["audience"], m["recipient"]) for m in mine} == {("facility", FACILITY)}
    elsewhere = api.client.get(f"{path}/notifications", headers=OTHER_STAFF.headers(api))
    assert elsewhere.status_code == 404
    refused = api.client.get(f"{path}/notifications", headers=AUDITOR.headers(api))
    assert refused.status_code == 403


def test_an_administrator_sets_and_reads_endpoints_and_the_secret_never_comes_back(
    api: Api,
) -> None:
    admin = ADMIN.headers(api)
    webhook = f"/api/v1/endpoints/agency/{AGENCY}/webhook"
    first = api.client.put(
        webhook, json={"url": "https://hooks.example.org/a", "secret": SECRET}, headers=admin
    )
    assert first.status_code == 200, first.text
    assert first.json() == {
        "audience": "agency",
        "owner_code": AGENCY,
        "channel": "webhook",
        "target": "https://hooks.example.org/a",
        "secret_set": True,
        "previous_secret_until": None,
        "updated_at": first.json()["updated_at"],
    }
    # A new secret: the old one still signs for a day.
    rotated = api.client.put(
        webhook,
        json={"url": "https://hooks.example.org/b", "secret": "a-second-secret-of-32-characters"},
        headers=admin,
    )
    assert rotated.status_code == 200, rotated.text
    until = datetime.fromisoformat(rotated.json()["previous_secret_until"])
    assert timedelta(hours=23) < until - datetime.now(UTC) <= timedelta(hours=24)
    mail = api.client.put(
        f"/api/v1/endpoints/agency/{AGENCY}/email",
        json={"email": "intake@bos.example.org"},
        headers=admin,
    )
    assert (mail.status_code, mail.json()["secret_set"]) == (200, False)

    listed = api.client.get(f"/api/v1/endpoints/agency/{AGENCY}", headers=admin)
    assert listed.status_code == 200, listed.text
    assert [(e["channel"], e["target"]) for e in listed.json()] == [
        ("email", "intake@bos.example.org"),
        ("webhook", "https://hooks.example.org/b"),
    ]
    for answer in (first, rotated, mail, listed):
        assert SECRET not in answer.text
        assert "a-second-secret" not in answer.text
        assert 'secret"' not in answer.text.replace("secret_set", "").replace("secret_until", "")

    # Nobody else may read or set them; an unknown organization is not found.
    for who, status in ((STAFF, 403), (OFFICER, 403), (AUDITOR, 403), (ANONYMOUS, 401)):
        assert (
            api.client.get(
                f"/api/v1/endpoints/agency/{AGENCY}", headers=who.headers(api)
            ).status_code
            == status
        )
        put = api.client.put(
            webhook,
            json={"url": "https://evil.example.org", "secret": SECRET},
            headers=who.headers(api),
        )
        assert put.status_code == status, who.label
    assert api.client.get("/api/v1/endpoints/facility/CT-NOPE", headers=admin).status_code == 404
    unknown = api.client.put(
        "/api/v1/endpoints/facility/CT-NOPE/email", json={"email": "a@b.org"}, headers=admin
    )
    assert unknown.status_code == 404
    after = api.client.get(f"/api/v1/endpoints/agency/{AGENCY}", headers=admin).json()
    assert after == listed.json()


def test_a_bad_url_short_secret_or_bad_address_is_422_naming_the_field(api: Api) -> None:
    admin = ADMIN.headers(api)
    webhook = f"/api/v1/endpoints/facility/{FACILITY}/webhook"
    email = f"/api/v1/endpoints/facility/{FACILITY}/email"
    cases: list[tuple[str, dict[str, Any], str]] = [
        (webhook, {"url": "ftp://hooks.example.org", "secret": SECRET}, "url"),
        (webhook, {"url": "not a url", "secret": SECRET}, "url"),
        (webhook, {"secret": SECRET}, "url"),
        (webhook, {"url": "https://hooks.example.org", "secret": "short"}, "secret"),
        (webhook, {"url": "https://hooks.example.org"}, "secret"),
        (
            webhook,
            {"url": "https://hooks.example.org", "secret": SECRET, "email": "a@b.org"},
            "email",
        ),
        (email, {"email": "not-an-address"}, "email"),
        (email, {"email": "a@b.org", "secret": SECRET}, "secret"),
        (email, {"email": "a@b.org", "url": "https://x.example.org"}, "url"),
        (
            webhook,
            {"url": "https://hooks.example.org", "secret": SECRET, "target": "x"},
            "body.target",
        ),
    ]
    for path, body, field in cases:
        response = api.client.put(path, json=body, headers=admin)
        assert response.status_code == 422, f"{body}: {response.text}"
        assert [e["field"] for e in response.json()["errors"]] == [field], body
        assert SECRET not in response.text
    inbox_channel = api.client.put(
        f"/api/v1/endpoints/facility/{FACILITY}/inbox", json={}, headers=admin
    )
    assert inbox_channel.status_code == 422
    assert api.client.get(f"/api/v1/endpoints/facility/{FACILITY}", headers=admin).json() == []
