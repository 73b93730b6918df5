"""Notices to the person as law: which the engine finds in force, composed from `US` down, and
the shipped packs' notices on both sides of each of their effective dates (the packs' cases)."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from detainers.domain.person_notice import NoticeTrigger
from detainers.domain.vocabulary import FacilityType
from detainers.policy.casefiles import all_case_files, load_case_file, run_case
from detainers.policy.engine import RulesEngine
from detainers.policy.errors import PackError
from detainers.policy.registry import RULES, load_registry

FAKE = RulesEngine(load_registry(Path(__file__).with_name("notice_rules")))
SHIPPED = RulesEngine(load_registry())
T = NoticeTrigger


def ids(engine: RulesEngine, code: str, day: date, when: NoticeTrigger, **kw: object) -> list[str]:
    return [n.id for n in engine.notices(code, day, when, **kw)]  # type: ignore[arg-type]


# -- composition ---------------------------------------------------------------------


def test_each_level_in_force_adds_its_notices_from_the_federal_level_down() -> None:
    day = date(2021, 6, 1)
    assert ids(FAKE, "US-QQ-00001", day, T.DETAINER_RECEIVED) == ["us.fake.notice.copy"]
    assert ids(FAKE, "US-QQ-00001", day, T.DECISION_RECORDED) == [
        "us-qq.v1.notice.decision",
        "us-qq.v1.notice.prison",
        "us-qq-00001.notice.decision",
    ]
    assert ids(FAKE, "US-QQ", day, T.DECISION_RECORDED) == [
        "us-qq.v1.notice.decision",
        "us-qq.v1.notice.prison",
    ]


def test_a_notice_for_some_types_of_facility_is_left_out_for_the_others() -> None:
    day = date(2021, 6, 1)
    jail = ids(FAKE, "US-QQ", day, T.DECISION_RECORDED, facility_type=FacilityType.COUNTY_JAIL)
    prison = ids(FAKE, "US-QQ", day, T.DECISION_RECORDED, facility_type=FacilityType.STATE_PRISON)
    assert jail == ["us-qq.v1.notice.decision"]
    assert prison == ["us-qq.v1.notice.decision", "us-qq.v1.notice.prison"]


def test_a_notice_is_owed_from_its_versions_first_day_and_not_on_the_day_it_ends() -> None:
    assert ids(FAKE, "US-QQ", date(2019, 12, 31), T.DECISION_RECORDED) == []
    assert (
        ids(FAKE, "US-QQ", date(2020, 1, 1), T.DECISION_RECORDED)[0] == "us-qq.v1.notice.decision"
    )
    assert ids(FAKE, "US-QQ", date(2021, 12, 31), T.HOLD_STARTED) == []
    assert ids(FAKE, "US-QQ", date(2022, 1, 1), T.DECISION_RECORDED) == []
    assert ids(FAKE, "US-QQ", date(2022, 1, 1), T.HOLD_STARTED) == ["us-qq.v2.notice.hold"]


def test_a_state_without_a_pack_adds_no_notice_of_its_own() -> None:
    assert ids(FAKE, "US-XX", date(2021, 6, 1), T.DETAINER_RECEIVED) == ["us.fake.notice.copy"]
    assert ids(FAKE, "US-XX", date(2021, 6, 1), T.DECISION_RECORDED) == []


def test_a_notice_carries_its_level_version_citation_marking_template_and_languages() -> None:
    (hold,) = FAKE.notices("US-QQ-00001", date(2023, 1, 1), T.HOLD_STARTED)
    assert (hold.jurisdiction, hold.law_version, hold.citation) == (
        "US-QQ",
        "2022-01-01",
        "QQ Stat. 2(a)",
    )
    assert (hold.status, hold.template, hold.languages) == (
        "CONFIRMED",
        "tx_held_under_detainer",
        ("English", "Spanish"),
    )
    assert hold.timezone == "America/Chicago"
    prison = FAKE.notices("US-QQ", date(2021, 1, 1), T.DECISION_RECORDED)[1]
    assert (prison.id, prison.status) == ("us-qq.v1.notice.prison", "UNCONFIRMED")
    decision = FAKE.notices("US-QQ", date(2021, 1, 1), T.DECISION_RECORDED)[0]
    assert decision.status == "PARTIAL"  # the version's marking, when the notice gives none


def test_the_law_of_an_instant_is_read_on_its_local_date() -> None:
    # 05:30 UTC on 2022-01-01 is still 2021-12-31 in Chicago: the 2020 act is in force.
    at = datetime(2022, 1, 1, 5, 30, tzinfo=UTC)
    assert [n.id for n in FAKE.required_notices("US-QQ", at, T.HOLD_STARTED)] == []
    later = datetime(2022, 1, 1, 6, 30, tzinfo=UTC)
    assert [n.id for n in FAKE.required_notices("US-QQ", later, T.HOLD_STARTED)] == [
        "us-qq.v2.notice.hold"
    ]


# -- the shipped packs ---------------------------------------------------------------


def test_the_shipped_notices_are_where_the_legal_research_puts_them() -> None:
    ct, ca, tx = (SHIPPED.registry.require(code) for code in ("US-CT", "US-CA", "US-TX"))
    assert {v.version: [n.id for n in v.notices] for v in ct.versions} == {
        "2014-01-01": [],
        "2019-10-01": ["us-ct.2019.notice.detainer-copy", "us-ct.2019.notice.decision"],
        "2025-10-01": ["us-ct.2025.notice.detainer-copy", "us-ct.2025.notice.decision"],
    }
    assert {v.version: len(v.notices) for v in ca.versions} == {
        "2014-01-01": 0,
        "2017-01-01": 2,
        "2018-01-01": 3,
    }
    assert {v.version: [n.when for n in v.notices] for v in tx.versions} == {
        version: [T.HOLD_STARTED] for version in ("2017-09-01", "2017-09-25", "2025-01-01")
    }


def test_every_unconfirmed_or_partial_marking_of_the_research_stays_on_its_notice() -> None:
    found = {n.id: n.status.value for p in SHIPPED.registry for v in p.versions for n in v.notices}
    assert found["us-ct.2019.notice.detainer-copy"] == "PARTIAL"
    assert found["us-ct.2025.notice.decision"] == "PARTIAL"
    assert found["us-ca.2017.notice.request-copy"] == "CONFIRMED"
    assert found["us-ca.2018.notice.request-copy-cdcr"] == "PARTIAL"
    assert found["us-tx.2017-injunction.notice.held-under-detainer"] == "UNCONFIRMED"
    assert found["us-tx.2017.notice.held-under-detainer"] == "CONFIRMED"
    assert found["us-tx.2025.notice.held-under-detainer"] == "PARTIAL"
    # A citation the research could not pin down says so in the citation itself.
    for notice_id in ("us-ct.2019.notice.decision", "us-tx.2025.notice.held-under-detainer"):
        citation = next(
            n.citation
            for p in SHIPPED.registry
            for v in p.versions
            for n in v.notices
            if n.id == notice_id
        )
        assert "UNCONFIRMED" in citation, notice_id


def test_every_shipped_notice_is_expected_by_at_least_one_case_and_its_absence_too() -> None:
    expected: dict[str, set[str]] = {}
    expects_none: set[str] = set()
    for path in all_case_files(RULES):
        case = load_case_file(path)
        for trigger, notice_ids in case.expected.get("notices", {}).items():
            code = path.parent.parent.name
            expected.setdefault(code, set()).update(notice_ids)
            if not notice_ids:
                expects_none.add(f"{code}:{trigger}")
    declared = {
        p.jurisdiction: {n.id for v in p.versions for n in v.notices}
        for p in SHIPPED.registry
        if any(v.notices for v in p.versions)
    }
    for code, notice_ids in declared.items():
        assert notice_ids <= expected.get(code, set()), code
    # Each state's cases also show a day on which its notices are not owed.
    assert {"US-CT:detainer_received", "US-CA:decision_recorded", "US-TX:hold_started"} <= (
        expects_none
    )


@pytest.mark.parametrize(
    ("day", "copy"),
    [
        (date(2019, 9, 30), []),
        (date(2019, 10, 1), ["us-ct.2019.notice.detainer-copy"]),
        (date(2025, 9, 30), ["us-ct.2019.notice.detainer-copy"]),
        (date(2025, 10, 1), ["us-ct.2025.notice.detainer-copy"]),
    ],
)
def test_connecticut_owes_a_copy_of_the_detainer_from_2019_10_01(
    day: date, copy: list[str]
) -> None:
    assert ids(SHIPPED, "US-CT", day, T.DETAINER_RECEIVED) == copy


def test_a_case_whose_expected_notices_differ_from_the_law_fails_naming_the_trigger(
    tmp_path: Path,
) -> None:
    source = RULES / "US-CT" / "cases" / "CT-06-class-D-conviction-after-2019-change.yaml"
    text = source.read_text().replace(
        "detainer_received: [us-ct.2019.notice.detainer-copy]", "detainer_received: []"
    )
    wrong = tmp_path / "wrong.yaml"
    wrong.write_text(text)
    result = run_case(SHIPPED, load_case_file(wrong))
    assert result.mismatches == {
        "notices.detainer_received": ("none", "us-ct.2019.notice.detainer-copy")
    }


@pytest.mark.parametrize(
    ("notices", "key"),
    [
        ("[a, b]", "expected.notices"),
        ("{hold_begun: []}", "expected.notices.hold_begun"),
        ("{hold_started: us-tx.2017.notice.held-under-detainer}", "expected.notices.hold_started"),
    ],
)
def test_a_case_with_malformed_expected_notices_is_refused(
    tmp_path: Path, notices: str, key: str
) -> None:
    source = RULES / "US-TX" / "cases" / "TX-10-day-before-SB4.yaml"
    text = source.read_text().replace(
        "  notices:\n    hold_started: []\n", f"  notices: {notices}\n"
    )
    bad = tmp_path / "bad.yaml"
    bad.write_text(text)
    with pytest.raises(PackError) as caught:
        load_case_file(bad)
    assert caught.value.key == key
