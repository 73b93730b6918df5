"""Every shipped pack loads, is well formed, and gives the answers its example cases expect."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from detainers.policy.casefiles import all_case_files, load_case_file, run_case
from detainers.policy.contract import parse_case
from detainers.policy.engine import RulesEngine
from detainers.policy.model import Pack
from detainers.policy.registry import RULES, load_registry

REGISTRY = load_registry()
ENGINE = RulesEngine(REGISTRY)
CASES = all_case_files(RULES)
REFERENCE = Path(__file__).resolve().parents[4] / "shared" / "reference" / "cases"


def test_the_packs_cover_the_jurisdictions_of_the_legal_research() -> None:
    assert set(REGISTRY.packs) >= {
        "US",
        "US-CT",
        "US-CA",
        "US-TX",
        "US-FL",
        "US-IL",
        "US-WA",
        "US-OR",
        "US-NY",
        "US-MA",
        "US-CO",
    }


@pytest.mark.parametrize("pack", list(REGISTRY), ids=lambda p: p.jurisdiction)
def test_every_rule_has_a_stable_id_a_citation_and_a_summary(pack: Pack) -> None:
    for version in pack.versions:
        for rule in version.rules:
            assert rule.id.startswith(pack.jurisdiction.lower() + ".")
            assert len(rule.citation) >= 3, rule.id
            assert len(rule.summary) >= 3, rule.id


@pytest.mark.parametrize("pack", list(REGISTRY), ids=lambda p: p.jurisdiction)
def test_versions_do_not_overlap(pack: Pack) -> None:
    for earlier, later in zip(pack.versions, pack.versions[1:], strict=False):
        assert earlier.effective_until_exclusive is not None
        assert earlier.effective_until_exclusive <= later.effective_from_inclusive


@pytest.mark.parametrize("path", CASES, ids=lambda p: p.stem)
def test_pack_case(path: Path) -> None:
    result = run_case(ENGINE, load_case_file(path))
    assert result.mismatches == {}


def test_every_pack_has_cases_for_each_of_its_versions() -> None:
    covered: dict[str, set[str]] = {}
    for path in CASES:
        evaluation = ENGINE.evaluate(parse_case(load_case_file(path).case, ENGINE.zone))
        for law in evaluation.laws:
            covered.setdefault(law.jurisdiction, set()).add(law.version)
    for pack in REGISTRY:
        assert {v.version for v in pack.versions} <= covered.get(pack.jurisdiction, set()), (
            pack.jurisdiction
        )


@pytest.mark.skipif(
    not REFERENCE.is_dir(), reason="the shared reference cases are not beside this checkout"
)
def test_every_reference_case_is_a_test_of_its_pack() -> None:
    ours = {load_case_file(path).id for path in CASES}
    reference = {json.loads(p.read_text())["id"] for p in REFERENCE.glob("*.json")}
    assert reference - ours == set()


def test_every_rule_and_hold_window_applies_in_at_least_one_example_case() -> None:
    applied: set[str] = set()
    for path in CASES:
        case = parse_case(load_case_file(path).case, ENGINE.zone)
        steps = ENGINE.explain(case, with_remedies=False).trace.steps
        applied |= {
            s.rule for s in steps if s.outcome == "applies" or s.outcome.startswith("window ends")
        }
    declared = {
        item.id
        for pack in REGISTRY
        for version in pack.versions
        for item in (*version.rules, *version.hold_windows)
    }
    assert sorted(declared - applied) == []
