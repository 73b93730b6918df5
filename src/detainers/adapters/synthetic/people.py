"""Synthetic people: persons with identifiers, aliases and records, and the agency's view of them.

Identifiers are unique in a world: each is a seeded permutation of the
person's serial number (a multiplier prime to the code space), so they look
random but never collide. Some people come back: a bounded pool keeps people
released earlier, and a new booking may draw one of them again.
"""

from __future__ import annotations

import random
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from detainers.adapters.synthetic._draw import Weighted
from detainers.adapters.synthetic.names import (
    ALIAS_VARIANTS,
    LODGED_VARIANTS,
    STYLES,
    NamePools,
    Style,
    variant,
)
from detainers.adapters.synthetic.statutes import ChargeBook
from detainers.domain.booking import Conviction
from detainers.domain.detainer import LodgedSubject
from detainers.domain.person import Person, PersonName
from detainers.domain.vocabulary import Citizenship, IdentifierKind

K = IdentifierKind
# A multiplier prime to every code space below (which factor into 2, 5 and 13).
_SPREAD = 387_420_489
_A_SPACE = 10**9
_SID_SPACE = 10**8
_FBI_SPACE = 10**6 * 26 * 26 * 10
_LETTERS = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
# The order the service matches in: a booking number first, then person keys.
MATCH_ORDER = (K.BOOKING_NUMBER, K.FBI_NUMBER, K.STATE_ID, K.A_NUMBER)

CITIZENSHIP = Weighted(
    {Citizenship.UNKNOWN: 55.0, Citizenship.NONCITIZEN: 43.5, Citizenship.US_CITIZEN: 1.5}
)


@dataclass(frozen=True, kw_only=True)
class PersonRecord:
    """A person with their prior convictions and the naming style they were drawn in."""

    person: Person
    convictions: tuple[Conviction, ...]
    style: Style


class People:
    """Makes new persons and the agency's description of them."""

    def __init__(self, rng: random.Random, names: NamePools, charges: ChargeBook) -> None:
        self._names = names
        self._charges = charges
        self._serial = 0
        self._a_offset = rng.randrange(_A_SPACE)
        self._sid_offset = rng.randrange(_SID_SPACE)
        self._fbi_offset = rng.randrange(_FBI_SPACE)

    def new(self, rng: random.Random, *, id: str, state: str, booked_at: datetime) -> PersonRecord:
        """A new person first booked in `state` at `booked_at`."""
        serial = self._serial
        self._serial += 1
        style = STYLES.draw(rng)
        name = self._names.name(rng, style)
        person = Person(
            id=id,
            name=name,
            date_of_birth=_birth(rng, booked_at) if rng.random() < 0.97 else None,
            aliases=self._aliases(rng, name, style),
            identifiers=self._identifiers(rng, serial, state),
            citizenship=CITIZENSHIP.draw(rng),
        )
        convictions = self._charges.convictions(rng, state, before=booked_at.date())
        return PersonRecord(person=person, convictions=convictions, style=style)

    def _aliases(
        self, rng: random.Random, name: PersonName, style: Style
    ) -> tuple[PersonName, ...]:
        if rng.random() >= 0.18:
            return ()
        found: list[PersonName] = []
        for _ in range(1 + (rng.random() < 0.3)):
            if rng.random() < 0.3:
                alias = PersonName(given=(self._names.given_name(rng, style),), family=name.family)
            else:
                alias = variant(rng, name, ALIAS_VARIANTS.draw(rng))
            if alias != name and alias not in found:
                found.append(alias)
        return tuple(found)

    def _identifiers(self, rng: random.Random, serial: int, state: str) -> dict[K, str]:
        found: dict[K, str] = {}
        if rng.random() < 0.82:
            found[K.FBI_NUMBER] = _fbi_number((serial * _SPREAD + self._fbi_offset) % _FBI_SPACE)
        if rng.random() < 0.72:
            found[K.STATE_ID] = f"{state}{(serial * _SPREAD + self._sid_offset) % _SID_SPACE:08d}"
        if rng.random() < 0.55:
            found[K.A_NUMBER] = f"A{(serial * _SPREAD + self._a_offset) % _A_SPACE:09d}"
        return found


def lodged_subject(
    rng: random.Random, person: Person, booking_number: str, *, identified: bool
) -> LodgedSubject:
    """The subject as the agency writes them: often a different spelling, sometimes no identifiers.

    An `identified` subject carries at least one strong identifier of the
    person (or the booking number); otherwise none, and only review can match it.
    """
    if person.aliases and rng.random() < 0.05:
        name = rng.choice(person.aliases)
    else:
        name = variant(rng, person.name, LODGED_VARIANTS.draw(rng))
    identifiers: dict[K, str] = {}
    if identified:
        identifiers = {k: v for k, v in sorted(person.identifiers.items()) if rng.random() < 0.7}
        if not identifiers or rng.random() < 0.08:
            identifiers[K.BOOKING_NUMBER] = booking_number
    return LodgedSubject(
        name=name, date_of_birth=_lodged_birth(rng, person.date_of_birth), identifiers=identifiers
    )


def match_kind(subject: LodgedSubject) -> str | None:
    """The identifier the matcher would attach the detainer by, or `None` if it carries none."""
    return next((k.value for k in MATCH_ORDER if k in subject.identifiers), None)


class Returning:
    """A bounded pool of people already released, who may be booked again later."""

    def __init__(self, size: int = 4096) -> None:
        self._size = size
        self._slots: list[tuple[datetime, PersonRecord]] = []

    def add(self, rng: random.Random, free_from: datetime, record: PersonRecord) -> None:
        if len(self._slots) < self._size:
            self._slots.append((free_from, record))
        else:
            self._slots[rng.randrange(self._size)] = (free_from, record)

    def take(self, rng: random.Random, *, booked_before: datetime) -> PersonRecord | None:
        """Someone free well before `booked_before`, removed from the pool; `None` if none is drawn."""
        for _ in range(3):
            if not self._slots:
                return None
            index = rng.randrange(len(self._slots))
            free_from, record = self._slots[index]
            if free_from + timedelta(days=2) < booked_before:
                self._slots[index] = self._slots[-1]
                self._slots.pop()
                return record
        return None


def _fbi_number(value: int) -> str:
    digits, rest = divmod(value, 26 * 26 * 10)
    letters, check = divmod(rest, 10)
    return f"{digits:06d}{_LETTERS[letters // 26]}{_LETTERS[letters % 26]}{check}"


def _birth(rng: random.Random, booked_at: datetime) -> date:
    return date.fromordinal(booked_at.date().toordinal() - rng.randint(18 * 365 + 5, 68 * 365))


def _lodged_birth(rng: random.Random, born: date | None) -> date | None:
    draw = rng.random()
    if born is None or draw < 0.05:
        return None
    if draw < 0.08 and born.day <= 12 and born.day != born.month:
        return born.replace(month=born.day, day=born.month)
    if draw < 0.1:
        return born + timedelta(days=rng.choice((-1, 1)))
    return born
