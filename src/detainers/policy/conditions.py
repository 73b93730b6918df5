"""Conditions that rules test, with three-valued logic: true, false, or unknown for lack of a fact.

Each condition is a small frozen dataclass with `test(case) -> Truth`. A fact
the case leaves out (an optional key: "not known") makes the test unknown and
names the fact, so the engine can say which fact it lacked. `parse` turns the
YAML form of a condition into these objects, naming the key at fault.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass
from typing import Any, Protocol

from detainers.domain._enum import DocumentedEnum
from detainers.domain.booking import Charge, Conviction
from detainers.domain.case import Case
from detainers.domain.vocabulary import (
    ChargeClass,
    ChargeStatus,
    DetainerForm,
    FacilityType,
    ProbableCause,
    Program287g,
    ReleaseReason,
    RequestedAction,
    SubjectFlag,
    Warrant,
)


@dataclass(frozen=True)
class Truth:
    """A test's outcome: `value` is None when unknown, and `missing` names the facts lacked."""

    value: bool | None
    missing: frozenset[str] = frozenset()


TRUE = Truth(True)
FALSE = Truth(False)


def unknown(fact: str) -> Truth:
    return Truth(None, frozenset({fact}))


def kleene_any(truths: Iterable[Truth]) -> Truth:
    """True if one is true; else unknown (naming every fact lacked) if one is; else false."""
    missing: set[str] = set()
    for truth in truths:
        if truth.value is True:
            return TRUE
        if truth.value is None:
            missing |= truth.missing
    return Truth(None, frozenset(missing)) if missing else FALSE


def kleene_all(truths: Iterable[Truth]) -> Truth:
    """False if one is false; else unknown (naming every fact lacked) if one is; else true."""
    missing: set[str] = set()
    for truth in truths:
        if truth.value is False:
            return FALSE
        if truth.value is None:
            missing |= truth.missing
    return Truth(None, frozenset(missing)) if missing else TRUE


class Condition(Protocol):
    def test(self, case: Case) -> Truth: ...
    def describe(self) -> str: ...


class ConditionError(ValueError):
    """A condition written wrongly in a pack; `key` is its path inside the rule."""

    def __init__(self, key: str, problem: str) -> None:
        self.key = key
        self.problem = problem
        super().__init__(f"[{key}] {problem}")


@dataclass(frozen=True)
class Always:
    def test(self, case: Case) -> Truth:
        return TRUE

    def describe(self) -> str:
        return "always"


@dataclass(frozen=True)
class All:
    parts: tuple[Condition, ...]

    def test(self, case: Case) -> Truth:
        return kleene_all(part.test(case) for part in self.parts)

    def describe(self) -> str:
        return "all of (" + "; ".join(p.describe() for p in self.parts) + ")"


@dataclass(frozen=True)
class Any_:
    parts: tuple[Condition, ...]

    def test(self, case: Case) -> Truth:
        return kleene_any(part.test(case) for part in self.parts)

    def describe(self) -> str:
        return "any of (" + "; ".join(p.describe() for p in self.parts) + ")"


@dataclass(frozen=True)
class Not:
    part: Condition

    def test(self, case: Case) -> Truth:
        truth = self.part.test(case)
        return truth if truth.value is None else Truth(not truth.value)

    def describe(self) -> str:
        return f"not ({self.part.describe()})"


@dataclass(frozen=True)
class OneOf:
    """A detainer or facility fact equals one of the listed values."""

    fact: str
    values: frozenset[str]
    read: Callable[[Case], str | None]

    def test(self, case: Case) -> Truth:
        value = self.read(case)
        if value is None:
            return unknown(self.fact)
        return Truth(value in self.values)

    def describe(self) -> str:
        return f"{self.fact} is one of {sorted(self.values)}"


@dataclass(frozen=True)
class Flagged:
    flag: SubjectFlag

    def test(self, case: Case) -> Truth:
        return Truth(self.flag in case.flags)

    def describe(self) -> str:
        return f"subject flag {self.flag.value}"


@dataclass(frozen=True)
class Requested:
    action: RequestedAction

    def test(self, case: Case) -> Truth:
        return Truth(self.action in case.detainer.requests)

    def describe(self) -> str:
        return f"the detainer requests {self.action.value}"


