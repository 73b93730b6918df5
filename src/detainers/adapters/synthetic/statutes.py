"""Charges the synthetic world books people on: common offences per state, in each state's own words.

Each entry is a real statute citation of the state with a plain description,
the grade normalized to `ChargeClass`, and `class_raw_text` as a booking
system of that state would print it ("F2", "Class A Misdemeanor", "M1").
Tags mark California's serious and violent felony lists and its wobblers, and
New York's violent felony offences. Weights make minor charges the most common.
"""

from __future__ import annotations

import random
from bisect import bisect_right
from dataclasses import dataclass
from datetime import date
from itertools import accumulate

from detainers.domain.booking import Charge, Conviction
from detainers.domain.vocabulary import ChargeClass, ChargeStatus

C = ChargeClass
SERIOUS, VIOLENT, WOBBLER = "serious_felony", "violent_felony", "wobbler"


@dataclass(frozen=True, kw_only=True)
class Offence:
    statute: str
    description: str
    grade: ChargeClass
    raw: str
    tags: frozenset[str]
    weight: int


def _o(
    statute: str, description: str, grade: ChargeClass, raw: str, weight: int, *tags: str
) -> Offence:
    return Offence(
        statute=statute,
        description=description,
        grade=grade,
        raw=raw,
        tags=frozenset(tags),
        weight=weight,
    )


