"""Names for synthetic people: Faker pools per locale, and the ways records get a name wrong.

Faker gives the name parts (seeded, so reproducible); each naming style then
shapes them as records hold them: two family names in the Spanish style,
hyphenated family and given names, several given names, Vietnamese and
Chinese names in the romanized form a booking system keeps. The variants are
the ways two records of one person differ: a letter swapped or dropped, the
second family name missing, accents lost, given and family names swapped, two
family names joined by a hyphen or a hyphen split.
"""

from __future__ import annotations

import random
import unicodedata
from collections.abc import Callable
from dataclasses import dataclass

from faker import Faker

from detainers.adapters.synthetic._draw import Weighted
from detainers.domain.person import PersonName


@dataclass(frozen=True, kw_only=True)
class Style:
    """How one locale's names are shaped: the chance of a second given or family name, of hyphens."""

    locale: str
    two_given: float = 0.0
    two_family: float = 0.0
    hyphen_family: float = 0.0
    hyphen_given: float = 0.0


STYLES = Weighted(
    [
        (Style(locale="es_MX", two_given=0.45, two_family=0.7, hyphen_family=0.01), 44.0),
        (Style(locale="es_CO", two_given=0.5, two_family=0.75, hyphen_family=0.01), 12.0),
        (Style(locale="es_ES", two_given=0.3, two_family=0.8, hyphen_family=0.03), 3.0),
        (Style(locale="en_US", two_given=0.55, hyphen_family=0.1), 12.0),
        (Style(locale="pt_BR", two_given=0.3, two_family=0.5, hyphen_family=0.02), 6.0),
        (Style(locale="fr_FR", two_given=0.2, hyphen_family=0.06, hyphen_given=0.2), 5.0),
        (Style(locale="vi_VN", two_given=0.9), 6.0),
        (Style(locale="zh_CN"), 6.0),
        (Style(locale="en_IN", two_given=0.15), 6.0),
    ]
)
_LOCALES = ("es_MX", "es_CO", "es_ES", "en_US", "pt_BR", "fr_FR", "vi_VN", "zh_CN", "en_IN")


@dataclass(frozen=True, kw_only=True)
class Pool:
    """One locale's name parts for the next stretch of the world."""

    male: tuple[str, ...]
    female: tuple[str, ...]
    family: tuple[str, ...]
    middle: tuple[str, ...]


class NamePools:
    """Pools of name parts per locale, redrawn from Faker (seeded from the world's rng) on `refresh`."""

    def __init__(self) -> None:
        self._fakers = {locale: Faker(locale) for locale in _LOCALES}
        self._pools: dict[str, Pool] = {}

    def refresh(self, rng: random.Random, size: int = 48) -> None:
        """Draw fresh pools; the world calls this at fixed points so batch size never matters."""
        for locale, fake in self._fakers.items():
            fake.seed_instance(rng.getrandbits(64))
            self._pools[locale] = _pool(locale, fake, size)

    def name(self, rng: random.Random, style: Style) -> PersonName:
        """A full name in `style`; mostly men, as in the detained population."""
        pool = self._pools[style.locale]
        given_pool = pool.male if rng.random() < 0.8 else pool.female
        if style.locale == "vi_VN":
            given: list[str] = [rng.choice(pool.middle), rng.choice(given_pool)]
        else:
            given = rng.choice(given_pool).split()
            if len(given) == 1 and rng.random() < style.two_given:
                given.append(rng.choice(given_pool))
            if rng.random() < style.hyphen_given and len(given) == 1:
                given = [f"{given[0]}-{rng.choice(given_pool)}"]
        family = [rng.choice(pool.family)]
        if rng.random() < style.two_family:
            family.append(_other(rng, pool.family, family[0]))
        if rng.random() < style.hyphen_family:
            family = [f"{family[0]}-{_other(rng, pool.family, family[0])}"]
        return PersonName(given=tuple(_dedupe(given)), family=tuple(family))

    def given_name(self, rng: random.Random, style: Style) -> str:
        """Another given name in `style` (the name an alias goes by)."""
        return rng.choice(self._pools[style.locale].male)


