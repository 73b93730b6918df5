"""The case contract of DESIGN.md: JSON in, the domain `Case`; the decision object out.

Parsing is strict. An unknown key, a value outside a vocabulary or a
malformed date is a `CaseError` naming the path (`subject.charges[0].class`)
and what is accepted. A missing optional key means "not known". Local times
(`releasable_at`) are read in the jurisdiction's time zone; the decision
object gives `until` back in that zone.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any, TypeVar
from zoneinfo import ZoneInfo

from detainers.domain._enum import DocumentedEnum
from detainers.domain.booking import Charge, Conviction
from detainers.domain.case import Case, DetainerFacts
from detainers.domain.decision import Evaluation
from detainers.domain.errors import InvalidValue
from detainers.domain.jurisdiction import check_code
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
from detainers.policy.engine import RulesEngine
from detainers.policy.errors import CaseError

E = TypeVar("E", bound=DocumentedEnum)

_TOP = (
    "jurisdiction",
    "as_of",
    "releasable_at",
    "release_reason",
    "facility",
    "detainer",
    "subject",
)
_FACILITY = ("type", "program_287g")
_DETAINER = (
    "form",
    "probable_cause",
    "warrant",
    "requests",
    "lodged_date",
    "served_on_subject",
    "dhs_transferred",
    "cancelled",
)
_SUBJECT = ("charges", "convictions", "flags")
_CHARGE = ("statute", "class", "status", "description", "tags", "probable_cause_finding")
_CONVICTION = ("statute", "class", "status", "description", "tags", "date", "jurisdiction")


def _object(
    raw: Any, path: str, allowed: tuple[str, ...], required: tuple[str, ...] = ()
) -> Mapping[str, Any]:
    if not isinstance(raw, dict):
        raise CaseError(path=path, value=type(raw).__name__, problem="is not an object")
    # null means "not known", like a missing key (Parquet writes nulls for absent keys).
    present: dict[str, Any] = {key: value for key, value in raw.items() if value is not None}
    for key in present:
        if key not in allowed:
            where = f"{path}.{key}" if path else key
            raise CaseError(
                path=where,
                value=key,
                problem=f"is not a known key (accepted: {' | '.join(allowed)})",
            )
    for key in required:
        if key not in present:
            where = f"{path}.{key}" if path else key
            raise CaseError(path=where, value="missing", problem="is required")
    return present


def _member(enum: type[E], raw: Any, path: str) -> E:
    try:
        return enum(raw)
    except ValueError:
        raise CaseError(
            path=path, value=raw, problem=f"is not one of [{enum.accepted()}]"
        ) from None


def _members(enum: type[E], raw: Any, path: str) -> frozenset[E]:
    if not isinstance(raw, list):
        raise CaseError(path=path, value=raw, problem="is not a list")
    return frozenset(_member(enum, item, f"{path}[{i}]") for i, item in enumerate(raw))


def _boolean(raw: Any, path: str) -> bool | None:
    if raw is None or isinstance(raw, bool):
        return raw
    raise CaseError(path=path, value=raw, problem="is not true or false")


def _text(raw: Any, path: str) -> str:
    if not isinstance(raw, str) or not raw.strip():
        raise CaseError(path=path, value=raw, problem="is not a non-empty string")
    return raw


_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}$")
_MOMENT = re.compile(r"^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})?$")
_TAG = re.compile(r"^[a-z0-9_]{2,40}$")


def _date(raw: Any, path: str) -> date:
    try:
        if not isinstance(raw, str) or not _DATE.match(raw):
            raise ValueError(raw)
        return date.fromisoformat(raw)
    except (TypeError, ValueError):
        raise CaseError(path=path, value=raw, problem="is not a date YYYY-MM-DD") from None


def _moment(raw: Any, path: str, zone: ZoneInfo) -> datetime:
    try:
        if not isinstance(raw, str) or not _MOMENT.match(raw):
            raise ValueError(raw)
        value = datetime.fromisoformat(raw)
    except (TypeError, ValueError):
        raise CaseError(
            path=path, value=raw, problem="is not a date-time YYYY-MM-DDTHH:MM"
        ) from None
    return value.replace(tzinfo=zone) if value.tzinfo is None else value


def _as_of(raw: Any, zone: ZoneInfo) -> date | datetime:
    if isinstance(raw, str) and len(raw) == 10:
        return _date(raw, "as_of")
    return _moment(raw, "as_of", zone)


def _tags(raw: Any, path: str) -> frozenset[str]:
    if not isinstance(raw, list):
        raise CaseError(path=path, value=raw, problem="is not a list of tags")
    for i, tag in enumerate(raw):
        if not isinstance(tag, str) or not _TAG.match(tag):
            raise CaseError(
                path=f"{path}[{i}]", value=tag, problem="is not a tag like serious_felony"
            )
    return frozenset(raw)


def _text_or_empty(raw: Any, path: str) -> str:
    if raw is None:
        return ""
    if not isinstance(raw, str):
        raise CaseError(path=path, value=raw, problem="is not a string")
    return raw


def _class(raw: Any, path: str) -> ChargeClass | None:
    return None if raw is None else _member(ChargeClass, raw, path)


def _charge(raw: Any, path: str) -> Charge:
    doc = _object(raw, path, _CHARGE, required=("statute",))
    return Charge(
        statute=_text(doc["statute"], f"{path}.statute"),
        description=_text_or_empty(doc.get("description"), f"{path}.description"),
        charge_class=_class(doc.get("class"), f"{path}.class"),
        status=_member(ChargeStatus, doc.get("status", "pending"), f"{path}.status"),
        tags=_tags(doc.get("tags", []), f"{path}.tags"),
        probable_cause_finding=_boolean(
            doc.get("probable_cause_finding"), f"{path}.probable_cause_finding"
        ),
    )


def _conviction(raw: Any, path: str, jurisdiction: str) -> Conviction:
    doc = _object(raw, path, _CONVICTION, required=("statute", "date"))
    if doc.get("status", "convicted") != "convicted":
        raise CaseError(path=f"{path}.status", value=doc["status"], problem="is not [convicted]")
    where = _text(doc.get("jurisdiction", jurisdiction), f"{path}.jurisdiction")
    try:
        check_code(where)
    except InvalidValue as e:
        raise CaseError(
            path=f"{path}.jurisdiction", value=where, problem="is not a code like US, US-CT"
        ) from e
    return Conviction(
        statute=_text(doc["statute"], f"{path}.statute"),
        description=_text_or_empty(doc.get("description"), f"{path}.description"),
        charge_class=_class(doc.get("class"), f"{path}.class"),
        convicted_date=_date(doc["date"], f"{path}.date"),
        jurisdiction=where,
        tags=_tags(doc.get("tags", []), f"{path}.tags"),
    )


def parse_case(raw: Any, zone_of: Callable[[str], ZoneInfo]) -> Case:
    """The domain case for a contract document; `zone_of(jurisdiction)` reads local times."""
    doc = _object(raw, "", _TOP, required=("jurisdiction", "as_of", "facility", "detainer"))
    jurisdiction = _text(doc["jurisdiction"], "jurisdiction")
    try:
        check_code(jurisdiction)
    except InvalidValue as e:
        raise CaseError(
            path="jurisdiction",
            value=jurisdiction,
            problem="is not a code like US, US-CT, US-CA-06037",
        ) from e
    zone = zone_of(jurisdiction)
    facility = _object(doc["facility"], "facility", _FACILITY, required=("type", "program_287g"))
    detainer = _object(
        doc["detainer"], "detainer", _DETAINER, required=("form", "warrant", "requests")
    )
    subject = _object(doc.get("subject", {}), "subject", _SUBJECT)
    lodged = detainer.get("lodged_date")
    releasable = doc.get("releasable_at")
    reason = doc.get("release_reason")
    return Case(
        jurisdiction=jurisdiction,
        as_of=_as_of(doc["as_of"], zone),
        facility_type=_member(FacilityType, facility["type"], "facility.type"),
        program_287g=_member(Program287g, facility["program_287g"], "facility.program_287g"),
        detainer=DetainerFacts(
            form=_member(DetainerForm, detainer["form"], "detainer.form"),
            probable_cause=_members(
                ProbableCause, detainer.get("probable_cause", []), "detainer.probable_cause"
            ),
            warrant=_member(Warrant, detainer["warrant"], "detainer.warrant"),
            requests=_members(RequestedAction, detainer["requests"], "detainer.requests"),
            lodged_date=None if lodged is None else _date(lodged, "detainer.lodged_date"),
            served_on_subject=_boolean(
                detainer.get("served_on_subject"), "detainer.served_on_subject"
            ),
            dhs_transferred=_boolean(detainer.get("dhs_transferred"), "detainer.dhs_transferred"),
            cancelled=_boolean(detainer.get("cancelled"), "detainer.cancelled"),
        ),
        charges=tuple(
            _charge(c, f"subject.charges[{i}]") for i, c in enumerate(_list(subject, "charges"))
        ),
        convictions=tuple(
            _conviction(c, f"subject.convictions[{i}]", jurisdiction)
            for i, c in enumerate(_list(subject, "convictions"))
        ),
        flags=_members(SubjectFlag, subject.get("flags", []), "subject.flags"),
        releasable_at=None if releasable is None else _moment(releasable, "releasable_at", zone),
        release_reason=None if reason is None else _member(ReleaseReason, reason, "release_reason"),
    )


def _list(doc: Mapping[str, Any], key: str) -> list[Any]:
    value = doc.get(key, [])
    if not isinstance(value, list):
        raise CaseError(path=f"subject.{key}", value=value, problem="is not a list")
    return value


def decision_document(evaluation: Evaluation, zone: ZoneInfo) -> dict[str, Any]:
    """The decision object of the case contract; `until` in the jurisdiction's local time."""
    doc = evaluation.to_contract()
    for action, ruling in evaluation.rulings.items():
        until = ruling.until
        doc["actions"][action.value]["until"] = (
            None if until is None else until.astimezone(zone).isoformat()
        )
    doc["hold"] = {"until": doc["actions"]["hold"]["until"]}
    return doc


def evaluate_document(engine: RulesEngine, raw: Any) -> dict[str, Any]:
    """A case contract document in, its decision object out (with remedies); nothing is stored."""
    case = parse_case(raw, engine.zone)
    explained = engine.explain(case)
    return decision_document(explained.evaluation, engine.zone(case.jurisdiction))
