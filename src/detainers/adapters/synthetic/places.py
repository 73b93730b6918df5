"""The synthetic world's fixed geography: the agency's field offices, states, counties and facilities.

States and counties carry their real codes (two-letter postal codes, five-digit
county FIPS codes) and real names, so reports group them as they would real
data; a few cities carry their Census place codes. Everything about the
facilities (names, codes, 287(g) programs, hold limits, sizes) is invented:
the names are generic ("Harris County Detention Center"), never a person's.
The reference data does not depend on the seed.
"""

from __future__ import annotations

from dataclasses import dataclass

from detainers.domain.jurisdiction import Jurisdiction
from detainers.domain.organization import Agency, Facility
from detainers.domain.vocabulary import FacilityType, JurisdictionKind, Program287g

FIELD_OFFICES: dict[str, str] = {
    "ATL": "Atlanta",
    "BOS": "Boston",
    "BUF": "Buffalo",
    "CHI": "Chicago",
    "DAL": "Dallas",
    "DEN": "Denver",
    "ELP": "El Paso",
    "HLG": "Harlingen",
    "HOU": "Houston",
    "LOS": "Los Angeles",
    "MIA": "Miami",
    "NEW": "Newark",
    "NYC": "New York City",
    "PHI": "Philadelphia",
    "PHO": "Phoenix",
    "SEA": "Seattle",
    "SFR": "San Francisco",
    "SNA": "San Antonio",
    "SND": "San Diego",
}

STATES: dict[str, str] = {
    "AZ": "Arizona",
    "CA": "California",
    "CO": "Colorado",
    "CT": "Connecticut",
    "FL": "Florida",
    "GA": "Georgia",
    "IL": "Illinois",
    "MA": "Massachusetts",
    "NJ": "New Jersey",
    "NY": "New York",
    "OR": "Oregon",
    "PA": "Pennsylvania",
    "TX": "Texas",
    "WA": "Washington",
}


@dataclass(frozen=True, kw_only=True)
class County:
    """A real county (FIPS code and name), a short token for facility codes, its field office."""

    state: str
    fips: str
    name: str
    short: str
    office: str

    @property
    def code(self) -> str:
        return f"US-{self.state}-{self.fips}"


def _counties(state: str, office: str, *rows: tuple[str, str, str]) -> list[County]:
    return [
        County(state=state, fips=fips, name=name, short=short, office=office)
        for fips, name, short in rows
    ]


