"""`detainers audit` and `detainers db grant-app-role` as a user runs them: a real process, a real file."""

from __future__ import annotations

import json
import shutil
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from tests.e2e.test_cli import detainers


@pytest.fixture(scope="module")
def trail_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database with two audit records (two hold checks by the system)."""
    data_dir = tmp_path_factory.mktemp("audit") / "var"
    assert detainers("db", "upgrade", data_dir=data_dir).returncode == 0
    for _ in range(2):
        checked = detainers("holds", "check", data_dir=data_dir)
        assert checked.returncode == 0, checked.stderr
    return data_dir


@pytest.fixture
def trail(trail_template: Path, tmp_path: Path) -> Path:
    """A copy of the template's data directory, for one test to change."""
    data_dir = tmp_path / "var"
    data_dir.mkdir()
    shutil.copyfile(trail_template / "detainers.db", data_dir / "detainers.db")
    return data_dir


def test_verify_says_the_chain_is_intact_and_exits_0(trail: Path) -> None:
    result = detainers("audit", "verify", data_dir=trail)

    assert result.returncode == 0, result.stderr
    assert result.stdout.strip() == "audit chain intact: 2 records"
    # The verification was itself recorded.
    assert detainers("audit", "verify", data_dir=trail).stdout.strip() == (
        "audit chain intact: 3 records"
    )


def test_verify_exits_9_naming_the_first_broken_record(trail: Path) -> None:
    with sqlite3.connect(trail / "detainers.db") as db:
        db.execute("DROP TRIGGER audit_record_no_update")
        db.execute("UPDATE audit_record SET actor = 'mallory' WHERE seq = 2")

    result = detainers("audit", "verify", data_dir=trail)

    assert result.returncode == 9
    assert result.stdout == ""
    assert result.stderr.strip().splitlines() == [
        "error: audit record [2] was altered (its content no longer matches its hash)"
    ]


def test_verify_on_a_database_without_a_schema_is_exit_7(tmp_path: Path) -> None:
    result = detainers("audit", "verify", data_dir=tmp_path / "empty")

    assert result.returncode == 7
    assert "run `detainers db upgrade`" in result.stderr


def test_review_reports_each_section_for_whole_days(trail: Path) -> None:
    today = datetime.now(UTC).date()
    window = ("--from", (today - timedelta(days=6)).isoformat(), "--to", today.isoformat())

    text = detainers("audit", "review", *window, "--zone", "UTC", data_dir=trail)
    as_json = detainers("audit", "review", *window, "--json", data_dir=trail)

    assert text.returncode == 0, text.stderr
    for section in (
        "Failed logins",
        "Denials",
        "Exports",
        "After-hours access",
        "Privileged actions",
    ):
        assert section in text.stdout
    assert as_json.returncode == 0, as_json.stderr
    report = json.loads(as_json.stdout)
    assert report["to_date_inclusive"] == today.isoformat()
    assert report["end_at_exclusive"] == f"{today + timedelta(days=1)}T00:00:00+00:00"
    # Two hold checks and the first review; the system's own acts are in no section.
    assert report["records"] == 3
    assert [report[key] for key in ("failed_logins", "denials", "exports")] == [[], [], []]


@pytest.mark.parametrize(
    ("args", "option"),
    [
        (("--from", "2026-13-01", "--to", "2026-11-29"), "--from"),
        (("--from", "2026-11-23", "--to", "29/11/2026"), "--to"),
        (("--from", "2026-11-23", "--to", "2026-11-22"), "--to"),
        (("--from", "2026-11-23", "--to", "2026-11-29", "--zone", "Mars/Olympus"), "--zone"),
    ],
)
def test_review_refuses_a_bad_date_or_zone_naming_the_option(
    trail: Path, args: tuple[str, ...], option: str
) -> None:
    result = detainers("audit", "review", *args, data_dir=trail)

    assert result.returncode == 2
    assert option in result.stderr
    assert "Traceback" not in result.stderr


def test_grant_app_role_on_sqlite_explains_that_the_triggers_are_the_guard(trail: Path) -> None:
    result = detainers("db", "grant-app-role", "--role", "detainers_app", data_dir=trail)

    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("SQLite has no database roles")
    assert "triggers" in result.stdout