OFFENCES: dict[str, tuple[Offence, ...]] = {
    "CT": (
        _o("CGS 53a-61", "Assault in the third degree", C.MISDEMEANOR_A, "Class A Misdemeanor", 6),
        _o(
            "CGS 53a-181",
            "Breach of peace in the second degree",
            C.MISDEMEANOR_B,
            "Class B Misdemeanor",
            6,
        ),
        _o(
            "CGS 14-227a",
            "Operating under the influence",
            C.MISDEMEANOR,
            "Unclassified Misdemeanor",
            5,
        ),
        _o("CGS 53a-124", "Larceny in the third degree", C.FELONY_D, "Class D Felony", 3),
        _o("CGS 53a-60", "Assault in the second degree", C.FELONY_D, "Class D Felony", 2),
        _o("CGS 53a-134", "Robbery in the first degree", C.FELONY_B, "Class B Felony", 1),
        _o(
            "CGS 53a-70(a)(2)",
            "Sexual assault in the first degree",
            C.FELONY_A,
            "Class A Felony",
            1,
        ),
    ),
    "CA": (
        _o("PC 484(a)/488", "Petty theft", C.MISDEMEANOR, "M", 6),
        _o("VC 23152(a)", "Driving under the influence", C.MISDEMEANOR, "M", 6),
        _o("HS 11350(a)", "Possession of a controlled substance", C.MISDEMEANOR, "M", 4),
        _o("PC 273.5(a)", "Corporal injury to a spouse or cohabitant", C.FELONY, "F", 3, WOBBLER),
        _o("PC 10851(a)", "Unlawful taking or driving of a vehicle", C.FELONY, "F", 2, WOBBLER),
        _o("PC 245(a)(1)", "Assault with a deadly weapon", C.FELONY, "F", 2, WOBBLER, SERIOUS),
        _o("PC 459", "Burglary", C.FELONY, "F", 2, SERIOUS),
        _o("PC 211", "Robbery", C.FELONY, "F", 1, SERIOUS, VIOLENT),
    ),
    "TX": (
        _o("PC 49.04", "Driving while intoxicated", C.MISDEMEANOR_B, "MB", 6),
        _o("PC 22.01(a)(1)", "Assault causing bodily injury", C.MISDEMEANOR_A, "MA", 6),
        _o("PC 38.04", "Evading arrest or detention", C.MISDEMEANOR_A, "MA", 3),
        _o(
            "HSC 481.115(b)",
            "Possession of a controlled substance, penalty group 1, under 1 gram",
            C.FELONY_STATE_JAIL,
            "SJF",
            4,
        ),
        _o("PC 31.03(e)(4)", "Theft of property, $2,500 to $30,000", C.FELONY_STATE_JAIL, "SJF", 2),
        _o("PC 30.02", "Burglary of a habitation", C.FELONY_2ND_DEGREE, "F2", 2),
        _o("PC 22.02", "Aggravated assault", C.FELONY_2ND_DEGREE, "F2", 1),
        _o("PC 29.02", "Robbery", C.FELONY_2ND_DEGREE, "F2", 1),
    ),
    "FL": (
        _o("F.S. 784.03", "Battery", C.MISDEMEANOR_1ST_DEGREE, "M1", 6),
        _o("F.S. 316.193", "Driving under the influence", C.MISDEMEANOR, "M2", 5),
        _o("F.S. 322.34", "Driving while license suspended", C.MISDEMEANOR, "M2", 5),
        _o(
            "F.S. 893.13(6)(a)",
            "Possession of a controlled substance",
            C.FELONY_3RD_DEGREE,
            "F3",
            3,
        ),
        _o("F.S. 812.014(2)(c)", "Grand theft in the third degree", C.FELONY_3RD_DEGREE, "F3", 2),
        _o("F.S. 784.021", "Aggravated assault", C.FELONY_3RD_DEGREE, "F3", 2),
        _o("F.S. 810.02", "Burglary", C.FELONY_2ND_DEGREE, "F2", 1),
    ),
    "IL": (
        _o("720 ILCS 5/12-3", "Battery", C.MISDEMEANOR_A, "Class A Misdemeanor", 6),
        _o(
            "625 ILCS 5/11-501",
            "Driving under the influence",
            C.MISDEMEANOR_A,
            "Class A Misdemeanor",
            6,
        ),
        _o(
            "720 ILCS 570/402(c)",
            "Possession of a controlled substance",
            C.FELONY_4,
            "Class 4 Felony",
            3,
        ),
        _o("720 ILCS 5/12-3.05", "Aggravated battery", C.FELONY_3, "Class 3 Felony", 2),
        _o("720 ILCS 5/19-1", "Burglary", C.FELONY_2, "Class 2 Felony", 2),
        _o("720 ILCS 5/18-2", "Armed robbery", C.FELONY_X, "Class X Felony", 1),
    ),
    "WA": (
        _o("RCW 9A.36.041", "Assault in the fourth degree", C.GROSS_MISDEMEANOR, "GM", 6),
        _o("RCW 46.61.502", "Driving under the influence", C.GROSS_MISDEMEANOR, "GM", 6),
        _o("RCW 69.50.4013", "Possession of a controlled substance", C.GROSS_MISDEMEANOR, "GM", 3),
        _o("RCW 9A.56.040", "Theft in the second degree", C.FELONY_C, "Class C Felony", 2),
        _o("RCW 9A.52.025", "Residential burglary", C.FELONY_B, "Class B Felony", 2),
        _o("RCW 9A.36.021", "Assault in the second degree", C.FELONY_B, "Class B Felony", 1),
    ),
    "OR": (
        _o(
            "ORS 163.160", "Assault in the fourth degree", C.MISDEMEANOR_A, "Class A Misdemeanor", 6
        ),
        _o(
            "ORS 813.010",
            "Driving under the influence of intoxicants",
            C.MISDEMEANOR_A,
            "Class A Misdemeanor",
            6,
        ),
        _o("ORS 164.055", "Theft in the first degree", C.FELONY_C, "Class C Felony", 2),
        _o("ORS 163.175", "Assault in the second degree", C.FELONY_B, "Class B Felony", 1),
        _o("ORS 164.225", "Burglary in the first degree", C.FELONY_A, "Class A Felony", 1),
    ),
    "NY": (
        _o("PL 120.00", "Assault in the third degree", C.MISDEMEANOR_A, "A Misdemeanor", 6),
        _o("VTL 1192.3", "Driving while intoxicated", C.MISDEMEANOR, "U Misdemeanor", 5),
        _o(
            "PL 220.03",
            "Criminal possession of a controlled substance in the seventh degree",
            C.MISDEMEANOR_A,
            "A Misdemeanor",
            4,
        ),
        _o("PL 155.30", "Grand larceny in the fourth degree", C.FELONY_E, "E Felony", 2),
        _o("PL 120.05", "Assault in the second degree", C.FELONY_D, "D Felony", 2, VIOLENT),
        _o("PL 160.10", "Robbery in the second degree", C.FELONY_C, "C Felony", 1, VIOLENT),
    ),
    "MA": (
        _o("MGL c.265 s.13A", "Assault and battery", C.MISDEMEANOR, "M", 6),
        _o("MGL c.90 s.24", "Operating under the influence", C.MISDEMEANOR, "M", 6),
        _o(
            "MGL c.265 s.13M",
            "Assault and battery on a family or household member",
            C.MISDEMEANOR,
            "M",
            3,
        ),
        _o("MGL c.266 s.30", "Larceny over $1,200", C.FELONY, "F", 2),
        _o("MGL c.265 s.15A", "Assault and battery with a dangerous weapon", C.FELONY, "F", 2),
    ),
    "CO": (
        _o("CRS 18-3-204", "Assault in the third degree", C.MISDEMEANOR, "Class 1 Misdemeanor", 6),
        _o("CRS 42-4-1301", "Driving under the influence", C.MISDEMEANOR, "M", 6),
        _o("CRS 18-18-403.5", "Possession of a controlled substance", C.FELONY, "DF4", 3),
        _o("CRS 18-4-401", "Theft", C.FELONY_4, "Class 4 Felony", 2),
        _o("CRS 18-4-203", "Burglary in the second degree", C.FELONY_4, "Class 4 Felony", 1),
        _o("CRS 18-3-203", "Assault in the second degree", C.FELONY_4, "Class 4 Felony", 1),
    ),
    "AZ": (
        _o("ARS 13-1203", "Assault", C.MISDEMEANOR, "Class 1 Misdemeanor", 6),
        _o("ARS 28-1381", "Driving under the influence", C.MISDEMEANOR, "Class 1 Misdemeanor", 6),
        _o("ARS 13-3408", "Possession of narcotic drugs", C.FELONY_4, "Class 4 Felony", 3),
        _o("ARS 13-1802", "Theft", C.FELONY, "Class 6 Felony", 2),
        _o("ARS 13-1507", "Burglary in the second degree", C.FELONY_3, "Class 3 Felony", 1),
        _o("ARS 13-1204", "Aggravated assault", C.FELONY_3, "Class 3 Felony", 1),
    ),
    "GA": (
        _o("OCGA 16-5-23", "Simple battery", C.MISDEMEANOR, "M", 6),
        _o("OCGA 40-6-391", "Driving under the influence", C.MISDEMEANOR, "M", 6),
        _o("OCGA 40-5-121", "Driving while license suspended", C.MISDEMEANOR, "M", 4),
        _o("OCGA 16-13-30", "Possession of a controlled substance", C.FELONY, "F", 3),
        _o("OCGA 16-8-2", "Theft by taking", C.FELONY, "F", 2),
        _o("OCGA 16-5-21", "Aggravated assault", C.FELONY, "F", 1),
    ),
    "PA": (
        _o("18 Pa.C.S. 2701", "Simple assault", C.MISDEMEANOR, "M2", 6),
        _o("75 Pa.C.S. 3802", "Driving under the influence", C.MISDEMEANOR, "M", 6),
        _o("35 P.S. 780-113(a)(16)", "Possession of a controlled substance", C.MISDEMEANOR, "M", 4),
        _o("18 Pa.C.S. 3921", "Theft by unlawful taking", C.MISDEMEANOR_1ST_DEGREE, "M1", 2),
        _o("18 Pa.C.S. 3502", "Burglary", C.FELONY_1ST_DEGREE, "F1", 1),
        _o("18 Pa.C.S. 2702", "Aggravated assault", C.FELONY_1ST_DEGREE, "F1", 1),
    ),
    "NJ": (
        _o("N.J.S.A. 2C:12-1a", "Simple assault", C.MISDEMEANOR, "DP", 6),
        _o(
            "N.J.S.A. 39:4-50",
            "Driving while intoxicated",
            C.INFRACTION,
            "Motor Vehicle Violation",
            5,
        ),
        _o(
            "N.J.S.A. 2C:35-10a",
            "Possession of a controlled dangerous substance",
            C.FELONY_3RD_DEGREE,
            "3rd Degree",
            3,
        ),
        _o("N.J.S.A. 2C:20-3", "Theft by unlawful taking", C.FELONY_3RD_DEGREE, "3rd Degree", 2),
        _o("N.J.S.A. 2C:18-2", "Burglary", C.FELONY_3RD_DEGREE, "3rd Degree", 1),
        _o("N.J.S.A. 2C:12-1b", "Aggravated assault", C.FELONY_2ND_DEGREE, "2nd Degree", 1),
    ),
}