@dataclass(frozen=True)
class ProbableCauseStated:
    """`any`: at least one box ticked; `none`: no box; otherwise any of the named boxes."""

    boxes: frozenset[ProbableCause] | None
    none_ticked: bool = False

    def test(self, case: Case) -> Truth:
        ticked = case.detainer.probable_cause
        if self.none_ticked:
            return Truth(not ticked)
        if self.boxes is None:
            return Truth(bool(ticked))
        return Truth(bool(ticked & self.boxes))

    def describe(self) -> str:
        if self.none_ticked:
            return "no probable-cause box is ticked"
        if self.boxes is None:
            return "a probable-cause box is ticked"
        return f"a probable-cause box among {sorted(self.boxes)} is ticked"


@dataclass(frozen=True)
class DetainerIs:
    """A yes/no fact of the detainer (`cancelled`, `served_on_subject`, `dhs_transferred`)."""

    fact: str
    expected: bool

    def test(self, case: Case) -> Truth:
        value = getattr(case.detainer, self.fact)
        if value is None:
            return unknown(f"detainer.{self.fact}")
        return Truth(value is self.expected)

    def describe(self) -> str:
        return f"detainer.{self.fact} is {str(self.expected).lower()}"


@dataclass(frozen=True)
class Grade:
    """What a charge or conviction must be: classes, a class prefix, tags (all optional)."""

    classes: frozenset[ChargeClass] | None = None
    class_prefix: str | None = None
    tags: frozenset[str] | None = None
    jurisdiction_prefix: str | None = None

    def test(self, record: Charge | Conviction, fact: str) -> Truth:
        missing: set[str] = set()
        results: list[bool] = []
        if self.classes is not None or self.class_prefix is not None:
            if record.charge_class is None:
                missing.add(f"{fact}.class")
            else:
                value = record.charge_class.value
                results.append(
                    (self.classes is None or record.charge_class in self.classes)
                    and (self.class_prefix is None or value.startswith(self.class_prefix))
                )
        if self.tags is not None:
            results.append(bool(record.tags & self.tags))
        if self.jurisdiction_prefix is not None and isinstance(record, Conviction):
            results.append(record.jurisdiction.startswith(self.jurisdiction_prefix))
        if not all(results):
            return FALSE
        return Truth(None, frozenset(missing)) if missing else TRUE

    def describe(self) -> str:
        parts = []
        if self.classes is not None:
            parts.append(f"class in {sorted(self.classes)}")
        if self.class_prefix is not None:
            parts.append(f"class {self.class_prefix}*")
        if self.tags is not None:
            parts.append(f"tagged {sorted(self.tags)}")
        if self.jurisdiction_prefix is not None:
            parts.append(f"entered in {self.jurisdiction_prefix}")
        return ", ".join(parts) or "any"


def _exists(records: Sequence[Charge | Conviction], grade: Grade, fact: str) -> Truth:
    return kleene_any(grade.test(record, fact) for record in records)


def convictions_in_force(case: Case) -> list[Conviction]:
    """The convictions the law of `case.as_of` can see: none dated after it, and any charge
    of this custody already recorded as convicted (counted as a conviction in its jurisdiction)."""
    as_of = case.day()
    seen = [c for c in case.convictions if c.convicted_date <= as_of]
    seen += [
        charge.as_conviction(convicted_date=as_of, jurisdiction=case.jurisdiction)
        for charge in case.charges
        if charge.status is ChargeStatus.CONVICTED
    ]
    return seen


@dataclass(frozen=True)
class ConvictedOf:
    grade: Grade

    def test(self, case: Case) -> Truth:
        return _exists(convictions_in_force(case), self.grade, "subject.convictions[]")

    def describe(self) -> str:
        return f"a conviction ({self.grade.describe()})"


@dataclass(frozen=True)
class Charged:
    grade: Grade
    statuses: frozenset[ChargeStatus] = frozenset({ChargeStatus.PENDING})
    probable_cause_finding: bool | None = None

    def test(self, case: Case) -> Truth:
        return kleene_any(
            self._one(charge) for charge in case.charges if charge.status in self.statuses
        )

    def _one(self, charge: Charge) -> Truth:
        grade = self.grade.test(charge, "subject.charges[]")
        if self.probable_cause_finding is None:
            return grade
        if charge.probable_cause_finding is None:
            finding = unknown("subject.charges[].probable_cause_finding")
        else:
            finding = Truth(charge.probable_cause_finding is self.probable_cause_finding)
        return kleene_all((grade, finding))

    def describe(self) -> str:
        statuses = "/".join(sorted(self.statuses))
        extra = "" if self.probable_cause_finding is None else ", with a probable-cause finding"
        return f"a {statuses} charge ({self.grade.describe()}{extra})"


