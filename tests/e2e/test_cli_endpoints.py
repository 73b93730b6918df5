"""`detainers endpoints` and `detainers inbox` as an operator runs them: real processes, a real
database holding the Connecticut story (a lodging for the facility, a decision for the agency,
and the release notice the agency asked for, withheld).

A webhook's secret goes in and never comes out: not in a listing, not in an
answer, not in an error.
"""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

SECRET = "whsec_c2VjcmV0LXNpZ25pbmcta2V5LTE="
NEXT_SECRET = "a-second-secret-read-from-stdin"


def detainers(
    *args: str, data_dir: Path, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DETAINERS_")}
    environment["DETAINERS_DATA_DIR"] = str(data_dir)
    return subprocess.run(
        [sys.executable, "-m", "detainers", *args],
        input=stdin,
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
        check=False,
    )


@pytest.fixture(scope="module")
def data_dir(tmp_path_factory: pytest.TempPathFactory) -> Path:
    data = tmp_path_factory.mktemp("endpoints") / "var"
    told = detainers("story", "connecticut", data_dir=data)
    assert told.returncode == 0, told.stderr
    return data


def test_endpoints_are_set_and_listed_and_the_secret_is_never_printed(data_dir: Path) -> None:
    hook = ("endpoints", "set", "--agency", "ERO-BOS", "--url", "https://hooks.example.org/a")
    first = detainers(*hook, "--secret", SECRET, data_dir=data_dir)
    assert first.returncode == 0, first.stderr
    assert first.stdout.strip() == (
        "agency ERO-BOS: webhook → https://hooks.example.org/a (secret set)"
    )
    # A new secret, from stdin: the old one still signs for a day.
    rotated = detainers(*hook, "--secret-stdin", "--json", data_dir=data_dir, stdin=NEXT_SECRET)
    assert rotated.returncode == 0, rotated.stderr
    shown = json.loads(rotated.stdout)
    assert set(shown) == {
        "audience",
        "owner_code",
        "channel",
        "target",
        "secret_set",
        "previous_secret_until",
        "updated_at",
    }
    assert (shown["secret_set"], shown["previous_secret_until"] is not None) == (True, True)
    mail = ("endpoints", "set", "--agency", "ERO-BOS", "--email", "intake@bos.example.org")
    mail_set = detainers(*mail, data_dir=data_dir)
    assert mail_set.returncode == 0, mail_set.stderr

    listed = detainers("endpoints", "list", "--agency", "ERO-BOS", "--json", data_dir=data_dir)
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert [(r["channel"], r["target"], r["secret_set"]) for r in rows] == [
        ("email", "intake@bos.example.org", False),
        ("webhook", "https://hooks.example.org/a", True),
    ]
    table = detainers("endpoints", "list", "--agency", "ERO-BOS", data_dir=data_dir)
    assert table.returncode == 0, table.stderr
    assert "https://hooks.example.org/a" in table.stdout
    for output in (first, rotated, mail_set, listed, table):
        assert SECRET not in output.stdout + output.stderr
        assert NEXT_SECRET not in output.stdout + output.stderr
    nothing = detainers(
        "endpoints", "list", "--facility", "CT-DOC-HCC", "--json", data_dir=data_dir
    )
    assert json.loads(nothing.stdout) == []


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (
            ("--agency", "ERO-BOS", "--url", "ftp://hooks.example.org", "--secret", SECRET),
            2,
            "error: url: [ftp://hooks.example.org] is not an http(s) URL",
        ),
        (
            ("--agency", "ERO-BOS", "--url", "https://hooks.example.org", "--secret", "too-short"),
            2,
            "error: secret: [(hidden)] must be at least 16 characters",
        ),
        (
            ("--agency", "ERO-BOS", "--email", "not-an-address"),
            2,
            "error: email: [not-an-address] is not an e-mail address",
        ),
        (
            ("--url", "https://hooks.example.org", "--secret", SECRET),
            2,
            "error: --agency: [] is needed (or --facility): name the organization",
        ),
        (
            ("--agency", "ERO-NOPE", "--email", "intake@example.org"),
            3,
            "error: no agency [ERO-NOPE]",
        ),
    ],
)
def test_a_bad_endpoint_is_one_line_naming_the_field_with_its_exit_code(
    data_dir: Path, args: tuple[str, ...], code: int, message: str
) -> None:
    refused = detainers("endpoints", "set", *args, data_dir=data_dir)
    assert (refused.returncode, refused.stderr.strip()) == (code, message)
    assert "too-short" not in refused.stderr
    assert SECRET not in refused.stderr


def test_the_inbox_shows_each_side_its_messages_and_why_a_notice_was_withheld(
    data_dir: Path,
) -> None:
    facility = detainers("inbox", "--facility", "CT-DOC-HCC", "--json", data_dir=data_dir)
    assert facility.returncode == 0, facility.stderr
    types = [m["type"] for m in json.loads(facility.stdout)]
    assert "org.detainers.detainer.lodged" in types
    assert "org.detainers.detainer.decision_recorded" not in types

    agency = detainers("inbox", "--agency", "ERO-BOS", "--open", "--json", data_dir=data_dir)
    assert agency.returncode == 0, agency.stderr
    messages = {m["type"]: m for m in json.loads(agency.stdout)}
    assert messages["org.detainers.detainer.decision_recorded"]["data"]["state"] == "declined"
    withheld = messages["org.detainers.release.notice"]
    assert withheld["status"] == "withheld"
    assert "54-192h" in withheld["reason"]
    assert withheld["acknowledged_at"] is None

    text = detainers("inbox", "--agency", "ERO-BOS", data_dir=data_dir)
    assert text.returncode == 0, text.stderr
    assert re.match(r"\d+ messages for agency ERO-BOS, newest first\n", text.stdout)
    assert "[withheld]" in text.stdout

    unknown = detainers("inbox", "--facility", "CT-NOPE", data_dir=data_dir)
    assert (unknown.returncode, unknown.stderr.strip()) == (3, "error: no facility [CT-NOPE]")
    unnamed = detainers("inbox", data_dir=data_dir)
    assert unnamed.returncode == 2
    assert "--agency" in unnamed.stderr
