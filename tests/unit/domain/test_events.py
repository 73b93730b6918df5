"""Events travel as JSON: common fields plus a payload of plain values, rebuilt by type name."""

from __future__ import annotations

from dataclasses import asdict, fields

from detainers.domain import events as ev
from tests.unit.builders import T0


def test_a_stored_event_is_rebuilt_from_its_type_name_common_fields_and_payload() -> None:
    event = ev.HoldDeadlinePassed(
        detainer_id="det-1",
        sequence=4,
        occurred_at=T0,
        actor="system",
        reason="VIOLATION: hold open past its deadline",
        from_state="on_hold",
        to_state="on_hold",
        deadline_at="2024-02-01T08:00:00+00:00",
        overrun_seconds=3600,
    )
    base = {f.name: getattr(event, f.name) for f in fields(ev.DetainerEvent)}
    assert event.payload() == {"deadline_at": "2024-02-01T08:00:00+00:00", "overrun_seconds": 3600}
    assert ev.event_from_record("HoldDeadlinePassed", base, event.payload()) == event


def test_every_event_type_is_registered_under_its_class_name() -> None:
    assert all(name == cls.__name__ for name, cls in ev.EVENT_TYPES.items())
    assert set(ev.EVENT_TYPES) == {cls.__name__ for cls in ev.DetainerEvent.__subclasses__()}


def test_event_payloads_hold_only_plain_values() -> None:
    event = ev.DetainerReviewed(
        detainer_id="det-1",
        sequence=3,
        occurred_at=T0,
        actor="clerk",
        reason="reviewed: honor",
        from_state="received",
        to_state="honored",
        decision_id="dec-1",
        choice="honor",
        noncompliant=False,
    )
    assert all(isinstance(v, str | int | bool) for v in event.payload().values())
    assert set(asdict(event)) - set(event.payload()) == {f.name for f in fields(ev.DetainerEvent)}
