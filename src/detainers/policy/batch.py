"""Batch evaluation for replaying history: many cases at once, as columns, not a loop.

Cases are flattened into one Polars frame. Every leaf test of the packs' conditions
(a fact among some values, a flag set, some charge or conviction of a grade) is
computed once for all rows, in one parallel Polars query; list columns (flags,
charges, convictions, their tags) are exploded once into a row per item, tested
there and folded back onto their case. Truth is three-valued (Kleene) as in the
one-case engine, an unknown fact giving an unknown test, held as small integers
(0 false, 1 unknown, 2 true) so that `and`, `or` and `not` are `min`, `max` and
`2 - x` over numpy arrays; compound conditions are built from the leaves, each once.
Rows are then split by the version of each level's law in force on their day: within
a level the first rule that holds decides (a backward fold over the rules), levels
compose from `US` down, hold windows use business-day arithmetic (Polars), and holds
that cross a change of law are re-judged under it in one more pass. The answers equal
`RulesEngine.evaluate` case by case (a property-based test checks it); reasons and
remedies are not computed here.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from functools import cache
from typing import Any
from zoneinfo import ZoneInfo

import holidays
import numpy as np
import numpy.typing as npt
import polars as pl

from detainers.domain.case import Case
from detainers.domain.jurisdiction import chain
from detainers.domain.vocabulary import Action, Effect, JurisdictionKind
from detainers.policy import conditions as cd
from detainers.policy.engine import RulesEngine, level_kind
from detainers.policy.model import HoldWindow, LawVersion, Pack, Rule

_CHARGE = pl.Struct(
    {"class": pl.Utf8, "status": pl.Utf8, "tags": pl.List(pl.Utf8), "pcf": pl.Boolean}
)
_CONVICTION = pl.Struct({"class": pl.Utf8, "tags": pl.List(pl.Utf8), "jurisdiction": pl.Utf8})
# Input columns the answer repeats, before each action's effect and the hold's end.
_GIVEN = ["row", "jurisdiction", "day", "releasable_at"]
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


# -- three-valued truth, as int8 -------------------------------------------------------

Array = npt.NDArray[Any]
# Kleene truth as int8 (0 false, 1 unknown, 2 true), ordered so that `and` is min, `or`
# is max and `not` is 2 - x.
UNKNOWN, TRUE = 1, 2
# Effects as int8 codes (an index into _LABELS); 0 is a level with nothing to say.
_CODE = {effect: np.int8(i + 1) for i, effect in enumerate(Effect)}
_LABELS = pl.Series([None, *(e.value for e in Effect)], dtype=pl.Utf8)
_CLASHING = [_CODE[Effect.FORBIDDEN], _CODE[Effect.REQUIRED]]
# The end of a hold that has none (UTC microseconds).
_NEVER = np.iinfo(np.int64).max

_FACT_COLUMNS = {
    "detainer.form": "form",
    "detainer.warrant": "warrant",
    "facility.type": "facility_type",
    "facility.program_287g": "program_287g",
    "release_reason": "release_reason",
}


# A reader of truth codes, valid once the query that computes them has run.
Read = Callable[[], Array]


class _Query:
    """Leaf tests over the cases and over the items of their lists (flags, charges, a
    charge's tags), run together in one parallel Polars query.

    Each list column is exploded once into a frame with a row per item, so tests read
    flat columns rather than scanning lists; `some` folds the items' truths back onto
    the rows that own them. Paths name frames: "" the cases, "charges" their charges,
    "charges.tags" the charges' tags.
    """

    def __init__(self, cases: pl.DataFrame) -> None:
        self._frames = {"": cases}
        self._owners: dict[str, Array] = {}
        self._tests: dict[str, list[pl.Expr]] = {}
        self._results: dict[str, pl.DataFrame] = {}

    def items(self, path: str) -> pl.DataFrame:
        """The frame of `path`, exploding its list column the first time it is asked for."""
        if path not in self._frames:
            parent, _, column = path.rpartition(".")
            lists = self.items(parent).get_column(column)
            lengths = lists.list.len().fill_null(0).to_numpy()
            self._owners[path] = np.repeat(np.arange(len(lists)), lengths)
            items = lists.explode(empty_as_null=False, keep_nulls=False)
            self._frames[path] = (
                items.struct.unnest() if isinstance(items.dtype, pl.Struct) else items.to_frame()
            )
        return self._frames[path]

    def test(self, path: str, test: pl.Expr) -> Read:
        """The truth of `test`, a nullable boolean (null: unknown), on each row of `path`."""
        self.items(path)
        tests = self._tests.setdefault(path, [])
        name = str(len(tests))
        tests.append((test.cast(pl.Int8) * TRUE).fill_null(UNKNOWN).cast(pl.Int8).alias(name))
        return lambda: self._results[path].get_column(name).to_numpy()

    def all(self, path: str, parts: Sequence[Read]) -> Read:
        """Kleene `and` (the min) of `parts`, on each row of `path`; true if there are none."""
        size = self.items(path).height
        return lambda: (
            np.minimum.reduce([part() for part in parts])
            if parts
            else np.full(size, TRUE, dtype=np.int8)
        )

    def some(self, path: str, item: Read) -> Read:
        """Kleene `or` (the max) over each row's items of list `path`; false if it has none."""
        self.items(path)
        owners, size = self._owners[path], self.items(path.rpartition(".")[0]).height

        def read() -> Array:
            out = np.zeros(size, dtype=np.int8)
            np.maximum.at(out, owners, item())
            return out

        return read

    def run(self) -> None:
        paths = list(self._tests)
        frames = [self.items(path).lazy().select(self._tests[path]) for path in paths]
        self._results = dict(zip(paths, pl.collect_all(frames), strict=True))


def _grade(query: _Query, path: str, grade: cd.Grade) -> list[Read]:
    """The parts of a grade's test on each charge or conviction (`path`)."""
    parts = []
    if grade.classes is not None or grade.class_prefix is not None:
        # A record of no known class gives null, so the test is unknown.
        klass, test = pl.col("class"), pl.lit(True)
        if grade.classes is not None:
            test = test & klass.is_in(sorted(c.value for c in grade.classes))
        if grade.class_prefix is not None:
            test = test & klass.str.starts_with(grade.class_prefix)
        parts.append(query.test(path, test))
    if grade.tags is not None:
        tags = f"{path}.tags"
        parts.append(query.some(tags, query.test(tags, pl.col("tags").is_in(sorted(grade.tags)))))
    if grade.jurisdiction_prefix is not None and path == "convictions":
        prefix = grade.jurisdiction_prefix
        parts.append(query.test(path, pl.col("jurisdiction").str.starts_with(prefix)))
    return parts


def _leaf(query: _Query, condition: cd.Condition) -> Read:
    """The test of a condition that is not made of others, added to `query`."""
    match condition:
        case cd.OneOf(fact=fact, values=values):
            return query.test("", pl.col(_FACT_COLUMNS[fact]).is_in(sorted(values)))
        case cd.DetainerIs(fact=fact, expected=expected):
            return query.test("", pl.col(fact) == expected)
        case cd.ProbableCauseStated(boxes=boxes, none_ticked=none_ticked):
            if none_ticked or boxes is None:
                ticked = pl.col("probable_cause").list.len() > 0
                return query.test("", ~ticked if none_ticked else ticked)
            box = pl.col("probable_cause").is_in(sorted(b.value for b in boxes))
            return query.some("probable_cause", query.test("probable_cause", box))
        case cd.Flagged(flag=flag):
            return query.some("flags", query.test("flags", pl.col("flags") == flag.value))
        case cd.Requested(action=action):
            asked = pl.col("requests") == action.value
            return query.some("requests", query.test("requests", asked))
        case cd.ConvictedOf(grade=grade):
            return query.some(
                "convictions", query.all("convictions", _grade(query, "convictions", grade))
            )
        case cd.Charged(grade=grade, statuses=statuses, probable_cause_finding=finding):
            status = pl.col("status").is_in(sorted(s.value for s in statuses))
            parts = [query.test("charges", status), *_grade(query, "charges", grade)]
            if finding is not None:
                # A charge with no recorded finding gives null: unknown.
                parts.append(query.test("charges", pl.col("pcf") == finding))
            return query.some("charges", query.all("charges", parts))
    raise TypeError(f"no batch form for condition [{type(condition).__name__}]")


def _leaves(query: _Query, condition: cd.Condition, into: dict[cd.Condition, Read]) -> None:
    """Add the test of each leaf of `condition` not yet in `into` to `query`."""
    match condition:
        case cd.All(parts=parts) | cd.Any_(parts=parts):
            for part in parts:
                _leaves(query, part, into)
        case cd.Not(part=part):
            _leaves(query, part, into)
        case cd.Always():
            pass
        case _ if condition not in into:
            into[condition] = _leaf(query, condition)


class _Truths:
    """Each condition's truth for every row of `cases`: every leaf test once, in one
    query, and compound conditions from them, each once."""

    def __init__(self, cases: pl.DataFrame, conditions: Iterable[cd.Condition]) -> None:
        self._size = cases.height
        query = _Query(cases)
        leaves: dict[cd.Condition, Read] = {}
        for condition in conditions:
            _leaves(query, condition, leaves)
        query.run()
        self._known = {leaf: read() for leaf, read in leaves.items()}

    def of(self, condition: cd.Condition) -> Array:
        known = self._known.get(condition)
        if known is not None:
            return known
        match condition:
            case cd.Always():
                known = np.full(self._size, TRUE, dtype=np.int8)
            case cd.All(parts=parts):
                known = np.minimum.reduce([self.of(p) for p in parts])
            case cd.Any_(parts=parts):
                known = np.maximum.reduce([self.of(p) for p in parts])
            case cd.Not(part=part):
                known = TRUE - self.of(part)
            case _:
                raise ValueError(f"condition [{condition.describe()}] was not among those tested")
        self._known[condition] = known
        return known


# -- levels, composition, windows ------------------------------------------------------------


def _level(rules: Sequence[Rule], truths: dict[cd.Condition, Array], size: int) -> Array:
    """The level's effect code for each row (0: no rule applies), from each rule's truths.

    The first rule that holds decides; an unknown rule before it must agree, or the
    level is undecided (see engine._level). Folded from the last rule back."""
    out = np.zeros(size, dtype=np.int8)
    undecided = _CODE[Effect.UNDECIDED]
    for rule in reversed(rules):
        t, effect = truths[rule.when], _CODE[rule.effect]
        out = np.where(
            t == TRUE, effect, np.where((t == UNKNOWN) & (out != effect), undecided, out)
        )
    return out


def _composition() -> Array:
    """What the set of effects the levels gave (a bit per effect code) composes to, where
    not both forbidden and required: forbidden, else undecided, required, permitted."""
    table = np.full(1 << (len(Effect) + 1), _CODE[Effect.UNDECIDED], dtype=np.int8)
    for present in range(len(table)):
        for effect in (Effect.FORBIDDEN, Effect.UNDECIDED, Effect.REQUIRED, Effect.PERMITTED):
            if present >> _CODE[effect] & 1:
                table[present] = _CODE[effect]
                break
    return table


_COMPOSED = _composition()


def _versions_in_force(pack: Pack, days: Array) -> Array:
    """For each day (days since 1970), the index of the pack's version in force (-1: none)."""
    epoch = date(1970, 1, 1)
    starts = np.array([(v.effective_from_inclusive - epoch).days for v in pack.versions])
    ends = np.array(
        [
            (v.effective_until_exclusive - epoch).days if v.effective_until_exclusive else 10**9
            for v in pack.versions
        ]
    )
    index = np.searchsorted(starts, days, side="right") - 1
    in_force = (index >= 0) & (days < ends[np.clip(index, 0, None)])
    return np.where(in_force, index, -1)


def _rows_by_jurisdiction(jurisdictions: Sequence[str], codes: Array) -> list[Array]:
    """For each of `jurisdictions`, its rows (those whose code is its index), in order."""
    # In the smallest integer type: numpy sorts 8- and 16-bit integers by radix.
    order = np.argsort(codes.astype(np.min_scalar_type(len(jurisdictions))), kind="stable")
    bounds = np.cumsum(np.bincount(codes, minlength=len(jurisdictions)))[:-1]
    return np.split(order, bounds)


def _rulings(
    engine: RulesEngine,
    truths: _Truths,
    facts: Array | None,
    jurisdictions: Sequence[str],
    codes: Array,
    days: Array,
    actions: Sequence[Action],
) -> tuple[dict[Action, Array], list[tuple[LawVersion, Array]]]:
    """Each action's composed effect code for each row, and the rows under each law version.

    Row i is judged on day `days[i]` with the facts of row `facts[i]` of `truths` (row i
    if `facts` is None), in jurisdiction `jurisdictions[codes[i]]`."""
    chains = [chain(j) for j in jurisdictions]
    rows_of = _rows_by_jurisdiction(jurisdictions, codes)
    packs: dict[str, list[Array]] = {}
    for codes_up, mine in zip(chains, rows_of, strict=True):
        for code in codes_up:
            if engine.registry.get(code) is not None and mine.size:
                packs.setdefault(code, []).append(mine)
    # Each level's effect for each action, level (US first, as in a chain) and row.
    levels = np.zeros((len(actions), max(map(len, chains)), len(codes)), dtype=np.int8)
    in_force: list[tuple[LawVersion, Array]] = []
    for code, parts in packs.items():
        pack, rows, level = engine.registry.require(code), np.concatenate(parts), code.count("-")
        index = _versions_in_force(pack, days[rows])
        for number, version in enumerate(pack.versions):
            sub = rows[index == number]
            if not sub.size:
                continue
            in_force.append((version, sub))
            on = sub if facts is None else facts[sub]
            rules = [version.rules_for(action) for action in actions]
            tested = {r.when: truths.of(r.when)[on] for some in rules for r in some}
            for i, some in enumerate(rules):
                levels[i, level, sub] = _level(some, tested, sub.size)
    # Per level and jurisdiction: whether the level's pack preempts lower levels.
    preempts = np.zeros((levels.shape[1], len(jurisdictions)), dtype=bool)
    for number, codes_up in enumerate(chains):
        for level, code in enumerate(codes_up):
            known = engine.registry.get(code)
            if known is not None:
                preempts[level, number] = known.preempts_lower
            elif level_kind(code) is JurisdictionKind.STATE:
                # A state with no pack is undecided (its law is not encoded).
                levels[:, level, rows_of[number]] = _CODE[Effect.UNDECIDED]
    out: dict[Action, Array] = {}
    for i, action in enumerate(actions):
        spoken = levels[i]
        bits = np.bitwise_or.reduce(np.uint8(1) << spoken.view(np.uint8), axis=0)
        effect = _COMPOSED[bits]
        forbids, requires = ((bits >> _CODE[e]) & 1 for e in (Effect.FORBIDDEN, Effect.REQUIRED))
        conflict = np.flatnonzero(forbids & requires)
        if conflict.size:
            # One level requires and another forbids: the highest of them wins if it
            # preempts lower levels, else the conflict is undecided.
            clashing = spoken[:, conflict]
            first = np.isin(clashing, _CLASHING).argmax(axis=0)
            highest = clashing[first, np.arange(conflict.size)]
            wins = preempts[first, codes[conflict]]
            effect[conflict] = np.where(wins, highest, _CODE[Effect.UNDECIDED])
        out[action] = effect
    return out, in_force


def _allows(effects: Array) -> Array:
    allows: Array = (effects == _CODE[Effect.REQUIRED]) | (effects == _CODE[Effect.PERMITTED])
    return allows


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


def _stamps(micros: Array) -> pl.Series:
    return pl.Series("releasable_at", micros, dtype=pl.Int64).cast(pl.Datetime("us", "UTC"))


def _hold_ends(
    truths: _Truths,
    in_force: list[tuple[LawVersion, Array]],
    allowed: Array,
    zone_of: Array,
    zones: Sequence[str],
    releasable: Array,
    years: tuple[int, int],
) -> Array:
    """Each row's latest hold end (UTC microseconds; _NEVER: none), for the `allowed` rows:
    at each level, the first window that applies; across levels, the earliest end."""
    windows: dict[HoldWindow, int] = {}
    rows, chosen = [], []
    for version, sub in in_force:
        if not version.hold_windows:
            continue
        mine = sub[allowed[sub]]
        which = np.full(mine.size, -1)
        for window in reversed(version.hold_windows):
            number = windows.setdefault(window, len(windows))
            which = np.where(truths.of(window.when)[mine] == TRUE, number, which)
        rows.append(mine[which >= 0])
        chosen.append(which[which >= 0])
    until = np.full(len(allowed), _NEVER, dtype=np.int64)
    if not rows:
        return until
    pairs, numbers = np.concatenate(rows), np.concatenate(chosen)
    zone_numbers = zone_of[pairs]
    queries, parts = [], []
    for window, number in windows.items():
        for zone_number, zone in enumerate(zones):
            part = np.flatnonzero((numbers == number) & (zone_numbers == zone_number))
            if part.size:
                start = pl.LazyFrame([_stamps(releasable[pairs[part]])])
                queries.append(start.select(_window_end(window, zone, years).to_physical()))
                parts.append(part)
    for part, ends in zip(parts, pl.collect_all(queries), strict=True):
        # An end that falls in a clock change's gap is null there: no end from this level.
        end = ends.to_series().fill_null(_NEVER).to_numpy()
        np.minimum.at(until, pairs[part], end)
    return until


def _local_days(micros: Array, zone_of: Array, zones: Sequence[str]) -> Array:
    """The local date (days since 1970) of each UTC instant in its row's zone."""
    out = np.zeros(len(micros), dtype=np.int32)
    for number, zone in enumerate(zones):
        part = np.flatnonzero(zone_of == number)
        if part.size:
            local = _stamps(micros[part]).dt.convert_time_zone(zone).dt.date()
            out[part] = local.cast(pl.Int32).to_numpy()
    return out


def _recheck(
    engine: RulesEngine,
    truths: _Truths,
    jurisdictions: Sequence[str],
    codes: Array,
    days: Array,
    zones: Sequence[str],
    zone_of: Array,
    releasable: Array,
    hold: Array,
    until: Array,
) -> None:
    """Where a level's law changes after the decision's date and before the hold's end, the
    hold must stay lawful under it: the earliest change under which it is not ends it
    (in place, in `hold` and `until`). Every (row, change) pair is judged in one batch."""
    pending = np.flatnonzero(until != _NEVER)
    if not pending.size:
        return
    last = _local_days(until[pending], zone_of[pending], zones)
    epoch = date(1970, 1, 1)
    pair_rows, pair_days = [], []
    for jurisdiction, mine in zip(
        jurisdictions, _rows_by_jurisdiction(jurisdictions, codes[pending]), strict=True
    ):
        rows, first, final = pending[mine], days[pending[mine]], last[mine]
        changes = {
            (boundary - epoch).days
            for code in chain(jurisdiction)
            if (pack := engine.registry.get(code)) is not None
            for boundary in pack.boundaries()
        }
        for boundary in sorted(changes):
            inside = (first < boundary) & (boundary <= final)
            pair_rows.append(rows[inside])
            pair_days.append(np.full(int(inside.sum()), boundary, dtype=np.int32))
    rows, later = np.concatenate(pair_rows), np.concatenate(pair_days)
    if not rows.size:
        return
    # The facts are the row's own; only the law's date moves (and no hold is running).
    verdict, _ = _rulings(engine, truths, rows, jurisdictions, codes[rows], later, [Action.HOLD])
    forbidding = ~_allows(verdict[Action.HOLD])
    cut_day = np.full(len(until), np.iinfo(np.int32).max, dtype=np.int32)
    np.minimum.at(cut_day, rows[forbidding], later[forbidding])
    cut_rows = np.flatnonzero(cut_day != np.iinfo(np.int32).max)
    if not cut_rows.size:
        return
    # The hold ends at the local midnight that starts the new law's first day.
    keys = np.stack([zone_of[cut_rows], cut_day[cut_rows]], axis=1)
    distinct, which = np.unique(keys, axis=0, return_inverse=True)
    midnights = np.array(
        [
            _micros(
                datetime.combine(
                    epoch + timedelta(days=int(day)), time(), tzinfo=ZoneInfo(zones[zone])
                )
            )
            for zone, day in distinct
        ],
        dtype=np.int64,
    )
    cut = midnights[which.ravel()]
    # A law that forbids the hold from before it would begin leaves no hold at all.
    never = cut <= releasable[cut_rows]
    until[cut_rows] = np.where(never, _NEVER, cut)
    hold[cut_rows[never]] = _CODE[Effect.FORBIDDEN]


def _micros(moment: datetime) -> int:
    return (moment - datetime(1970, 1, 1, tzinfo=UTC)) // timedelta(microseconds=1)


def _years(stamps: pl.Series) -> tuple[int, int]:
    first, last = stamps.min(), stamps.max()
    if not isinstance(first, datetime) or not isinstance(last, datetime):
        return (2000, 2000)
    return (first.year - 1, last.year + 1)


def evaluate_frame(
    engine: RulesEngine, cases: pl.DataFrame, *, recheck: bool = True
) -> pl.DataFrame:
    """Effects of every action and the hold's latest end (UTC) for every row of `cases`, in order.

    `recheck=False` keeps each row's law for the whole hold (replay under one law date).
    """
    if cases.is_empty():
        return (
            cases.select(_GIVEN)
            .with_columns([pl.lit(None, dtype=pl.Utf8).alias(a.value) for a in Action])
            .with_columns(pl.lit(None, dtype=pl.Datetime("us", "UTC")).alias("until"))
        )
    places = cases.get_column("jurisdiction")
    jurisdictions = places.unique(maintain_order=True).to_list()
    codes = places.cast(pl.Enum(jurisdictions)).to_physical().to_numpy().astype(np.intp)
    conditions = [
        c
        for code in dict.fromkeys(code for j in jurisdictions for code in chain(j))
        if (pack := engine.registry.get(code)) is not None
        for version in pack.versions
        for c in [*(r.when for r in version.rules), *(w.when for w in version.hold_windows)]
    ]
    truths = _Truths(cases, conditions)
    days = cases.get_column("day").cast(pl.Int32).to_numpy()
    rulings, in_force = _rulings(engine, truths, None, jurisdictions, codes, days, list(Action))
    stamps = cases.get_column("releasable_at")
    releasable = stamps.to_physical().fill_null(0).to_numpy()
    zones = sorted({engine.zone(j).key for j in jurisdictions})
    zone_of = np.array([zones.index(engine.zone(j).key) for j in jurisdictions])[codes]
    hold = rulings[Action.HOLD]
    allowed = _allows(hold) & stamps.is_not_null().to_numpy()
    until = _hold_ends(truths, in_force, allowed, zone_of, zones, releasable, _years(stamps))
    # A hold the law allows but no window bounds is not allowed (engine: no-hold-window).
    hold[allowed & (until == _NEVER)] = _CODE[Effect.FORBIDDEN]
    if recheck:
        _recheck(
            engine, truths, jurisdictions, codes, days, zones, zone_of, releasable, hold, until
        )
    ends = _stamps(np.where(until == _NEVER, 0, until))
    return cases.select(_GIVEN).with_columns(
        *(_LABELS.gather(rulings[a]).alias(a.value) for a in Action),
        pl.when(pl.Series(until != _NEVER)).then(ends).otherwise(None).alias("until"),
    )


def evaluate_many(
    engine: RulesEngine, cases: Sequence[Case], law_date: date | None = None
) -> pl.DataFrame:
    """Batch evaluation of `cases` (under `law_date`'s law for all, if given)."""
    if law_date is not None:
        cases = [replace(c, as_of=law_date) for c in cases]
    return evaluate_frame(engine, frame(engine, cases), recheck=law_date is None)
