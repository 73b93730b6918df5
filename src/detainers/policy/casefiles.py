"""Each pack's example cases (`rules/<code>/cases/*.yaml`): load, run, and compare with what is expected.

Used by `detainers policy test` and by the test suite, so a pack's cases are
its tests. `expected` holds effects per action, optionally `hold_until`
(local time, minutes precision), and optionally `notices`: for each trigger
named, the ids of the notices to the person the law requires then (on the
case's date, for its facility type; `[]`: none); other keys are documentation.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Any

import yaml

from detainers.domain.person_notice import NoticeTrigger
from detainers.domain.vocabulary import Action, Effect
from detainers.policy.contract import decision_document, parse_case
from detainers.policy.engine import RulesEngine
from detainers.policy.errors import PackError

_CASE_KEYS = {
    "id",
    "source",
    "case",
    "expected",
    "reference_expected",
    "divergence",
    "confidence",
    "rationale",
    "notes",
}


@dataclass(frozen=True)
class CaseFile:
    path: Path
    id: str
    case: dict[str, Any]
    expected: dict[str, Any]


@dataclass(frozen=True)
class CaseResult:
    case: CaseFile
    mismatches: dict[str, tuple[str, str | None]]

    @property
    def passed(self) -> bool:
        return not self.mismatches


def _plain(value: Any) -> Any:
    """YAML reads dates as dates; the contract wants ISO strings."""
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, dict):
        return {key: _plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [_plain(item) for item in value]
    return value


def load_case_file(path: Path) -> CaseFile:
    raw = _plain(yaml.safe_load(path.read_text(encoding="utf-8")))
    if not isinstance(raw, dict):
        raise PackError(file=str(path), key="(top)", problem="is not a mapping")
    for key in ("id", "case", "expected"):
        if key not in raw:
            raise PackError(file=str(path), key=key, problem="is required")
    unknown = set(raw) - _CASE_KEYS
    if unknown:
        raise PackError(
            file=str(path), key=sorted(unknown)[0], problem=f"is not one of {sorted(_CASE_KEYS)}"
        )
    expected = raw["expected"]
    for key, value in expected.items():
        if key == "hold_until":
            continue
        if key == "notices":
            _check_notices(path, value)
            continue
        if key not in {a.value for a in Action}:
            raise PackError(
                file=str(path),
                key=f"expected.{key}",
                problem=f"is not an action [{Action.accepted()}]",
            )
        if value not in {e.value for e in Effect}:
            raise PackError(
                file=str(path),
                key=f"expected.{key}",
                problem=f"[{value}] is not an effect [{Effect.accepted()}]",
            )
    return CaseFile(path=path, id=str(raw["id"]), case=raw["case"], expected=expected)


def _check_notices(path: Path, value: Any) -> None:
    if not isinstance(value, dict):
        raise PackError(
            file=str(path), key="expected.notices", problem="is not a mapping of trigger to ids"
        )
    for trigger, ids in value.items():
        if trigger not in {t.value for t in NoticeTrigger}:
            raise PackError(
                file=str(path),
                key=f"expected.notices.{trigger}",
                problem=f"is not a trigger [{NoticeTrigger.accepted()}]",
            )
        if not isinstance(ids, list) or not all(isinstance(i, str) for i in ids):
            raise PackError(
                file=str(path),
                key=f"expected.notices.{trigger}",
                problem="is not a list of notice ids",
            )


def run_case(engine: RulesEngine, case_file: CaseFile) -> CaseResult:
    case = parse_case(case_file.case, engine.zone)
    zone = engine.zone(case.jurisdiction)
    decision = decision_document(engine.evaluate(case), zone)
    mismatches: dict[str, tuple[str, str | None]] = {}
    for key, want in case_file.expected.items():
        if key == "hold_until":
            got = decision["actions"]["hold"]["until"]
            got_local = (
                None
                if got is None
                else datetime.fromisoformat(got).replace(tzinfo=None).isoformat(timespec="minutes")
            )
            if got_local != str(want)[:16]:
                mismatches[key] = (str(want), got_local)
            continue
        if key == "notices":
            for trigger, ids in want.items():
                found = engine.notices(
                    case.jurisdiction, case.day(zone), NoticeTrigger(trigger), case.facility_type
                )
                got_ids = sorted(n.id for n in found)
                if got_ids != sorted(ids):
                    mismatches[f"notices.{trigger}"] = (
                        ", ".join(sorted(ids)) or "none",
                        ", ".join(got_ids) or "none",
                    )
            continue
        got_effect = decision["actions"][key]["effect"]
        if got_effect != want:
            mismatches[key] = (want, got_effect)
    return CaseResult(case=case_file, mismatches=mismatches)


def all_case_files(root: Path) -> list[Path]:
    """Every pack's case files (the `_template` folder is skipped)."""
    return sorted(
        p for p in root.glob("*/cases/*.yaml") if not p.parent.parent.name.startswith("_")
    )
