"""Audit records: one per access to person-level data, per change, login, denial and audit query.

Records form a hash chain: each carries the hash of the one before, so a
changed field, a deleted record or two swapped records break the chain at a
place `verify` can name. The hash is SHA-256 over a canonical JSON rendering
of every field but the hash itself.
"""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable
from dataclasses import dataclass
from datetime import datetime

from detainers.domain._enum import DocumentedEnum

GENESIS = "0" * 64


class Outcome(DocumentedEnum):
    SUCCESS = "success", "the action was carried out"
    DENIED = "denied", "the caller lacked the permission, or the object is outside their tenant"
    NOT_FOUND = "not_found", "the object does not exist (or is not disclosed to the caller)"
    REFUSED = "refused", "the request was invalid or the law or lifecycle forbade it"
    FAILED = "failed", "authentication failed, or the action failed for another reason"


@dataclass(frozen=True, kw_only=True)
class AuditEntry:
    """What happened, before it is sealed into the chain."""

    at: datetime
    actor: str
    actor_kind: str
    role: str
    organization: str
    action: str
    object_type: str
    object_id: str
    outcome: Outcome
    client: str
    request_id: str
    detail: str = ""


@dataclass(frozen=True, kw_only=True)
class AuditRecord:
    """A sealed entry: its place in the chain, the previous record's hash and its own."""

    seq: int
    entry: AuditEntry
    previous_hash: str
    hash: str


def seal(seq: int, entry: AuditEntry, previous_hash: str) -> AuditRecord:
    """The record for `entry` at position `seq` after a record whose hash is `previous_hash`."""
    return AuditRecord(
        seq=seq, entry=entry, previous_hash=previous_hash, hash=digest(seq, entry, previous_hash)
    )


def digest(seq: int, entry: AuditEntry, previous_hash: str) -> str:
    """SHA-256 (hex) of the canonical JSON of the record: every field but the hash, keys sorted."""
    before, between = canonical_around_chain(entry)
    return hashlib.sha256(f"{before}{previous_hash}{between}{seq}}}".encode()).hexdigest()


def canonical_around_chain(entry: AuditEntry) -> tuple[str, str]:
    """The record's canonical JSON as the text before the previous hash and between it and `seq`.

    The canonical document is `json.dumps(..., sort_keys=True, separators=(",", ":"),
    ensure_ascii=False)` of the entry's fields plus `previous_hash` and `seq`; its keys
    sort so that `previous_hash` falls after `outcome` and `seq` comes last, so the
    document is `before + previous_hash + between + str(seq) + "}"`. A database can
    then seal a record while it holds the chain's head, knowing only those two values.
    """
    fields = {
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

    def members(keys: Iterable[str]) -> str:
        return ",".join(f"{_json(key)}:{_json(fields[key])}" for key in keys)

    head = sorted(k for k in fields if k < "previous_hash")
    tail = sorted(k for k in fields if "previous_hash" < k < "seq")
    return f'{{{members(head)},"previous_hash":"', f'",{members(tail)},"seq":'


def _json(value: str) -> str:
    return json.dumps(value, ensure_ascii=False)


@dataclass(frozen=True, kw_only=True)
class ChainBreak:
    """The first record at which the chain does not hold, and why."""

    seq: int
    problem: str


def first_break(
    records: Iterable[AuditRecord], *, expected_seq: int = 1, previous: str = GENESIS
) -> ChainBreak | None:
    """Walk `records` (in `seq` order) and return the first break, or None if the chain holds."""
    for record in records:
        if record.seq != expected_seq:
            return ChainBreak(
                seq=record.seq,
                problem=f"is out of place: expected record [{expected_seq}] (one is missing or moved)",
            )
        if record.previous_hash != previous:
            return ChainBreak(
                seq=record.seq,
                problem="does not follow the record before it (previous hash differs)",
            )
        if digest(record.seq, record.entry, record.previous_hash) != record.hash:
            return ChainBreak(
                seq=record.seq, problem="was altered (its content no longer matches its hash)"
            )
        previous = record.hash
        expected_seq += 1
    return None
