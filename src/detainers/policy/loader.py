"""Load one policy pack from YAML, refusing anything malformed with the file, key and expectation.

The YAML is checked by pydantic models (a file format is an edge), then
turned into the engine's frozen dataclasses. Beyond the shape: versions must
not overlap, rule and notice ids must be unique, start with the jurisdiction's
code in lower case, and carry a citation; time zones must exist.
"""

from __future__ import annotations

from datetime import date
from pathlib import Path
from typing import Any, Literal
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

from detainers.domain.errors import InvalidValue
from detainers.domain.jurisdiction import check_code
from detainers.domain.person_notice import NoticeTrigger
from detainers.domain.vocabulary import Action, Effect, FacilityType
from detainers.policy import conditions
from detainers.policy.errors import PackError
from detainers.policy.model import HoldWindow, LawVersion, Notice, Pack, Rule, Status


class _Strict(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)


class _Rule(_Strict):
    id: str = Field(min_length=3)
    action: Action
    effect: Effect
    when: dict[str, Any] = Field(default_factory=lambda: {"always": True})
    citation: str = Field(min_length=3)
    summary: str = Field(min_length=3)
    status: Status | None = None


class _Window(_Strict):
    id: str = Field(min_length=3)
    hours: int = Field(gt=0, le=240)
    exclude: list[Literal["weekends", "holidays"]] = Field(default_factory=list)
    when: dict[str, Any] = Field(default_factory=lambda: {"always": True})
    citation: str = Field(min_length=3)
    summary: str = Field(min_length=3)


class _Notice(_Strict):
    id: str = Field(min_length=3)
    when: NoticeTrigger
    citation: str = Field(min_length=3)
    summary: str = Field(min_length=3)
    status: Status | None = None
    template: str = Field(pattern=r"^[a-z][a-z0-9_]{0,60}$")
    languages: list[str] = Field(default_factory=list)
    facility_types: list[FacilityType] = Field(default_factory=list)


class _Version(_Strict):
    version: str = Field(min_length=4)
    effective_from_inclusive: date
    effective_until_exclusive: date | None = None
    title: str = Field(min_length=3)
    citation: str = Field(min_length=3)
    url: str | None = None
    status: Status
    notes: str = ""
    hold_windows: list[_Window] = Field(default_factory=list)
    rules: list[_Rule] = Field(default_factory=list)
    notices: list[_Notice] = Field(default_factory=list)


class _Pack(_Strict):
    jurisdiction: str
    name: str = Field(min_length=2)
    timezone: str
    preempts_lower: bool
    notes: str = ""
    versions: list[_Version] = Field(min_length=1)


def load_pack(path: Path) -> Pack:
    """The pack in `path` (a `pack.yaml`), or a `PackError` naming what is wrong."""
    file = str(path)
    try:
        raw = yaml.safe_load(path.read_text(encoding="utf-8"))
    except (OSError, yaml.YAMLError) as e:
        raise PackError(file=file, key="(file)", problem=f"cannot be read as YAML: {e}") from e
    try:
        doc = _Pack.model_validate(raw)
    except ValidationError as e:
        first = e.errors()[0]
        key = ".".join(str(part) for part in first["loc"]) or "(top)"
        raise PackError(file=file, key=key, problem=first["msg"]) from e
    return _build(doc, file)


def _build(doc: _Pack, file: str) -> Pack:
    try:
        check_code(doc.jurisdiction)
    except InvalidValue as e:
        raise PackError(file=file, key="jurisdiction", problem=str(e)) from e
    try:
        ZoneInfo(doc.timezone)
    except (ZoneInfoNotFoundError, ValueError) as e:
        raise PackError(
            file=file, key="timezone", problem=f"[{doc.timezone}] is not a time zone"
        ) from e
    prefix = doc.jurisdiction.lower() + "."
    seen: set[str] = set()
    versions: list[LawVersion] = []
    for v in sorted(doc.versions, key=lambda v: v.effective_from_inclusive):
        key = f"versions.{v.version}"
        if (
            v.effective_until_exclusive is not None
            and v.effective_until_exclusive <= v.effective_from_inclusive
        ):
            raise PackError(
                file=file,
                key=f"{key}.effective_until_exclusive",
                problem="is not after effective_from_inclusive",
            )
        if versions:
            previous = versions[-1]
            if (
                previous.effective_until_exclusive is None
                or previous.effective_until_exclusive > v.effective_from_inclusive
            ):
                raise PackError(
                    file=file,
                    key=f"{key}.effective_from_inclusive",
                    problem=f"overlaps version [{previous.version}]",
                )
        rules = []
        for j, r in enumerate(v.rules):
            rule_key = f"{key}.rules[{j}]"
            _check_id(r.id, prefix, seen, file, f"{rule_key}.id")
            rules.append(
                Rule(
                    id=r.id,
                    action=r.action,
                    effect=r.effect,
                    when=_condition(r.when, file, f"{rule_key}.when"),
                    citation=r.citation,
                    summary=r.summary,
                    status=r.status or v.status,
                )
            )
        for k, w in enumerate(v.hold_windows):
            if w.exclude and w.hours % 24:
                raise PackError(
                    file=file,
                    key=f"{key}.hold_windows[{k}].hours",
                    problem="must be whole days (a multiple of 24) when weekends or holidays are excluded",
                )
        windows = tuple(
            HoldWindow(
                id=w.id,
                hours=w.hours,
                exclude_weekends="weekends" in w.exclude,
                exclude_holidays="holidays" in w.exclude,
                when=_condition(w.when, file, f"{key}.hold_windows[{k}].when"),
                citation=w.citation,
                summary=w.summary,
            )
            for k, w in enumerate(v.hold_windows)
        )
        notices = []
        for n_index, n in enumerate(v.notices):
            _check_id(n.id, prefix, seen, file, f"{key}.notices[{n_index}].id")
            notices.append(
                Notice(
                    id=n.id,
                    when=n.when,
                    citation=n.citation,
                    summary=n.summary,
                    status=n.status or v.status,
                    template=n.template,
                    languages=tuple(n.languages),
                    facility_types=frozenset(n.facility_types),
                )
            )
        versions.append(
            LawVersion(
                version=v.version,
                effective_from_inclusive=v.effective_from_inclusive,
                effective_until_exclusive=v.effective_until_exclusive,
                title=v.title,
                citation=v.citation,
                url=v.url,
                status=v.status,
                rules=tuple(rules),
                hold_windows=windows,
                notes=v.notes,
                notices=tuple(notices),
            )
        )
    return Pack(
        jurisdiction=doc.jurisdiction,
        name=doc.name,
        timezone=doc.timezone,
        preempts_lower=doc.preempts_lower,
        versions=tuple(versions),
        source=file,
        notes=doc.notes,
    )


def _check_id(item_id: str, prefix: str, seen: set[str], file: str, key: str) -> None:
    """Ids are stable strings stored on every decision and notice: prefixed and unique."""
    if not item_id.startswith(prefix):
        raise PackError(file=file, key=key, problem=f"[{item_id}] does not start with [{prefix}]")
    if item_id in seen:
        raise PackError(file=file, key=key, problem=f"[{item_id}] is used twice")
    seen.add(item_id)


def _condition(node: dict[str, Any], file: str, key: str) -> conditions.Condition:
    try:
        return conditions.parse(node, key)
    except conditions.ConditionError as e:
        raise PackError(file=file, key=e.key, problem=e.problem) from e
