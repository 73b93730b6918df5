"""API keys this process verified lately, so a client's every request need not read its key.

An integrator sends the same key with every request; reading it from the
database each time costs a connection and a round trip per request. A key
that verified is remembered for a few seconds (`key_cache_seconds`), by the
hash of its secret, never the secret itself. A key revoked by this process is
forgotten at once and never remembered again (even by a request that read it
just before the revocation); a key revoked elsewhere (`detainers keys revoke`,
another server process) is refused here when its entry lapses, within those
few seconds. Expiry is checked on every use. Keys that fail are never
remembered: each failure is read, refused and audited.
"""

from __future__ import annotations

import threading
from collections import OrderedDict
from dataclasses import replace
from datetime import datetime, timedelta

from detainers.domain.access import ApiKey

# Revocations this process remembers (the oldest, far older than any entry, go first).
REVOKED_KEPT = 10_000


class RecentKeys:
    """A bounded map from a secret's hash to its verified key, each entry good for `ttl`."""

    def __init__(self, ttl: timedelta, *, size: int = 1024) -> None:
        self.ttl = ttl
        self._size = size
        self._entries: OrderedDict[str, tuple[ApiKey, datetime]] = OrderedDict()
        # Keys revoked by this process: a revocation is final, so these are never remembered.
        self._revoked: OrderedDict[str, None] = OrderedDict()
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
        # Only keys that verified are put (as copies), so revocation is not looked for here.
        if key.expires_at is not None and now >= key.expires_at:
            return None
        return key

    def put(self, secret_hash: str, key: ApiKey, now: datetime) -> None:
        if self.ttl <= timedelta(0):
            return
        with self._lock:
            if key.id in self._revoked:
                return  # read before this process revoked it
            self._entries[secret_hash] = (replace(key), now)
            self._entries.move_to_end(secret_hash)
            while len(self._entries) > self._size:
                self._entries.popitem(last=False)

    def forget(self, key_id: str) -> None:
        """Drop every entry for the key `key_id`, which was revoked, and never take it again."""
        with self._lock:
            self._revoked[key_id] = None
            while len(self._revoked) > REVOKED_KEPT:
                self._revoked.popitem(last=False)
            for secret_hash in [h for h, (k, _) in self._entries.items() if k.id == key_id]:
                del self._entries[secret_hash]
