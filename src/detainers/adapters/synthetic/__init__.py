"""Reproducible synthetic worlds for demos, tests and benchmarks ("demo seed").

`seed_world` writes a world into an empty database: the agency's field
offices, states and counties with their real codes, facilities of every
type, persons with realistic (Faker) names, bookings with charges, and
detainers that go through every lifecycle path at plausible rates, all
driven through the domain model so every transition is valid and recorded.
No real person's data is used. The same seed, size and date give the same
rows; worlds of millions stream through bounded memory.
"""

from __future__ import annotations

from detainers.adapters.synthetic.errors import (
    InvalidWorldSize,
    SyntheticWorldError,
    WorldNotEmpty,
)
from detainers.adapters.synthetic.world import WorldSummary, existing_detainers, seed_world

__all__ = [
    "InvalidWorldSize",
    "SyntheticWorldError",
    "WorldNotEmpty",
    "WorldSummary",
    "existing_detainers",
    "seed_world",
]
