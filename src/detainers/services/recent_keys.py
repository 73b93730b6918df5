"""API keys this process verified lately, so a client's every request need not read its key.

An integrator sends the same key with every request; reading it from the
database each time costs a connection and a round trip per request. A key
that verified is remembered for a few seconds (`key_cache_seconds`), by the
hash of its secret, never the secret itself. Revoking a key forgets it here at
once; another server process stops accepting a revoked key when its own entry
lapses, within those few seconds. Expiry is checked on every use. Keys that
fail are never remembered: each failure is read, refused and audited.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import replace
from datetime import datetime, timedelta

from detainers.domain.access import ApiKey


class RecentKeys:
    """A bounded map from a secret's hash to its verified key, each entry good for `ttl`."""

    def __init__(self, ttl: timedelta, *, size: int = 1024) -> None:
        self.ttl = ttl
        self._size = size
        self._entries: OrderedDict[str, tuple[ApiKey, datetime]] = OrderedDict()
        self._lock = threading.Lock()

    def get(self, secret_hash: str, now: datetime) -> ApiKey | None:
        """The key verified under `secret_hash` less than `ttl` ago, if still usable at `now`."""
        with self._lock:
            found = self._entries.get(secret_hash)
            if found is None:
                return None
            key, verified_at = found
            if not verified_at <= now < verified_at + self.ttl:
                del self._entries[secret_hash]
                return None
        if key.revoked_at is not None or (key.expires_at is not None and now >= key.expires_at):
            return None
        return key

    def put(self, secret_hash: str, key: ApiKey, now: datetime) -> None:
        if self.ttl <= timedelta(0):
            return
        with self._lock:
            self._entries[secret_hash] = (replace(key), now)
            self._entries.move_to_end(secret_hash)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)

    def forget(self, key_id: str) -> None:
        """Drop every entry for the key `key_id` (it was revoked)."""
        with self._lock:
            for secret_hash in [h for h, (k, _) in self._entries.items() if k.id == key_id]:
                del self._entries[secret_hash]
