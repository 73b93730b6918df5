"""The Connecticut story over HTTP, as integrators would drive it: a real server, real API keys.

`detainers serve` runs in its own process on a SQLite file; keys come from
`detainers keys create --json`. The facility books the person on the pending
charges, the agency lodges an I-247A with an administrative warrant, the
facility reviews (the law forbids hold, notice and transfer: it declines) and
releases him on bond; the agency sees the decision, its citations and the
remedy (a judicial warrant). Another facility and another agency see nothing.
"""

from __future__ import annotations

import json
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest

from tests.e2e.test_cli import detainers

FACILITY, OTHER_FACILITY = "CT-DOC-HCC", "CT-DOC-BCC"
AGENCY, OTHER_AGENCY = "ERO-BOS", "ERO-NYC"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def _key(data_dir: Path, name: str, role: str, *tenant: str) -> dict[str, str]:
    made = detainers(
        "keys", "create", "--name", name, "--role", role, *tenant, "--json", data_dir=data_dir
    )
    assert made.returncode == 0, made.stderr
    secret = json.loads(made.stdout)["key"]
    SECRETS_SEEN.append(secret)
    return {"Authorization": f"Bearer {secret}"}


@pytest.fixture
def server(tmp_path: Path) -> Iterator[tuple[str, Path]]:
    data_dir = tmp_path / "var"
    assert detainers("db", "upgrade", data_dir=data_dir).returncode == 0
    port = _free_port()
    log = (tmp_path / "server.log").open("w")
    process = subprocess.Popen(
        [sys.executable, "-m", "detainers", "serve", "--port", str(port)],
        env={"DETAINERS_DATA_DIR": str(data_dir), "PATH": "/usr/bin:/bin"},
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                if httpx.get(f"{base}/readyz", timeout=1).status_code == 200:
                    break
            except httpx.TransportError:
                time.sleep(0.1)
        else:
            pytest.fail("the server did not become ready: " + (tmp_path / "server.log").read_text())
        yield base, data_dir
        process.terminate()
        process.wait(timeout=10)
        log.flush()
        _no_secrets_in(tmp_path / "server.log", data_dir)
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


SECRETS_SEEN: list[str] = []


def _no_secrets_in(log: Path, data_dir: Path) -> None:
    """AUD-07: the server's log holds no key, password, identifier or date of birth."""
    text = log.read_text()
    assert "POST /api/v1/detainers" in text  # the log is the server's, and it logged requests
    for secret in (*SECRETS_SEEN, "A000000001", "CT-STORY-0001", "1980-02-29"):
        assert secret not in text


def test_AUD_07_and_the_connecticut_story_over_http_with_real_keys(
    server: tuple[str, Path],
) -> None:
    base, data_dir = server
    admin = _key(data_dir, "admin", "admin")
    with httpx.Client(base_url=base, timeout=10) as http:
        for path, body in (
            ("/api/v1/jurisdictions", {"code": "US", "name": "United States", "kind": "federal"}),
            ("/api/v1/jurisdictions", {"code": "US-CT", "name": "Connecticut", "kind": "state"}),
            (
                "/api/v1/agencies",
                {"code": AGENCY, "name": "Boston Field Office", "jurisdiction": "US"},
            ),
            (
                "/api/v1/agencies",
                {"code": OTHER_AGENCY, "name": "New York Field Office", "jurisdiction": "US"},
            ),
            *(
                (
                    "/api/v1/facilities",
                    {
                        "code": code,
                        "name": f"Facility {code}",
                        "type": "state_pretrial_jail",
                        "jurisdiction": "US-CT",
                    },
                )
                for code in (FACILITY, OTHER_FACILITY)
            ),
        ):
            answer = http.post(path, json=body, headers=admin)
            assert answer.status_code == 201, answer.text

        clerk = _key(data_dir, "hcc intake", "facility_staff", "--facility", FACILITY)
        supervisor = _key(data_dir, "hcc supervisor", "facility_supervisor", "--facility", FACILITY)
        officer = _key(data_dir, "bos officer", "agency_officer", "--agency", AGENCY)
        elsewhere = _key(data_dir, "bcc intake", "facility_staff", "--facility", OTHER_FACILITY)
        other_officer = _key(data_dir, "nyc officer", "agency_officer", "--agency", OTHER_AGENCY)

        booking = http.post(
            "/api/v1/bookings",
            headers={**clerk, "Idempotency-Key": "booking-story-1"},
            json={
                "facility": FACILITY,
                "booking_number": "HCC-2023-0914",
                "person": {
                    "name": {"given": ["John"], "family": ["Doe"]},
                    "date_of_birth": "1980-02-29",
                    "identifiers": {"state_id": "CT-STORY-0001", "a_number": "A000000001"},
                },
                "booked_at": "2023-09-14T18:00:00-04:00",
                "charges": [
                    {
                        "statute": "CGS 53a-70(a)(2)",
                        "class": "felony_A",
                        "status": "pending",
                        "description": "Sexual assault in the first degree",
                    },
                    {
                        "statute": "CGS 53-21(a)(2)",
                        "class": "felony_B",
                        "status": "pending",
                        "description": "Risk of injury to a minor",
                    },
                ],
            },
        )
        assert booking.status_code == 201, booking.text

        lodged = http.post(
            "/api/v1/detainers",
            headers={**officer, "Idempotency-Key": "detainer-story-1"},
            json={
                "agency": AGENCY,
                "facility": FACILITY,
                "subject": {
                    "name": {"given": ["John"], "family": ["Doe"]},
                    "identifiers": {"a_number": "A000000001"},
                },
                "form": "I-247A",
                "probable_cause": ["pending_proceedings"],
                "warrant": "I-200",
                "requests": ["notify", "hold"],
                "lodged_at": "2023-10-13T10:00:00-04:00",
            },
        )
        assert lodged.status_code == 201, lodged.text
        detainer = lodged.json()
        assert detainer["state"] == "received"
        assert detainer["booking_id"] == booking.json()["id"]
        path = f"/api/v1/detainers/{detainer['id']}"

        # Honoring is outside what Connecticut law allows on the date: refused, with the reason.
        refused = http.post(
            f"{path}/review",
            headers=supervisor,
            json={"choice": "honor", "at": "2023-10-13T16:00:00-04:00"},
        )
        assert refused.status_code == 409
        assert refused.headers["content-type"] == "application/problem+json"

        reviewed = http.post(
            f"{path}/review",
            headers=supervisor,
            json={"choice": "decline", "at": "2023-10-13T16:00:00-04:00"},
        )
        assert reviewed.status_code == 200, reviewed.text
        assert reviewed.json()["state"] == "declined"

        released = http.post(
            f"/api/v1/bookings/{booking.json()['id']}/releasable",
            headers=clerk,
            json={"reason": "bond_posted", "at": "2024-02-01T09:00:00-05:00"},
        )
        assert released.status_code == 200, released.text
        assert released.json() == []  # no one holds him

        arrest = http.post(
            f"{path}/agency-arrest",
            headers=officer,
            json={"arrest_date": "2024-04-04", "at": "2024-04-19T12:00:00-04:00"},
        )
        assert arrest.status_code == 200, arrest.text

        seen = http.get(path, headers=officer)
        assert seen.status_code == 200
        story = seen.json()
        assert story["state"] == "released"
        assert story["agency_arrest_date"] == "2024-04-04"
        evaluation = story["decision"]["evaluation"]
        for action in ("hold", "notify", "transfer"):
            assert evaluation["actions"][action]["effect"] == "forbidden"
        citations = {r["citation"] for r in evaluation["actions"]["hold"]["reasons"]}
        assert any("54-192h" in citation for citation in citations)
        assert {
            "action": "hold",
            "effect": "permitted",
            "change": {"detainer.warrant": "judicial"},
        } in [{k: r[k] for k in ("action", "effect", "change")} for r in evaluation["remedies"]]
        assert [e["type"] for e in story["events"]][:2] == ["DetainerLodged", "DetainerMatched"]

        # Neither another facility nor another agency learns that it exists.
        for outsider in (elsewhere, other_officer):
            assert http.get(path, headers=outsider).status_code == 404
            assert http.get("/api/v1/detainers", headers=outsider).json()["items"] == []
        assert (
            http.get(f"/api/v1/bookings/{booking.json()['id']}", headers=elsewhere).status_code
            == 404
        )
        assert (
            http.get(f"/api/v1/bookings/{booking.json()['id']}", headers=officer).status_code == 403
        )
