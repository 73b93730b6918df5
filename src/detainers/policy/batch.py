"""Batch evaluation for replaying history: many cases at once, as columns (Polars), not a loop.

Cases are flattened into one frame; each rule's condition compiles to a Polars
expression with three-valued (Kleene) logic, so an unknown fact is a null, as
in the one-case engine. Within a level the first rule that holds decides (a
backward fold over the rules); levels compose column-wise; hold windows use
business-day arithmetic. Rows are grouped by jurisdiction and the law versions
in force, so each group compiles its rules once. The answers equal
`RulesEngine.evaluate` case by case (a property-based test checks it); reasons
and remedies are not computed here.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, time
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import holidays
import numpy as np
import polars as pl

from detainers.domain.case import Case
from detainers.domain.jurisdiction import chain
from detainers.domain.vocabulary import Action, Effect, JurisdictionKind
from detainers.policy import conditions as cd
from detainers.policy.engine import RulesEngine, level_kind
from detainers.policy.model import HoldWindow, LawVersion, Pack

ALLOWS = (Effect.REQUIRED.value, Effect.PERMITTED.value)
_CHARGE = pl.Struct(
    {"class": pl.Utf8, "status": pl.Utf8, "tags": pl.List(pl.Utf8), "pcf": pl.Boolean}
)
_CONVICTION = pl.Struct({"class": pl.Utf8, "tags": pl.List(pl.Utf8), "jurisdiction": pl.Utf8})
OUTPUT = ["row", "jurisdiction", "day", "releasable_at", *(a.value for a in Action), "until"]
SCHEMA: dict[str, Any] = {
    "row": pl.Int64,
    "jurisdiction": pl.Utf8,
    "day": pl.Date,
    "form": pl.Utf8,
    "warrant": pl.Utf8,
    "facility_type": pl.Utf8,
    "program_287g": pl.Utf8,
    "release_reason": pl.Utf8,
    "cancelled": pl.Boolean,
    "served_on_subject": pl.Boolean,
    "dhs_transferred": pl.Boolean,
    "probable_cause": pl.List(pl.Utf8),
    "requests": pl.List(pl.Utf8),
    "flags": pl.List(pl.Utf8),
    "charges": pl.List(_CHARGE),
    "convictions": pl.List(_CONVICTION),
    "releasable_at": pl.Datetime("us", "UTC"),
}


# -- cases to columns ------------------------------------------------------------------


def frame(engine: RulesEngine, cases: Sequence[Case], law_date: date | None = None) -> pl.DataFrame:
    """One row per case; `day` is the date whose law applies (`law_date` for every row if given)."""
    rows = []
    for i, c in enumerate(cases):
        rows.append(
            {
                "row": i,
                "jurisdiction": c.jurisdiction,
                "day": law_date or c.day(engine.zone(c.jurisdiction)),
                "form": c.detainer.form.value,
                "warrant": c.detainer.warrant.value,
                "facility_type": c.facility_type.value,
                "program_287g": c.program_287g.value,
                "release_reason": c.release_reason.value if c.release_reason else None,
                "cancelled": c.detainer.cancelled,
                "served_on_subject": c.detainer.served_on_subject,
                "dhs_transferred": c.detainer.dhs_transferred,
                "probable_cause": sorted(p.value for p in c.detainer.probable_cause),
                "requests": sorted(r.value for r in c.detainer.requests),
                "flags": sorted(f.value for f in c.flags),
                "charges": [
                    {
                        "class": ch.charge_class.value if ch.charge_class else None,
                        "status": ch.status.value,
                        "tags": sorted(ch.tags),
                        "pcf": ch.probable_cause_finding,
                    }
                    for ch in c.charges
                ],
                "convictions": [
                    {
                        "class": cv.charge_class.value if cv.charge_class else None,
                        "tags": sorted(cv.tags),
                        "jurisdiction": cv.jurisdiction,
                    }
                    for cv in cd.convictions_in_force(c)
                ],
                "releasable_at": c.releasable_at.astimezone(UTC) if c.releasable_at else None,
            }
        )
    return pl.DataFrame(rows, schema=SCHEMA)


# -- conditions to expressions -----------------------------------------------------------

_FACT_COLUMNS = {
    "detainer.form": "form",
    "detainer.warrant": "warrant",
    "facility.type": "facility_type",
    "facility.program_287g": "program_287g",
    "release_reason": "release_reason",
}


def _kleene_any(items: pl.Expr, test: pl.Expr) -> pl.Expr:
    """True if the test holds for some item, unknown if it might, false otherwise."""
    tested = items.list.eval(test)
    some_true = tested.list.eval(pl.element().fill_null(False)).list.any()
    some_unknown = tested.list.eval(pl.element().is_null()).list.any()
    return pl.when(some_true).then(True).when(some_unknown).then(None).otherwise(False)


def _grade(grade: cd.Grade, conviction: bool) -> pl.Expr:
    element = pl.element()
    parts: list[pl.Expr] = []
    if grade.classes is not None or grade.class_prefix is not None:
        klass = element.struct.field("class")
        test = pl.lit(True)
        if grade.classes is not None:
            test = test & klass.is_in(sorted(c.value for c in grade.classes))
        if grade.class_prefix is not None:
            test = test & klass.str.starts_with(grade.class_prefix)
        parts.append(pl.when(klass.is_null()).then(None).otherwise(test))
    if grade.tags is not None:
        parts.append(
            element.struct.field("tags")
            .list.eval(pl.element().is_in(sorted(grade.tags)))
            .list.any()
        )
    if grade.jurisdiction_prefix is not None and conviction:
        parts.append(
            element.struct.field("jurisdiction").str.starts_with(grade.jurisdiction_prefix)
        )
    out = pl.lit(True)
    for part in parts:
        out = out & part
    return out


def expr(condition: cd.Condition) -> pl.Expr:
    """The Polars form of a condition: a nullable boolean (null: unknown for lack of a fact)."""
    match condition:
        case cd.Always():
            return pl.lit(True)
        case cd.All(parts=parts):
            out = pl.lit(True)
            for part in parts:
                out = out & expr(part)
            return out
        case cd.Any_(parts=parts):
            out = pl.lit(False)
            for part in parts:
                out = out | expr(part)
            return out
        case cd.Not(part=part):
            return ~expr(part)
        case cd.OneOf(fact=fact, values=values):
            return pl.col(_FACT_COLUMNS[fact]).is_in(sorted(values))
        case cd.Flagged(flag=flag):
            return pl.col("flags").list.contains(flag.value)
        case cd.Requested(action=action):
            return pl.col("requests").list.contains(action.value)
        case cd.ProbableCauseStated(boxes=boxes, none_ticked=none_ticked):
            if none_ticked:
                return pl.col("probable_cause").list.len() == 0
            if boxes is None:
                return pl.col("probable_cause").list.len() > 0
            return (
                pl.col("probable_cause")
                .list.eval(pl.element().is_in(sorted(b.value for b in boxes)))
                .list.any()
            )
        case cd.DetainerIs(fact=fact, expected=expected):
            return pl.col(fact) == expected
        case cd.ConvictedOf(grade=grade):
            return _kleene_any(pl.col("convictions"), _grade(grade, conviction=True))
        case cd.Charged(grade=grade, statuses=statuses, probable_cause_finding=finding):
            element = pl.element()
            test = element.struct.field("status").is_in(sorted(s.value for s in statuses)) & _grade(
                grade, False
            )
            if finding is not None:
                pcf = element.struct.field("pcf")
                test = test & pl.when(pcf.is_null()).then(None).otherwise(pcf == finding)
            return _kleene_any(pl.col("charges"), test)
    raise TypeError(f"no batch form for condition [{type(condition).__name__}]")


# -- levels, composition, windows ------------------------------------------------------------


def _level_effect(
    frame_: pl.LazyFrame,
    version: LawVersion,
    action: Action,
    name: str,
    columns: dict[cd.Condition, str],
) -> pl.LazyFrame:
    """Add column `name`: the level's effect for `action` (null: silent).

    The first rule that holds decides; an unknown rule before it must agree (see
    engine._level). Folded from the last rule back, one column per step, so the
    expressions stay small however many rules a version has. `columns` names the
    column already holding each rule's condition.
    """
    rules = version.rules_for(action)
    out = frame_.with_columns(pl.lit(None, dtype=pl.Utf8).alias(name))
    for rule in reversed(rules):
        t, effect = pl.col(columns[rule.when]), pl.lit(rule.effect.value)
        out = out.with_columns(
            pl.when(t.fill_null(False))
            .then(effect)
            .when(t.is_null())
            .then(
                pl.when(pl.col(name) == rule.effect.value)
                .then(effect)
                .otherwise(pl.lit(Effect.UNDECIDED.value))
            )
            .otherwise(pl.col(name))
            .alias(name)
        )
    return out


def _compose(levels: list[tuple[pl.Expr, bool]]) -> pl.Expr:
    if not levels:
        return pl.lit(Effect.UNDECIDED.value)
    effects = [e for e, _ in levels]

    def some(value: str) -> pl.Expr:
        return pl.any_horizontal([(e == value).fill_null(False) for e in effects])

    clashing = (Effect.FORBIDDEN.value, Effect.REQUIRED.value)
    highest = pl.coalesce([pl.when(e.is_in(clashing)).then(e) for e in effects])
    preempts = pl.coalesce([pl.when(e.is_in(clashing)).then(pl.lit(p)) for e, p in levels])
    return (
        pl.when(some(Effect.FORBIDDEN.value) & some(Effect.REQUIRED.value))
        .then(pl.when(preempts).then(highest).otherwise(pl.lit(Effect.UNDECIDED.value)))
        .when(some(Effect.FORBIDDEN.value))
        .then(pl.lit(Effect.FORBIDDEN.value))
        .when(some(Effect.UNDECIDED.value))
        .then(pl.lit(Effect.UNDECIDED.value))
        .when(some(Effect.REQUIRED.value))
        .then(pl.lit(Effect.REQUIRED.value))
        .when(some(Effect.PERMITTED.value))
        .then(pl.lit(Effect.PERMITTED.value))
        .otherwise(pl.lit(Effect.UNDECIDED.value))
    )


@cache
def _holidays(first_year: int, last_year: int) -> tuple[date, ...]:
    days = holidays.country_holidays("US", years=range(first_year, last_year + 1), observed=True)
    return tuple(sorted(days))


def _window_end(window: HoldWindow, zone: str, years: tuple[int, int]) -> pl.Expr:
    start = pl.col("releasable_at")
    if not (window.exclude_weekends or window.exclude_holidays):
        return start + pl.duration(hours=window.hours)
    if window.hours % 24:
        raise ValueError(f"hold window [{window.id}]: batch evaluation needs whole days of hours")
    days = window.hours // 24
    week = [True] * 5 + [not window.exclude_weekends] * 2
    off = list(_holidays(*years)) if window.exclude_holidays else []
    local = start.dt.convert_time_zone(zone).dt.replace_time_zone(None)
    open_today = local.dt.is_business_day(week_mask=week, holidays=off)
    next_open = (
        local.dt.date()
        .dt.add_business_days(0, week_mask=week, holidays=off, roll="forward")
        .cast(pl.Datetime("us"))
    )
    begin = pl.when(open_today).then(local).otherwise(next_open)
    at_midnight = begin.dt.time() == time(0)
    # From midnight, the last counted day ends at the next midnight (which may be a Saturday).
    end = (
        pl.when(at_midnight)
        .then(
            begin.dt.add_business_days(days - 1, week_mask=week, holidays=off) + pl.duration(days=1)
        )
        .otherwise(begin.dt.add_business_days(days, week_mask=week, holidays=off))
    )
    return end.dt.replace_time_zone(
        zone, ambiguous="earliest", non_existent="null"
    ).dt.convert_time_zone("UTC")


def _first_window(
    version: LawVersion, zone: str, years: tuple[int, int], columns: dict[cd.Condition, str]
) -> pl.Expr | None:
    result: pl.Expr | None = None
    for window in reversed(version.hold_windows):
        end = _window_end(window, zone, years)
        applies = pl.col(columns[window.when]).fill_null(False)
        result = (
            pl.when(applies).then(end).otherwise(result if result is not None else pl.lit(None))
        )
    return result


def _versions(
    engine: RulesEngine, jurisdiction: str, day: date
) -> tuple[tuple[str, Pack, LawVersion | None], ...]:
    out: list[tuple[str, Pack, LawVersion | None]] = []
    for code in chain(jurisdiction):
        pack = engine.registry.get(code)
        if pack is not None:
            out.append((code, pack, pack.version_at(day)))
    return tuple(out)


def _signatures(engine: RulesEngine, jurisdiction: str, days: pl.Series) -> list[tuple[int, ...]]:
    """For each day, which version of each level is in force (-1: none), found by a sorted search."""
    ordinals = days.cast(pl.Int32).to_numpy()
    columns = []
    for code in chain(jurisdiction):
        pack = engine.registry.get(code)
        if pack is None:
            continue
        epoch = date(1970, 1, 1)
        starts = np.array([(v.effective_from_inclusive - epoch).days for v in pack.versions])
        ends = np.array(
            [
                (v.effective_until_exclusive - epoch).days if v.effective_until_exclusive else 10**9
                for v in pack.versions
            ]
        )
        index = np.searchsorted(starts, ordinals, side="right") - 1
        in_force = (index >= 0) & (ordinals < ends[np.clip(index, 0, None)])
        columns.append(np.where(in_force, index, -1))
    if not columns:
        return [()] * len(ordinals)
    return [tuple(int(x) for x in row) for row in np.stack(columns, axis=1)]


def _missing_state(engine: RulesEngine, jurisdiction: str) -> bool:
    return any(
        engine.registry.get(code) is None and level_kind(code) is JurisdictionKind.STATE
        for code in chain(jurisdiction)
    )


def _evaluate_group(
    engine: RulesEngine, group: pl.DataFrame, jurisdiction: str, day: date, years: tuple[int, int]
) -> pl.LazyFrame:
    levels = _versions(engine, jurisdiction, day)
    zone = engine.zone(jurisdiction).key
    # Each distinct condition (packs reuse them across actions) is computed once.
    columns: dict[cd.Condition, str] = {}
    for _, _, version in levels:
        if version is None:
            continue
        for condition in [r.when for r in version.rules] + [w.when for w in version.hold_windows]:
            columns.setdefault(condition, f"_cond{len(columns)}")
    out = group.lazy().with_columns(expr(c).alias(name) for c, name in columns.items())
    for action in Action:
        parts: list[tuple[pl.Expr, bool]] = []
        for index, (_, pack, version) in enumerate(levels):
            if version is None:
                continue
            name = f"_level{index}_{action.value}"
            out = _level_effect(out, version, action, name, columns)
            parts.append((pl.col(name), pack.preempts_lower))
        if _missing_state(engine, jurisdiction):
            parts.append((pl.lit(Effect.UNDECIDED.value), False))
        out = out.with_columns(_compose(parts).alias(action.value))
    ends = [
        e
        for _, _, v in levels
        if v is not None and (e := _first_window(v, zone, years, columns)) is not None
    ]
    allowed = pl.col(Action.HOLD.value).is_in(ALLOWS) & pl.col("releasable_at").is_not_null()
    until = pl.min_horizontal(ends) if ends else pl.lit(None, dtype=pl.Datetime("us", "UTC"))
    out = out.with_columns(pl.when(allowed).then(until).otherwise(None).alias("until"))
    # A hold the law allows but no window bounds is not allowed (engine: no-hold-window).
    out = out.with_columns(
        pl.when(allowed & pl.col("until").is_null())
        .then(pl.lit(Effect.FORBIDDEN.value))
        .otherwise(pl.col(Action.HOLD.value))
        .alias(Action.HOLD.value)
    )
    # One query per group: the planner fuses every step, and only the answers leave it.
    return out.select(OUTPUT)


def evaluate_frame(
    engine: RulesEngine, cases: pl.DataFrame, *, recheck: bool = True
) -> pl.DataFrame:
    """Effects of every action and the hold's latest end (UTC) for every row of `cases`.

    `recheck=False` keeps each row's law for the whole hold (replay under one law date).
    """
    if cases.is_empty():
        return cases.with_columns(
            [pl.lit(None, dtype=pl.Utf8).alias(a.value) for a in Action]
        ).with_columns(pl.lit(None, dtype=pl.Datetime("us", "UTC")).alias("until"))
    years = _years(cases)
    # Rows sharing the same versions of the same levels share compiled rules: number the
    # groups, tag every row with its group in one join, and split once.
    keys = cases.select("jurisdiction", "day").unique()
    numbers: dict[tuple[str, tuple[int, ...]], int] = {}
    first_day: dict[int, date] = {}
    parts = []
    for (jurisdiction,), days in keys.partition_by("jurisdiction", as_dict=True).items():
        signatures = _signatures(engine, str(jurisdiction), days.get_column("day"))
        group_of = []
        for signature, day in zip(signatures, days.get_column("day").to_list(), strict=True):
            number = numbers.setdefault((str(jurisdiction), signature), len(numbers))
            first_day.setdefault(number, day)
            group_of.append(number)
        parts.append(days.with_columns(pl.Series("_group", group_of, dtype=pl.Int64)))
    groups = pl.concat(parts)
    tagged = cases.join(groups, on=["jurisdiction", "day"])
    results = [
        _evaluate_group(
            engine, part.drop("_group"), part.item(0, "jurisdiction"), first_day[key[0]], years
        )
        for key, part in tagged.partition_by("_group", as_dict=True).items()
    ]
    # All groups' queries run together, so the planner can overlap them.
    out = pl.concat(pl.collect_all(results)).sort("row")
    return _recheck(engine, cases, out, years) if recheck else out


def _years(cases: pl.DataFrame) -> tuple[int, int]:
    stamps = cases.get_column("releasable_at").drop_nulls()
    if stamps.is_empty():
        return (2000, 2000)
    return (int(stamps.dt.year().min()) - 1, int(stamps.dt.year().max()) + 1)  # type: ignore[arg-type]


def _recheck(
    engine: RulesEngine, cases: pl.DataFrame, out: pl.DataFrame, years: tuple[int, int]
) -> pl.DataFrame:
    """Where a level's law changes after the decision's date and before the hold's end, the
    hold must stay lawful under it: the earliest change under which it is not ends it.

    Every (row, change) pair is re-evaluated in one batch."""
    pending = out.filter(pl.col("until").is_not_null())
    if pending.is_empty():
        return out
    changes = []
    for jurisdiction in pending.get_column("jurisdiction").unique().to_list():
        for code in chain(jurisdiction):
            pack = engine.registry.get(code)
            for boundary in pack.boundaries() if pack else ():
                changes.append({"jurisdiction": jurisdiction, "boundary": boundary})
    if not changes:
        return out
    zones = {j: engine.zone(j).key for j in pending.get_column("jurisdiction").unique().to_list()}
    local_end = pl.coalesce(
        [
            pl.when(pl.col("jurisdiction") == j).then(
                pl.col("until").dt.convert_time_zone(z).dt.date()
            )
            for j, z in zones.items()
        ]
    )
    pairs = (
        pending.select("row", "jurisdiction", "day", local_end.alias("_last"))
        .join(pl.DataFrame(changes).unique(), on="jurisdiction")
        .filter((pl.col("day") < pl.col("boundary")) & (pl.col("boundary") <= pl.col("_last")))
        .with_columns(pl.int_range(pl.len(), dtype=pl.Int64).alias("_pair"))
    )
    if pairs.is_empty():
        return out
    later = (
        cases.join(pairs.select("row", "boundary", "_pair"), on="row")
        .with_columns(
            pl.col("boundary").alias("day"),
            pl.lit(None, dtype=pl.Datetime("us", "UTC")).alias("releasable_at"),
        )
        .drop("row", "boundary")
        .rename({"_pair": "row"})
        .select(list(SCHEMA))
    )
    verdict = evaluate_frame(engine, later, recheck=False).select(
        pl.col("row").alias("_pair"), pl.col(Action.HOLD.value).alias("_effect")
    )
    forbidding = (
        pairs.join(verdict, on="_pair")
        .filter(~pl.col("_effect").is_in(ALLOWS))
        .group_by("row")
        .agg(pl.col("boundary").min(), pl.col("jurisdiction").first())
    )
    if forbidding.is_empty():
        return out
    cut_rows = [
        {
            "row": row,
            "_cut": datetime.combine(
                boundary, time(), tzinfo=ZoneInfo(zones[jurisdiction])
            ).astimezone(UTC),
        }
        for row, boundary, jurisdiction in forbidding.rows()
    ]
    cut_frame = pl.DataFrame(cut_rows, schema={"row": pl.Int64, "_cut": pl.Datetime("us", "UTC")})
    cut = pl.coalesce("_cut", "until")
    # A law that forbids the hold from before it would begin leaves no hold at all.
    never = pl.col("_cut").is_not_null() & (pl.col("_cut") <= pl.col("releasable_at"))
    return (
        out.join(cut_frame, on="row", how="left")
        .with_columns(
            pl.when(never).then(None).otherwise(cut).alias("until"),
            pl.when(never)
            .then(pl.lit(Effect.FORBIDDEN.value))
            .otherwise(pl.col(Action.HOLD.value))
            .alias(Action.HOLD.value),
        )
        .drop("_cut")
    )


def evaluate_many(
    engine: RulesEngine, cases: Sequence[Case], law_date: date | None = None
) -> pl.DataFrame:
    """Batch evaluation of `cases` (under `law_date`'s law for all, if given)."""
    if law_date is not None:
        cases = [replace(c, as_of=law_date) for c in cases]
    return evaluate_frame(engine, frame(engine, cases), recheck=law_date is None)
