"""A malformed pack is refused with the file, the key at fault and what was expected: one fixture per error."""

from __future__ import annotations

from pathlib import Path

import pytest

from detainers.policy.errors import PackError
from detainers.policy.loader import load_pack
from detainers.policy.registry import load_registry

MALFORMED = Path(__file__).with_name("malformed")

EXPECTED = {
    "unknown_key.yaml": ("colour", "Extra inputs are not permitted"),
    "bad_effect.yaml": ("versions.0.rules.0.effect", "required"),
    "bad_action.yaml": ("versions.0.rules.0.action", "hold"),
    "overlapping_versions.yaml": (
        "versions.2021-01-01.effective_from_inclusive",
        "overlaps version [2020-01-01]",
    ),
    "open_version_before_another.yaml": (
        "versions.2021-01-01.effective_from_inclusive",
        "overlaps version [2020-01-01]",
    ),
    "until_before_from.yaml": (
        "versions.2020-01-01.effective_until_exclusive",
        "is not after effective_from_inclusive",
    ),
    "rule_id_prefix.yaml": ("versions.2020-01-01.rules[0].id", "does not start with [us-zz.]"),
    "duplicate_rule_id.yaml": ("versions.2020-01-01.rules[1].id", "[us-zz.hold] is used twice"),
    "missing_citation.yaml": ("versions.0.rules.0.citation", "Field required"),
    "bad_timezone.yaml": ("timezone", "[Mars/Olympus_Mons] is not a time zone"),
    "bad_jurisdiction.yaml": ("jurisdiction", "[Connecticut] is not a jurisdiction code"),
    "bad_status.yaml": ("versions.0.status", "CONFIRMED"),
    "bad_date.yaml": ("versions.0.effective_from_inclusive", "date"),
    "unknown_condition.yaml": ("when.moon_phase", "is not a known test"),
    "bad_condition_value.yaml": ("when.any[1].conviction.class", "[felony_Z] is not one of"),
    "two_tests_in_one_condition.yaml": ("when", "exactly one test"),
    "no_versions.yaml": ("versions", "at least 1"),
    "not_yaml.yaml": ("(file)", "cannot be read as YAML"),
    "window_not_whole_days.yaml": (
        "versions.2020-01-01.hold_windows[0].hours",
        "must be whole days",
    ),
    "bad_notice_trigger.yaml": ("versions.0.notices.0.when", "'detainer_received'"),
    "notice_id_prefix.yaml": (
        "versions.2020-01-01.notices[0].id",
        "[notice.copy] does not start with [us-zz.]",
    ),
    "notice_unknown_key.yaml": (
        "versions.0.notices.0.deadline_hours",
        "Extra inputs are not permitted",
    ),
}


def test_there_is_one_malformed_fixture_per_expected_error() -> None:
    assert {p.name for p in MALFORMED.glob("*.yaml")} == set(EXPECTED)


@pytest.mark.parametrize(("name", "key_and_problem"), sorted(EXPECTED.items()))
def test_a_malformed_pack_is_refused_naming_the_file_and_the_key(
    name: str, key_and_problem: tuple[str, str]
) -> None:
    key, problem = key_and_problem
    with pytest.raises(PackError) as caught:
        load_pack(MALFORMED / name)
    message = str(caught.value)
    assert message.startswith(f"{MALFORMED / name}: [")
    assert caught.value.key.endswith(key), message
    assert problem in message


def test_a_pack_folder_must_be_named_for_its_jurisdiction(tmp_path: Path) -> None:
    folder = tmp_path / "US-QQ"
    folder.mkdir()
    (folder / "pack.yaml").write_text(
        (MALFORMED.parent / "fake_rules" / "US-ZZ" / "pack.yaml").read_text()
    )
    with pytest.raises(PackError, match=r"\[US-ZZ\] differs from its folder \[US-QQ\]"):
        load_registry(tmp_path)


def test_a_pack_folder_without_a_pack_is_refused(tmp_path: Path) -> None:
    (tmp_path / "US-QQ").mkdir()
    with pytest.raises(PackError, match=r"\[pack.yaml\] is missing"):
        load_registry(tmp_path)
