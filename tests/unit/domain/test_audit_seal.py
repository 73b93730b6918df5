"""The audit seal: SHA-256 over one canonical JSON text, however it is assembled.

PostgreSQL seals records itself (while it holds the chain's head) from the text
around the previous hash and the sequence number; `verify` recomputes the hash
in Python. Both must be the documented canonical form, for every entry.
"""

from __future__ import annotations

import hashlib
import json
from datetime import UTC

from hypothesis import given, settings
from hypothesis import strategies as st

from detainers.domain.audit import AuditEntry, Outcome, canonical_around_chain, digest

HEX64 = st.text(alphabet="0123456789abcdef", min_size=64, max_size=64)


def _documented(seq: int, entry: AuditEntry, previous_hash: str) -> str:
    document = {
        "seq": seq,
        "previous_hash": previous_hash,
        "at": entry.at.isoformat(timespec="microseconds"),
        "actor": entry.actor,
        "actor_kind": entry.actor_kind,
        "role": entry.role,
        "organization": entry.organization,
        "action": entry.action,
        "object_type": entry.object_type,
        "object_id": entry.object_id,
        "outcome": entry.outcome.value,
        "client": entry.client,
        "request_id": entry.request_id,
        "detail": entry.detail,
    }
    return json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)


entries = st.builds(
    AuditEntry,
    at=st.datetimes(timezones=st.just(UTC)),
    actor=st.text(),
    actor_kind=st.text(),
    role=st.text(),
    organization=st.text(),
    action=st.text(),
    object_type=st.text(),
    object_id=st.text(),
    outcome=st.sampled_from(list(Outcome)),
    client=st.text(),
    request_id=st.text(),
    detail=st.text(),
)


@settings(max_examples=500)
@given(seq=st.integers(min_value=1, max_value=2**62), entry=entries, previous=HEX64)
def test_the_seal_is_sha256_of_the_documented_canonical_json(
    seq: int, entry: AuditEntry, previous: str
) -> None:
    canonical = _documented(seq, entry, previous)
    before, between = canonical_around_chain(entry)

    assert f"{before}{previous}{between}{seq}}}" == canonical
    assert digest(seq, entry, previous) == hashlib.sha256(canonical.encode()).hexdigest()


@given(entry=entries, previous=HEX64, other=HEX64)
def test_moving_a_record_or_relinking_it_changes_its_seal(
    entry: AuditEntry, previous: str, other: str
) -> None:
    assert digest(1, entry, previous) != digest(2, entry, previous)
    if other != previous:
        assert digest(1, entry, previous) != digest(1, entry, other)