def _pool(locale: str, fake: Faker, size: int) -> Pool:
    if locale == "zh_CN":
        male = tuple(fake.first_romanized_name() for _ in range(size))
        return Pool(
            male=male,
            female=male,
            family=tuple(fake.last_romanized_name() for _ in range(size)),
            middle=(),
        )
    return Pool(
        male=tuple(fake.first_name_male() for _ in range(size)),
        female=tuple(fake.first_name_female() for _ in range(size // 2)),
        family=tuple(fake.last_name() for _ in range(size)),
        middle=tuple(fake.middle_name() for _ in range(size)) if locale == "vi_VN" else (),
    )


def _other(rng: random.Random, choices: tuple[str, ...], not_this: str) -> str:
    for _ in range(4):
        picked = rng.choice(choices)
        if picked != not_this:
            return picked
    return picked


def _dedupe(parts: list[str]) -> list[str]:
    return [p for i, p in enumerate(parts) if p not in parts[:i]]


# -- how records get a name wrong ------------------------------------------


def typo(rng: random.Random, name: PersonName) -> PersonName | None:
    """A letter swapped with its neighbour, or dropped, in one part of the name."""
    parts = [("given", i) for i, p in enumerate(name.given) if len(p) >= 4]
    parts += [("family", i) for i, p in enumerate(name.family) if len(p) >= 4]
    if not parts:
        return None
    which, index = rng.choice(parts)
    source = name.given if which == "given" else name.family
    word = source[index]
    at = rng.randrange(1, len(word) - 1)
    if rng.random() < 0.5:
        changed = word[:at] + word[at + 1] + word[at] + word[at + 2 :]
    else:
        changed = word[:at] + word[at + 1 :]
    if changed == word:
        return None
    replaced = (*source[:index], changed, *source[index + 1 :])
    if which == "given":
        return PersonName(given=replaced, family=name.family)
    return PersonName(given=name.given, family=replaced)


def without_second_family(_rng: random.Random, name: PersonName) -> PersonName | None:
    """Only the first family name, as records from many systems keep it."""
    if len(name.family) < 2:
        return None
    return PersonName(given=name.given, family=name.family[:1])


def unaccented(_rng: random.Random, name: PersonName) -> PersonName | None:
    """The name with its accents stripped, as a system limited to ASCII letters stores it."""
    plain = PersonName(
        given=tuple(_strip(p) for p in name.given), family=tuple(_strip(p) for p in name.family)
    )
    return None if plain == name else plain


def swapped(_rng: random.Random, name: PersonName) -> PersonName | None:
    """Given and family names entered in each other's fields."""
    if not name.given:
        return None
    return PersonName(given=name.family, family=name.given)


def hyphen_changed(_rng: random.Random, name: PersonName) -> PersonName | None:
    """Two family names joined by a hyphen, or a hyphenated one split in two."""
    if len(name.family) == 2:
        return PersonName(given=name.given, family=(f"{name.family[0]}-{name.family[1]}",))
    if len(name.family) == 1 and "-" in name.family[0]:
        first, _, second = name.family[0].partition("-")
        if first and second:
            return PersonName(given=name.given, family=(first, second))
    return None


def reversed_family(_rng: random.Random, name: PersonName) -> PersonName | None:
    """The two family names in the other order."""
    if len(name.family) != 2:
        return None
    return PersonName(given=name.given, family=(name.family[1], name.family[0]))


Variant = Callable[[random.Random, PersonName], PersonName | None]

# How the agency's record of the subject differs from the facility's record.
LODGED_VARIANTS: Weighted[Variant | None] = Weighted(
    [
        (None, 62.0),
        (typo, 11.0),
        (without_second_family, 9.0),
        (unaccented, 8.0),
        (swapped, 4.0),
        (hyphen_changed, 3.0),
        (reversed_family, 3.0),
    ]
)
ALIAS_VARIANTS: Weighted[Variant] = Weighted(
    [
        (typo, 3.0),
        (without_second_family, 3.0),
        (reversed_family, 2.0),
        (hyphen_changed, 1.0),
        (unaccented, 1.0),
    ]
)


def variant(rng: random.Random, name: PersonName, how: Variant | None) -> PersonName:
    """`name` changed by `how`, or unchanged where that change does not apply."""
    if how is None:
        return name
    return how(rng, name) or name


def _strip(text: str) -> str:
    decomposed = unicodedata.normalize("NFKD", text)
    return "".join(ch for ch in decomposed if not unicodedata.combining(ch))
