"""Rich renderings for people at a terminal: a detainer's timeline, lists, the overview."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from rich.console import Group
from rich.panel import Panel
from rich.table import Table
from rich.text import Text

from detainers.domain.detainer import Detainer
from detainers.domain.events import HoldDeadlinePassed
from detainers.domain.lifecycle import DetainerState
from detainers.domain.vocabulary import Effect
from detainers.services.queries import DetainerTimeline, Overview

_EFFECT_STYLE = {
    Effect.REQUIRED: "bold",
    Effect.PERMITTED: "",
    Effect.FORBIDDEN: "bold",
    Effect.UNDECIDED: "italic",
}


def when(value: datetime | None) -> str:
    return "—" if value is None else value.strftime("%Y-%m-%d %H:%M UTC")


def detainer_table(detainers: Sequence[Detainer]) -> Table:
    table = Table(title=f"{len(detainers)} detainers", title_justify="left")
    for column in ("id", "state", "agency", "facility", "subject (as lodged)", "lodged"):
        table.add_column(column, overflow="fold")
    for d in detainers:
        table.add_row(
            d.id,
            d.state.value,
            d.agency_code,
            d.facility_code,
            d.subject.name.display,
            when(d.lodged_at),
        )
    return table


def overview_table(o: Overview) -> Table:
    table = Table(title="The world in the database", title_justify="left")
    table.add_column("what")
    table.add_column("count", justify="right")
    table.add_row("jurisdictions", f"{o.jurisdictions:,}")
    table.add_row("agencies (field offices)", f"{o.agencies:,}")
    table.add_row("facilities", f"{o.facilities:,}")
    table.add_row("detainers", f"{o.detainers:,}")
    for state in DetainerState:
        if state in o.by_state:
            table.add_row(f"  {state.value}", f"{o.by_state[state]:,}")
    return table


def timeline(t: DetainerTimeline, now: datetime) -> Group:
    """The whole story of one detainer, top to bottom; `now` shows an open hold's countdown."""
    d = t.detainer
    head = Table.grid(padding=(0, 2))
    head.add_column(style="dim")
    head.add_column()
    head.add_row("state", f"{d.state.value} — {d.state.description}")
    head.add_row("agency → facility", f"{d.agency_code} → {d.facility_code}")
    head.add_row(
        "request",
        f"form {d.form.value}; warrant {d.warrant.value}; asks "
        f"{', '.join(sorted(d.requests))}; probable cause "
        f"{', '.join(sorted(d.probable_cause)) or 'none ticked'}",
    )
    head.add_row("subject as lodged", d.subject.name.display)
    if t.booking is not None:
        b = t.booking
        person = t.person.name.display if t.person else "?"
        head.add_row("booked person", f"{person} (booking {b.booking_number})")
        head.add_row(
            "custody",
            f"booked {when(b.booked_at)}; releasable {when(b.releasable_at)}; "
            f"released {when(b.released_at)}"
            + (f" ({b.release_reason.value})" if b.release_reason else ""),
        )
        for charge in b.charges:
            grade = charge.charge_class.value if charge.charge_class else "ungraded"
            head.add_row(
                "charge", f"{charge.statute} {charge.description} [{grade}, {charge.status}]"
            )
    if d.agency_arrest_date is not None:
        head.add_row("outcome", f"agency arrest on {d.agency_arrest_date.isoformat()}")
    parts: list[Panel | Table] = [Panel(head, title=f"detainer {d.id}", title_align="left")]
    if d.decision is not None:
        parts.append(_decision(t))
    if d.hold is not None:
        h = d.hold
        text = (
            f"started {when(h.started_at)}; deadline {when(h.deadline_at)} "
            f"(legal maximum {when(h.legal_until)}); ended {when(h.ended_at)}"
            + (f" ({h.end_reason.value})" if h.end_reason else "")
        )
        if h.overrun_recorded_at is not None:
            text += f"\nVIOLATION recorded {when(h.overrun_recorded_at)}: held past the deadline"
        elif h.overdue(now):
            late = now - h.deadline_at
            text += (
                f"\nOVERDUE: open {late.days} d {late.seconds // 3600} h past its deadline and not yet"
                " recorded as a violation (`detainers holds check` records it)"
            )
        elif h.is_open:
            left = h.deadline_at - now
            text += f"\nopen: {left.days} d {left.seconds // 3600} h {left.seconds % 3600 // 60} min left"
        parts.append(Panel(text, title="hold", title_align="left"))
    parts.append(_events(t))
    return Group(*parts)


def _decision(t: DetainerTimeline) -> Table:
    decision = t.detainer.decision
    if decision is None:
        return Table(title="no decision recorded")
    e = decision.evaluation
    title = (
        f"decision: {decision.choice.value} by {decision.decided_by} at {when(decision.decided_at)}"
        f" — law as of {e.as_of.isoformat()} ({e.engine})"
    )
    if decision.noncompliant:
        title += " — NON-COMPLIANT override"
    table = Table(title=title, title_justify="left")
    table.add_column("action")
    table.add_column("effect")
    table.add_column("why (rule · citation · summary)", overflow="fold")
    for action, ruling in sorted(e.rulings.items()):
        why = "\n".join(
            f"{r.rule} · {r.citation or 'no citation'} · {r.summary}" for r in ruling.reasons
        )
        table.add_row(
            action.value, Text(ruling.effect.value, style=_EFFECT_STYLE[ruling.effect]), why
        )
    notes = []
    if decision.override_reason:
        notes.append(f"override reason: {decision.override_reason}")
    for remedy in e.remedies:
        change = ", ".join(f"{key} → {value}" for key, value in remedy.change.items())
        notes.append(f"remedy: {remedy.action.value} would be {remedy.effect.value} with {change}")
    for law in e.laws:
        notes.append(f"law: {law.jurisdiction} {law.version} — {law.citation}")
    if notes:
        table.caption = "\n".join(notes)
        table.caption_justify = "left"
    return table


def _events(t: DetainerTimeline) -> Table:
    table = Table(title="timeline", title_justify="left")
    for column in ("#", "when", "event", "state", "by", "why"):
        table.add_column(column, overflow="fold")
    for e in t.events:
        style = "bold" if isinstance(e, HoldDeadlinePassed) else ""
        change = (
            e.to_state if e.from_state in ("", e.to_state) else f"{e.from_state} → {e.to_state}"
        )
        table.add_row(
            str(e.sequence),
            when(e.occurred_at),
            type(e).__name__,
            change,
            e.actor,
            e.reason,
            style=style,
        )
    return table
