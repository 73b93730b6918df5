"""Seeded draws for the synthetic world: ids, spans of time, weighted picks and card decks.

Everything random in the world comes from one `random.Random`, so the same
seed gives the same world; nothing here reads the clock or the OS entropy pool.
"""

from __future__ import annotations

import random
import uuid
from bisect import bisect_right
from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta
from itertools import accumulate
from typing import Generic, TypeVar

T = TypeVar("T")

HOUR = 3600
DAY = 24 * HOUR


def new_id(rng: random.Random, at: datetime) -> str:
    """A time-ordered UUID (version 7, RFC 9562) for a record made at `at`, its random bits from `rng`.

    Reproducible, unlike `uuid4`; and since the world is made in time order,
    new keys land at the end of each index instead of all over it.
    """
    millis = max(int(at.timestamp() * 1000), 0)
    value = (millis << 80) | (0x7 << 76) | (rng.getrandbits(12) << 64) | (0b10 << 62)
    return str(uuid.UUID(int=value | rng.getrandbits(62)))


def span(rng: random.Random, low_hours: float, high_hours: float) -> timedelta:
    """A whole number of seconds between `low_hours` and `high_hours`, uniformly."""
    return timedelta(seconds=rng.randint(int(low_hours * HOUR), int(high_hours * HOUR)))


def skewed(
    rng: random.Random, floor_hours: float, mean_hours: float, cap_hours: float
) -> timedelta:
    """`floor_hours` plus an exponential tail of mean `mean_hours`, capped: most short, a few long."""
    hours = min(floor_hours + rng.expovariate(1.0 / mean_hours), cap_hours)
    return timedelta(seconds=int(hours * HOUR))


class Weighted(Generic[T]):
    """A fixed weighted choice, drawn with one random number."""

    def __init__(self, weights: Mapping[T, float] | Sequence[tuple[T, float]]) -> None:
        pairs = list(weights.items()) if isinstance(weights, Mapping) else list(weights)
        self._items = [item for item, _ in pairs]
        self._edges = list(accumulate(weight for _, weight in pairs))

    def draw(self, rng: random.Random) -> T:
        return self._items[bisect_right(self._edges, rng.random() * self._edges[-1])]


class Deck(Generic[T]):
    """A shuffled deck of cards, reshuffled when empty: every full deck holds each card its count.

    Dealing paths from a deck, rather than drawing each at random, keeps the
    rates exact over every deck, so even a small world shows every path.
    """

    def __init__(self, counts: Mapping[T, int]) -> None:
        self._cards = [card for card, count in counts.items() for _ in range(count)]
        self._left: list[T] = []

    def deal(self, rng: random.Random) -> T:
        if not self._left:
            self._left = list(self._cards)
            rng.shuffle(self._left)
        return self._left.pop()
