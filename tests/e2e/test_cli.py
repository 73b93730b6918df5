"""The `detainers` command as a user runs it: a real process, a real database file."""

from __future__ import annotations

import json
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest


def detainers(
    *args: str, data_dir: Path, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    environment = {k: v for k, v in os.environ.items() if not k.startswith("DETAINERS_")}
    environment["DETAINERS_DATA_DIR"] = str(data_dir)
    environment.update(env or {})
    return subprocess.run(
        [sys.executable, "-m", "detainers", *args],
        capture_output=True,
        text=True,
        env=environment,
        timeout=300,
        check=False,
    )


@pytest.fixture
def data_dir(tmp_path: Path) -> Path:
    return tmp_path / "var"


def test_db_upgrade_creates_the_sqlite_file_and_reports_the_revision(data_dir: Path) -> None:
    result = detainers("db", "upgrade", data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    assert "database at revision 0005" in result.stdout
    assert (data_dir / "detainers.db").exists()
    assert detainers("db", "current", data_dir=data_dir).stdout.strip() == "0005"


def test_an_unknown_state_is_one_line_naming_the_option_and_the_accepted_values(
    data_dir: Path,
) -> None:
    detainers("db", "upgrade", data_dir=data_dir)
    result = detainers("detainers", "list", "--state", "held", data_dir=data_dir)
    assert result.returncode == 2
    assert result.stderr.strip().splitlines() == [
        "error: --state: [held] is not one of [unmatched | received | honored | notify_only | "
        "declined | conflict | release_notified | on_hold | transferred | released | "
        "released_at_deadline | cancelled | not_in_custody]"
    ]
    assert "Traceback" not in result.stderr


def test_an_unknown_detainer_is_not_found_with_exit_code_3(data_dir: Path) -> None:
    detainers("db", "upgrade", data_dir=data_dir)
    result = detainers("detainers", "show", "no-such-id", data_dir=data_dir)
    assert result.returncode == 3
    assert result.stderr.strip() == "error: no detainer [no-such-id]"


def test_an_unreachable_database_is_one_clear_line(data_dir: Path) -> None:
    result = detainers(
        "db",
        "upgrade",
        data_dir=data_dir,
        env={"DETAINERS_DATABASE_URL": "postgresql+psycopg://nobody@127.0.0.1:1/none"},
    )
    assert result.returncode == 7
    assert result.stderr.startswith("error: cannot use the database:")
    assert "Traceback" not in result.stderr


def test_a_malformed_date_names_the_option(data_dir: Path) -> None:
    result = detainers("demo", "seed", "--as-of", "27/11/2026", data_dir=data_dir)
    assert result.returncode == 2
    assert "--as-of" in result.stderr
    assert "27/11/2026" in result.stderr


def test_listing_an_empty_database_gives_an_empty_json_list(data_dir: Path) -> None:
    detainers("db", "upgrade", data_dir=data_dir)
    result = detainers("detainers", "list", "--json", data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout) == []


def test_a_seeded_world_can_be_listed_and_a_detainer_shown(data_dir: Path) -> None:
    seeded = detainers(
        "demo",
        "seed",
        "--seed",
        "3",
        "--detainers",
        "300",
        "--as-of",
        "2026-11-27",
        "--json",
        data_dir=data_dir,
    )
    assert seeded.returncode == 0, seeded.stderr
    summary = json.loads(seeded.stdout)
    assert summary["detainers"] == 300
    assert sum(summary["by_state"].values()) == 300

    listed = detainers(
        "detainers", "list", "--state", "transferred", "--limit", "5", "--json", data_dir=data_dir
    )
    assert listed.returncode == 0, listed.stderr
    rows = json.loads(listed.stdout)
    assert len(rows) == 5
    assert {row["state"] for row in rows} == {"transferred"}

    shown = detainers("detainers", "show", rows[0]["id"], "--json", data_dir=data_dir)
    assert shown.returncode == 0, shown.stderr
    story = json.loads(shown.stdout)
    assert story["state"] == "transferred"
    assert story["events"][0]["type"] == "DetainerLodged"
    assert story["events"][-1]["to_state"] == "transferred"
    assert story["decision"]["engine"] == "synthetic-world"

    human = detainers("detainers", "show", rows[0]["id"], data_dir=data_dir)
    assert human.returncode == 0, human.stderr
    assert "DetainerTransferred" in human.stdout
    assert "timeline" in human.stdout


def test_seeding_a_database_that_holds_detainers_is_refused_with_the_count(data_dir: Path) -> None:
    args = ("demo", "seed", "--detainers", "40", "--as-of", "2026-11-27", "--json")
    assert detainers(*args, data_dir=data_dir).returncode == 0
    again = detainers(*args, data_dir=data_dir)
    assert again.returncode == 4
    assert again.stderr.startswith("error: the database already holds [40] detainers")


def test_the_same_seed_gives_the_same_world(tmp_path: Path) -> None:
    outputs = []
    for name in ("one", "two"):
        data_dir = tmp_path / name
        args = (
            "demo",
            "seed",
            "--seed",
            "11",
            "--detainers",
            "60",
            "--as-of",
            "2026-11-27",
            "--json",
        )
        assert detainers(*args, data_dir=data_dir).returncode == 0
        outputs.append(
            detainers("detainers", "list", "--limit", "100", "--json", data_dir=data_dir).stdout
        )
    assert outputs[0] == outputs[1]
    assert len(json.loads(outputs[0])) == 60


def test_demo_run_shows_the_world_and_one_timeline(data_dir: Path) -> None:
    result = detainers(
        "demo", "run", "--detainers", "200", "--as-of", "2026-11-27", data_dir=data_dir
    )
    assert result.returncode == 0, result.stderr
    assert "The world in the database" in result.stdout
    assert re.search(r"│ detainers\s+│\s+200 │", result.stdout), result.stdout
    assert "timeline" in result.stdout
    assert "DetainerLodged" in result.stdout
    again = detainers(
        "demo", "run", "--as-of", "2026-11-27", "--detainers", "50", data_dir=data_dir
    )
    assert again.returncode == 0, again.stderr
    # The world already there is reused, not reseeded.
    assert re.search(r"│ detainers\s+│\s+200 │", again.stdout), again.stdout


REFERENCE_CT = {
    "jurisdiction": "US-CT",
    "as_of": "2024-02-01",
    "releasable_at": "2024-02-01T09:00",
    "release_reason": "bond_posted",
    "facility": {"type": "state_pretrial_jail", "program_287g": "none"},
    "detainer": {
        "form": "I-247A",
        "probable_cause": ["pending_proceedings"],
        "warrant": "I-200",
        "requests": ["notify", "hold"],
        "lodged_date": "2023-10-13",
        "served_on_subject": True,
        "dhs_transferred": False,
        "cancelled": False,
    },
    "subject": {
        "charges": [
            {
                "statute": "CGS 53a-70(a)(2)",
                "class": "felony_A",
                "status": "pending",
                "description": "Sexual assault in the first degree",
                "tags": [],
            }
        ],
        "convictions": [],
        "flags": [],
    },
}


def test_policy_evaluate_gives_the_decision_object_of_the_case_contract(tmp_path: Path) -> None:
    case_file = tmp_path / "case.json"
    case_file.write_text(json.dumps(REFERENCE_CT))
    result = detainers("policy", "evaluate", "--case", str(case_file), "--json", data_dir=tmp_path)
    assert result.returncode == 0, result.stderr
    decision = json.loads(result.stdout)
    assert {a: r["effect"] for a, r in decision["actions"].items()} == {
        "hold": "forbidden",
        "notify": "forbidden",
        "share_info": "forbidden",
        "interview": "forbidden",
        "transfer": "forbidden",
    }
    assert decision["actions"]["hold"]["reasons"][0]["rule"] == "us-ct.2019.hold.otherwise"
    assert decision["actions"]["hold"]["until"] is None
    assert {
        "action": "hold",
        "effect": "permitted",
        "change": {"detainer.warrant": "judicial"},
    } in decision["remedies"]
    assert [law["version"] for law in decision["laws"]] == ["2017-04-02", "2019-10-01"]
    assert not (tmp_path / "var").exists()  # evaluating a case stores nothing


def test_policy_evaluate_names_the_bad_path_with_exit_code_2(tmp_path: Path) -> None:
    bad = dict(REFERENCE_CT, detainer=dict(REFERENCE_CT["detainer"], warrant="pink"))  # type: ignore[arg-type]
    case_file = tmp_path / "case.json"
    case_file.write_text(json.dumps(bad))
    result = detainers("policy", "evaluate", "--case", str(case_file), "--json", data_dir=tmp_path)
    assert result.returncode == 2
    assert result.stderr.strip() == (
        "error: detainer.warrant: [pink] is not one of [none | I-200 | I-205 | judicial]"
    )
    not_json = tmp_path / "broken.json"
    not_json.write_text("{")
    broken = detainers("policy", "evaluate", "--case", str(not_json), data_dir=tmp_path)
    assert broken.returncode == 2
    assert "is not JSON" in broken.stderr


def test_policy_test_runs_every_packs_cases(tmp_path: Path) -> None:
    result = detainers("policy", "test", data_dir=tmp_path)
    assert result.returncode == 0, result.stdout
    passed, failed = re.search(r"(\d+) passed, (\d+) failed", result.stdout).groups()  # type: ignore[union-attr]
    assert int(passed) >= 150
    assert failed == "0"


def test_policy_show_lists_the_rules_in_force_with_citations(tmp_path: Path) -> None:
    result = detainers(
        "policy", "show", "US-CT", "--as-of", "2024-02-01", "--json", data_dir=tmp_path
    )
    assert result.returncode == 0, result.stderr
    shown = json.loads(result.stdout)
    assert shown["version"]["version"] == "2019-10-01"
    assert "us-ct.2019.hold.exceptions" in [rule["id"] for rule in shown["rules"]]
    assert all(rule["citation"] for rule in shown["rules"])
    notices = {n["id"]: (n["when"], n["status"]) for n in shown["notices"]}
    assert notices == {
        "us-ct.2019.notice.detainer-copy": ("detainer_received", "PARTIAL"),
        "us-ct.2019.notice.decision": ("decision_recorded", "PARTIAL"),
    }
    unknown = detainers("policy", "show", "US-ZZ", "--as-of", "2024-02-01", data_dir=tmp_path)
    assert unknown.returncode == 2
    assert unknown.stderr.startswith("error: jurisdiction: [US-ZZ] has no policy pack")


def test_holds_open_past_their_deadline_are_recorded_once(tmp_path: Path) -> None:
    data_dir = tmp_path / "var"
    seeded = detainers(
        "demo", "seed", "--detainers", "400", "--as-of", "2025-06-01", "--json", data_dir=data_dir
    )
    assert seeded.returncode == 0, seeded.stderr
    open_holds = json.loads(seeded.stdout)["by_state"].get("on_hold", 0)
    assert open_holds > 0
    first = detainers("holds", "check", "--json", data_dir=data_dir)
    assert first.returncode == 0, first.stderr
    # The world's open holds end within 48 hours of 2025-06-01; today they are all past due.
    assert len(json.loads(first.stdout)["violations_recorded"]) == open_holds
    again = detainers("holds", "check", "--json", data_dir=data_dir)
    assert json.loads(again.stdout)["violations_recorded"] == []


@pytest.mark.parametrize(
    ("env", "message"),
    [
        (
            {"DETAINERS_DATABASE_URL": "foo"},
            "error: DETAINERS_DATABASE_URL: [foo] is not a database URL",
        ),
        (
            {"DETAINERS_DATABASE_URL": "mysql://x/y"},
            "error: DETAINERS_DATABASE_URL: [mysql://x/y] is not",
        ),
    ],
)
def test_a_bad_setting_is_one_line_naming_the_variable(
    tmp_path: Path, env: dict[str, str], message: str
) -> None:
    result = detainers("db", "current", data_dir=tmp_path, env=env)
    assert result.returncode == 2
    assert result.stderr.startswith(message)
    assert "Traceback" not in result.stderr


def test_an_unmigrated_database_says_to_run_db_upgrade(tmp_path: Path) -> None:
    result = detainers("detainers", "list", data_dir=tmp_path / "var")
    assert result.returncode == 7
    assert (
        result.stderr.strip() == "error: the database has no schema yet: run `detainers db upgrade`"
    )


def test_the_connecticut_story_shows_the_decision_its_citations_and_the_remedy(
    tmp_path: Path,
) -> None:
    data_dir = tmp_path / "var"
    result = detainers("story", "connecticut", data_dir=data_dir)
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "us-ct.2019.hold.otherwise" in out
    assert "Conn. Gen. Stat. 54-192h(b)(1)(A)" in out
    assert "remedy: hold would be permitted with detainer.warrant → judicial" in out
    assert "reviewed [decline] inside the law's bounds; released 2024-02-01" in out
    assert "agency custody 2024-04-04 (63 days later)" in out
    again = detainers("story", "connecticut", data_dir=data_dir)
    assert "(already in this database)" in again.stdout


def test_policy_replay_answers_every_line_in_order_and_refuses_a_bad_line_whole(
    tmp_path: Path,
) -> None:
    first = dict(REFERENCE_CT)
    second = dict(REFERENCE_CT, as_of="2019-06-03", releasable_at="2019-06-03T09:00")
    third = dict(REFERENCE_CT, jurisdiction="US-TX")
    cases = tmp_path / "cases.jsonl"
    cases.write_text("".join(json.dumps(c) + "\n" for c in (first, second, third)))
    out = tmp_path / "out" / "decisions.jsonl"
    result = detainers(
        "policy", "replay", "--input", str(cases), "--output", str(out), data_dir=tmp_path
    )
    assert result.returncode == 0, result.stderr
    decisions = [json.loads(line) for line in out.read_text().splitlines()]
    assert [d["line"] for d in decisions] == [1, 2, 3]
    assert decisions[0]["actions"]["hold"]["effect"] == "forbidden"
    assert decisions[1]["law_date"] == "2019-06-03"
    assert (
        decisions[1]["actions"]["notify"]["effect"] == "required"
    )  # the 2014 law: notify the agency
    assert decisions[2]["actions"]["hold"]["effect"] == "required"  # Texas
    assert decisions[2]["hold"]["until"] == "2024-02-03T09:00:00-06:00"

    under_2024 = tmp_path / "law2024.jsonl"
    again = detainers(
        "policy",
        "replay",
        "--input",
        str(cases),
        "--output",
        str(under_2024),
        "--law-date",
        "2024-02-01",
        data_dir=tmp_path,
    )
    assert again.returncode == 0, again.stderr
    assert (
        json.loads(under_2024.read_text().splitlines()[1])["actions"]["notify"]["effect"]
        == "forbidden"
    )

    cases.write_text(cases.read_text() + json.dumps(dict(REFERENCE_CT, as_of="yesterday")) + "\n")
    bad_out = tmp_path / "bad.jsonl"
    refused = detainers(
        "policy", "replay", "--input", str(cases), "--output", str(bad_out), data_dir=tmp_path
    )
    assert refused.returncode == 2
    assert refused.stderr.startswith("error: line 4: as_of: [yesterday]")
    assert not bad_out.exists()