# -- parsing -------------------------------------------------------------------

_READERS: Mapping[str, tuple[type[DocumentedEnum], str, Callable[[Case], str | None]]] = {
    "form": (DetainerForm, "detainer.form", lambda c: c.detainer.form.value),
    "warrant": (Warrant, "detainer.warrant", lambda c: c.detainer.warrant.value),
    "facility_type": (FacilityType, "facility.type", lambda c: c.facility_type.value),
    "program_287g": (Program287g, "facility.program_287g", lambda c: c.program_287g.value),
    "release_reason": (
        ReleaseReason,
        "release_reason",
        lambda c: None if c.release_reason is None else c.release_reason.value,
    ),
}
_DETAINER_BOOLEANS = ("cancelled", "served_on_subject", "dhs_transferred")


def _members(enum: type[DocumentedEnum], raw: Any, key: str) -> frozenset[Any]:
    values = raw if isinstance(raw, list) else [raw]
    out = set()
    for value in values:
        try:
            out.add(enum(value))
        except ValueError:
            raise ConditionError(key, f"[{value}] is not one of [{enum.accepted()}]") from None
    return frozenset(out)


def _grade(raw: Any, key: str) -> Grade:
    if not isinstance(raw, dict):
        raise ConditionError(key, "expects a mapping of class, class_prefix, tags, jurisdiction")
    unknown_keys = set(raw) - {
        "class",
        "class_prefix",
        "tags",
        "jurisdiction",
        "status",
        "probable_cause_finding",
    }
    if unknown_keys:
        raise ConditionError(f"{key}.{sorted(unknown_keys)[0]}", "is not a known key")
    return Grade(
        classes=_members(ChargeClass, raw["class"], f"{key}.class") if "class" in raw else None,
        class_prefix=raw.get("class_prefix"),
        tags=frozenset(raw["tags"]) if "tags" in raw else None,
        jurisdiction_prefix=raw.get("jurisdiction"),
    )


def parse(node: Any, key: str = "when") -> Condition:
    """The condition written as `node` in a pack (see `rules/_template/pack.yaml`)."""
    if not isinstance(node, dict) or len(node) != 1:
        raise ConditionError(
            key, "expects a mapping with exactly one test, e.g. {warrant: [judicial]}"
        )
    ((name, raw),) = node.items()
    at = f"{key}.{name}"
    if name == "always":
        return Always()
    if name in ("all", "any"):
        if not isinstance(raw, list) or not raw:
            raise ConditionError(at, "expects a non-empty list of conditions")
        parts = tuple(parse(item, f"{at}[{i}]") for i, item in enumerate(raw))
        return All(parts) if name == "all" else Any_(parts)
    if name == "not":
        return Not(parse(raw, at))
    if name in _READERS:
        enum, fact, read = _READERS[name]
        return OneOf(fact, frozenset(m.value for m in _members(enum, raw, at)), read)
    if name == "flag":
        if not isinstance(raw, str):
            raise ConditionError(at, "expects one flag name")
        (flag,) = _members(SubjectFlag, raw, at)
        return Flagged(flag)
    if name == "requested":
        if not isinstance(raw, str):
            raise ConditionError(at, "expects one requested action")
        (action,) = _members(RequestedAction, raw, at)
        return Requested(action)
    if name == "probable_cause":
        if raw == "any":
            return ProbableCauseStated(None)
        if raw == "none":
            return ProbableCauseStated(None, none_ticked=True)
        return ProbableCauseStated(_members(ProbableCause, raw, at))
    if name in _DETAINER_BOOLEANS:
        if not isinstance(raw, bool):
            raise ConditionError(at, "expects true or false")
        return DetainerIs(name, raw)
    if name == "conviction":
        return ConvictedOf(_grade(raw, at))
    if name == "charge":
        grade = _grade(raw, at)
        statuses = (
            _members(ChargeStatus, raw["status"], f"{at}.status")
            if "status" in raw
            else frozenset({ChargeStatus.PENDING})
        )
        finding = raw.get("probable_cause_finding")
        if finding is not None and not isinstance(finding, bool):
            raise ConditionError(f"{at}.probable_cause_finding", "expects true or false")
        return Charged(grade, statuses, finding)
    known = sorted(
        [
            "always",
            "all",
            "any",
            "not",
            "flag",
            "requested",
            "probable_cause",
            "conviction",
            "charge",
            *_READERS,
            *_DETAINER_BOOLEANS,
        ]
    )
    raise ConditionError(at, f"is not a known test (known: {', '.join(known)})")