COUNTIES: tuple[County, ...] = (
    *_counties(
        "CT",
        "BOS",
        ("09001", "Fairfield County", "FAIRFIELD"),
        ("09003", "Hartford County", "HARTFORD"),
        ("09009", "New Haven County", "NEWHAVEN"),
        ("09011", "New London County", "NEWLONDON"),
    ),
    *_counties(
        "MA",
        "BOS",
        ("25025", "Suffolk County", "SUFFOLK"),
        ("25017", "Middlesex County", "MIDDLESEX"),
        ("25009", "Essex County", "ESSEX"),
        ("25013", "Hampden County", "HAMPDEN"),
        ("25027", "Worcester County", "WORCESTER"),
    ),
    *_counties(
        "CA",
        "LOS",
        ("06037", "Los Angeles County", "LOSANGELES"),
        ("06059", "Orange County", "ORANGE"),
        ("06065", "Riverside County", "RIVERSIDE"),
        ("06071", "San Bernardino County", "SANBERNARD"),
    ),
    *_counties("CA", "SND", ("06073", "San Diego County", "SANDIEGO")),
    *_counties(
        "CA",
        "SFR",
        ("06001", "Alameda County", "ALAMEDA"),
        ("06085", "Santa Clara County", "SANTACLARA"),
        ("06019", "Fresno County", "FRESNO"),
    ),
    *_counties("TX", "HOU", ("48201", "Harris County", "HARRIS")),
    *_counties(
        "TX", "DAL", ("48113", "Dallas County", "DALLAS"), ("48439", "Tarrant County", "TARRANT")
    ),
    *_counties(
        "TX", "SNA", ("48029", "Bexar County", "BEXAR"), ("48453", "Travis County", "TRAVIS")
    ),
    *_counties("TX", "ELP", ("48141", "El Paso County", "ELPASO")),
    *_counties("TX", "HLG", ("48215", "Hidalgo County", "HIDALGO")),
    *_counties(
        "FL",
        "MIA",
        ("12086", "Miami-Dade County", "MIAMIDADE"),
        ("12011", "Broward County", "BROWARD"),
        ("12099", "Palm Beach County", "PALMBEACH"),
        ("12057", "Hillsborough County", "HILLSBORO"),
        ("12095", "Orange County", "ORANGE"),
    ),
    *_counties(
        "IL",
        "CHI",
        ("17031", "Cook County", "COOK"),
        ("17043", "DuPage County", "DUPAGE"),
        ("17097", "Lake County", "LAKE"),
        ("17089", "Kane County", "KANE"),
    ),
    *_counties(
        "WA",
        "SEA",
        ("53033", "King County", "KING"),
        ("53053", "Pierce County", "PIERCE"),
        ("53061", "Snohomish County", "SNOHOMISH"),
        ("53077", "Yakima County", "YAKIMA"),
    ),
    *_counties(
        "OR",
        "SEA",
        ("41051", "Multnomah County", "MULTNOMAH"),
        ("41067", "Washington County", "WASHINGTON"),
        ("41047", "Marion County", "MARION"),
    ),
    *_counties(
        "NY",
        "NYC",
        ("36061", "New York County", "NEWYORK"),
        ("36047", "Kings County", "KINGS"),
        ("36081", "Queens County", "QUEENS"),
        ("36005", "Bronx County", "BRONX"),
        ("36059", "Nassau County", "NASSAU"),
        ("36103", "Suffolk County", "SUFFOLK"),
    ),
    *_counties("NY", "BUF", ("36029", "Erie County", "ERIE")),
    *_counties(
        "CO",
        "DEN",
        ("08031", "Denver County", "DENVER"),
        ("08001", "Adams County", "ADAMS"),
        ("08005", "Arapahoe County", "ARAPAHOE"),
        ("08041", "El Paso County", "ELPASO"),
    ),
    *_counties(
        "AZ",
        "PHO",
        ("04013", "Maricopa County", "MARICOPA"),
        ("04019", "Pima County", "PIMA"),
        ("04021", "Pinal County", "PINAL"),
        ("04023", "Santa Cruz County", "SANTACRUZ"),
    ),
    *_counties(
        "GA",
        "ATL",
        ("13121", "Fulton County", "FULTON"),
        ("13135", "Gwinnett County", "GWINNETT"),
        ("13067", "Cobb County", "COBB"),
        ("13089", "DeKalb County", "DEKALB"),
    ),
    *_counties(
        "PA",
        "PHI",
        ("42101", "Philadelphia County", "PHILA"),
        ("42003", "Allegheny County", "ALLEGHENY"),
        ("42071", "Lancaster County", "LANCASTER"),
        ("42011", "Berks County", "BERKS"),
    ),
    *_counties(
        "NJ",
        "NEW",
        ("34013", "Essex County", "ESSEX"),
        ("34003", "Bergen County", "BERGEN"),
        ("34017", "Hudson County", "HUDSON"),
        ("34023", "Middlesex County", "MIDDLESEX"),
        ("34039", "Union County", "UNION"),
    ),
)

# Cities by their Census place code, under the county that holds their jail.
CITIES: tuple[tuple[str, str, str], ...] = (
    ("US-TX-48201", "35000", "Houston"),
    ("US-CA-06037", "44000", "Los Angeles"),
    ("US-IL-17031", "14000", "Chicago"),
    ("US-AZ-04013", "55000", "Phoenix"),
    ("US-CO-08031", "20000", "Denver"),
    ("US-FL-12086", "45000", "Miami"),
    ("US-GA-13121", "04000", "Atlanta"),
)

# States where counties commonly run 287(g) programs; the synthetic world
# cycles through the programs there so every kind appears.
_PROGRAM_STATES = ("FL", "TX", "GA", "AZ")
_PROGRAMS = (
    Program287g.JAIL_ENFORCEMENT,
    Program287g.WARRANT_SERVICE_OFFICER,
    Program287g.TASK_FORCE,
    Program287g.NONE,
)
# States whose prisons and pretrial jails are run by the state (no county jails).
_UNIFIED = ("CT",)