_STATUSES = (ChargeStatus.PENDING, ChargeStatus.CONVICTED, ChargeStatus.DISMISSED)


class ChargeBook:
    """Picks charges and convictions for a state; every `Charge` variant is built once and shared."""

    def __init__(self) -> None:
        self._offences = OFFENCES
        self._weights = {
            st: tuple(accumulate(o.weight for o in rows)) for st, rows in OFFENCES.items()
        }
        self._charges = {
            (st, i, status, pcf): _charge(o, status, pcf)
            for st, rows in OFFENCES.items()
            for i, o in enumerate(rows)
            for status in _STATUSES
            for pcf in (None, True)
        }

    def charges(self, rng: random.Random, state: str, *, sentenced: bool) -> tuple[Charge, ...]:
        """One to three charges; a sentenced person's are convictions."""
        count = 1 + (rng.random() < 0.45) + (rng.random() < 0.2)
        picked = sorted({self._pick(rng, state) for _ in range(count)})
        return tuple(self._charges[(state, i, *_status(rng, sentenced))] for i in picked)

    def convictions(
        self, rng: random.Random, state: str, *, before: date
    ) -> tuple[Conviction, ...]:
        """Prior convictions for about a quarter of people, entered one to twelve years before."""
        if rng.random() >= 0.25:
            return ()
        found: list[Conviction] = []
        for _ in range(1 + (rng.random() < 0.35) + (rng.random() < 0.1)):
            o = self._offences[state][self._pick(rng, state)]
            found.append(
                Conviction(
                    statute=o.statute,
                    description=o.description,
                    charge_class=o.grade,
                    convicted_date=date.fromordinal(before.toordinal() - rng.randint(365, 4380)),
                    jurisdiction=f"US-{state}",
                    class_raw_text=o.raw,
                    tags=o.tags,
                )
            )
        return tuple(sorted(found, key=lambda c: c.convicted_date))

    def _pick(self, rng: random.Random, state: str) -> int:
        weights = self._weights[state]
        return bisect_right(weights, rng.random() * weights[-1])


def _status(rng: random.Random, sentenced: bool) -> tuple[ChargeStatus, bool | None]:
    if sentenced:
        return ChargeStatus.CONVICTED, None
    draw = rng.random()
    if draw < 0.06:
        return ChargeStatus.DISMISSED, None
    if draw < 0.16:
        return ChargeStatus.CONVICTED, None
    return ChargeStatus.PENDING, (True if draw < 0.45 else None)


def _charge(o: Offence, status: ChargeStatus, pcf: bool | None) -> Charge:
    return Charge(
        statute=o.statute,
        description=o.description,
        charge_class=o.grade,
        class_raw_text=o.raw,
        status=status,
        tags=o.tags,
        probable_cause_finding=pcf,
    )