@dataclass(frozen=True, kw_only=True)
class Site:
    """A facility with the field office that lodges there and its share of detainers."""

    facility: Facility
    office: str
    weight: int

    @property
    def state(self) -> str:
        return self.facility.jurisdiction.split("-")[1]


def jurisdictions() -> list[Jurisdiction]:
    """`US`, the states, the counties and the cities, parents first."""
    found = [Jurisdiction(code="US", name="United States", kind=JurisdictionKind.FEDERAL)]
    found += [
        Jurisdiction(code=f"US-{st}", name=name, kind=JurisdictionKind.STATE)
        for st, name in sorted(STATES.items())
    ]
    found += [
        Jurisdiction(code=c.code, name=c.name, kind=JurisdictionKind.COUNTY) for c in COUNTIES
    ]
    found += [
        Jurisdiction(code=f"{county}-{place}", name=name, kind=JurisdictionKind.CITY)
        for county, place, name in CITIES
    ]
    return found


def agencies() -> list[Agency]:
    """The field offices, each with an ORI-like code such as `ERO-BOS`."""
    return [
        Agency(
            code=f"ERO-{code}",
            name=f"{city} Field Office",
            jurisdiction="US",
            email=f"ero-{code.lower()}@agency.example",
        )
        for code, city in sorted(FIELD_OFFICES.items())
    ]


def sites() -> list[Site]:
    """Every facility, of every type, with the field office that serves it."""
    found: list[Site] = []
    for index, county in enumerate(COUNTIES):
        found += _county_sites(index, county)
    offices = {c.code: c.office for c in COUNTIES}
    for county_code, place, name in CITIES:
        found += _city_sites(f"{county_code}-{place}", name, offices[county_code])
    return found


def _county_sites(index: int, county: County) -> list[Site]:
    st, short, office = county.state, county.short, county.office
    program = _PROGRAMS[index % len(_PROGRAMS)] if st in _PROGRAM_STATES else Program287g.NONE
    limit = 36 if index % 5 == 2 else None

    def site(
        suffix: str,
        name: str,
        kind: FacilityType,
        weight: int,
        program_287g: Program287g = Program287g.NONE,
        hold_limit_hours: int | None = None,
    ) -> Site:
        facility = Facility(
            code=f"{st}-{short}-{suffix}",
            name=name,
            type=kind,
            jurisdiction=county.code,
            program_287g=program_287g,
            hold_limit_hours=hold_limit_hours,
        )
        return Site(facility=facility, office=office, weight=weight)

    base = county.name.removesuffix(" County")
    state = STATES[st]
    found: list[Site] = []
    if st in _UNIFIED:
        found.append(
            site(
                "PT",
                f"{state} Pretrial Center ({county.name})",
                FacilityType.STATE_PRETRIAL_JAIL,
                10,
            )
        )
    else:
        found.append(
            site(
                "CJ",
                f"{base} County Detention Center",
                FacilityType.COUNTY_JAIL,
                10,
                program,
                limit,
            )
        )
    if index % 3 == 0:
        found.append(
            site("SP", f"{state} State Prison ({county.name})", FacilityType.STATE_PRISON, 5)
        )
    if index % 4 == 1:
        found.append(
            site(
                "CH",
                f"{base} County Courthouse Holding",
                FacilityType.COURT_HOLDING,
                1,
                hold_limit_hours=24,
            )
        )
    if index % 9 == 4:
        found.append(
            site("FD", f"Federal Detention Center ({county.name})", FacilityType.FEDERAL, 2)
        )
    if index % 8 == 6:
        found.append(
            site("PF", f"{base} Contract Detention Facility", FacilityType.PRIVATE, 2, program)
        )
    return found


def _city_sites(code: str, city: str, office: str) -> list[Site]:
    st = code.split("-")[1]
    token = city.upper().replace(" ", "")[:10]
    jail = Facility(
        code=f"{st}-{token}-CITY",
        name=f"{city} City Jail",
        type=FacilityType.CITY_JAIL,
        jurisdiction=code,
    )
    lockup = Facility(
        code=f"{st}-{token}-PD",
        name=f"{city} Police Central Lockup",
        type=FacilityType.POLICE_LOCKUP,
        jurisdiction=code,
        hold_limit_hours=24,
    )
    return [
        Site(facility=jail, office=office, weight=3),
        Site(facility=lockup, office=office, weight=1),
    ]
