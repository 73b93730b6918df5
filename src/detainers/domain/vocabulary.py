"""Controlled vocabularies shared by the domain, the legal engine and every edge.

The values are the wire format of the case contract (see DESIGN.md); each
member documents itself. Categories use the statutes' and forms' own words.
"""

from __future__ import annotations

from detainers.domain._enum import DocumentedEnum


class JurisdictionKind(DocumentedEnum):
    FEDERAL = "federal", "The United States as a whole (federal law)"
    STATE = "state", "A state, district or territory"
    COUNTY = "county", "A county or county-equivalent, coded by its FIPS code"
    CITY = "city", "A city or town"


class FacilityType(DocumentedEnum):
    STATE_PRISON = "state_prison", "A state prison holding sentenced people"
    STATE_PRETRIAL_JAIL = "state_pretrial_jail", "A state-run jail holding people before trial"
    COUNTY_JAIL = "county_jail", "A county jail (pretrial and short sentences)"
    CITY_JAIL = "city_jail", "A city or municipal jail"
    POLICE_LOCKUP = "police_lockup", "A police station lockup (hours, not days)"
    COURT_HOLDING = "court_holding", "A courthouse holding cell"
    FEDERAL = "federal", "A federal facility (Bureau of Prisons, Marshals)"
    PRIVATE = "private", "A privately operated facility under contract"


class Program287g(DocumentedEnum):
    NONE = "none", "No 287(g) agreement"
    JAIL_ENFORCEMENT = "jail_enforcement", "287(g) jail enforcement model"
    TASK_FORCE = "task_force", "287(g) task force model"
    WARRANT_SERVICE_OFFICER = "warrant_service_officer", "287(g) warrant service officer program"


class DetainerForm(DocumentedEnum):
    I_247 = "I-247", "Immigration Detainer - Notice of Action (before 2015)"
    I_247D = "I-247D", "Immigration Detainer - Request for Voluntary Action (2015-2017)"
    I_247N = "I-247N", "Request for Voluntary Notification of Release (2015-2017)"
    I_247X = "I-247X", "Request for Voluntary Transfer (2015-2017)"
    I_247A = "I-247A", "Immigration Detainer - Notice of Action (2017 on)"
    NONE = "none", "No detainer form (an informal request)"


class ProbableCause(DocumentedEnum):
    FINAL_ORDER = "final_order", "A final order of removal against the subject"
    PENDING_PROCEEDINGS = (
        "pending_proceedings",
        "Removal proceedings are pending against the subject",
    )
    BIOMETRIC_MATCH = "biometric_match", "Biometric confirmation plus records checks"
    STATEMENTS = "statements", "The subject's statements to an immigration officer"


class Warrant(DocumentedEnum):
    NONE = "none", "No warrant accompanies the detainer"
    I_200 = "I-200", "Administrative warrant of arrest, signed by an immigration officer"
    I_205 = "I-205", "Administrative warrant of removal, signed by an immigration officer"
    JUDICIAL = "judicial", "A warrant or order signed by a judge"


class RequestedAction(DocumentedEnum):
    NOTIFY = "notify", "Tell the agency of the release date or time"
    HOLD = "hold", "Keep the subject up to the form's limit past release"
    INTERVIEW = "interview", "Let the agency interview the subject in custody"
    SHARE_INFO = "share_info", "Share non-public personal information"


class Action(DocumentedEnum):
    """The acts a facility may do in answer to a detainer; the engine rules on each."""

    HOLD = "hold", "Keep the person in custody past the time they would otherwise be released"
    NOTIFY = "notify", "Tell the agency the release date or time, or the custody status"
    SHARE_INFO = "share_info", "Give the agency non-public personal information"
    INTERVIEW = "interview", "Let the agency question the person in custody"
    TRANSFER = "transfer", "Hand the person to the agency at the facility at release"


class Effect(DocumentedEnum):
    REQUIRED = "required", "The law compels the act"
    PERMITTED = "permitted", "The law allows the act; the facility may choose"
    FORBIDDEN = "forbidden", "The law forbids the act"
    UNDECIDED = "undecided", "The law as encoded cannot answer (a missing fact, or a conflict)"

    @property
    def allows(self) -> bool:
        """True when the act may lawfully be done."""
        return self in (Effect.REQUIRED, Effect.PERMITTED)


class ChargeStatus(DocumentedEnum):
    PENDING = "pending", "Charged, not yet adjudicated"
    CONVICTED = "convicted", "Convicted"
    DISMISSED = "dismissed", "Dismissed or nolled"
    ACQUITTED = "acquitted", "Acquitted"


class ChargeClass(DocumentedEnum):
    """The jurisdiction's own grade of an offence, normalized; the raw text is kept beside it."""

    FELONY_CAPITAL = "felony_capital", "Capital felony"
    FELONY_A = "felony_A", "Class A felony"
    FELONY_B = "felony_B", "Class B felony"
    FELONY_C = "felony_C", "Class C felony"
    FELONY_D = "felony_D", "Class D felony"
    FELONY_E = "felony_E", "Class E felony"
    FELONY_M = "felony_M", "Murder class (e.g. CT)"
    FELONY_X = "felony_X", "Class X felony (e.g. IL)"
    FELONY_1 = "felony_1", "Class 1 felony"
    FELONY_2 = "felony_2", "Class 2 felony"
    FELONY_3 = "felony_3", "Class 3 felony"
    FELONY_4 = "felony_4", "Class 4 felony"
    FELONY_1ST_DEGREE = "felony_1st_degree", "Felony of the first degree"
    FELONY_2ND_DEGREE = "felony_2nd_degree", "Felony of the second degree"
    FELONY_3RD_DEGREE = "felony_3rd_degree", "Felony of the third degree"
    FELONY_STATE_JAIL = "felony_state_jail", "State jail felony (TX)"
    FELONY = "felony", "Felony, class not given"
    MISDEMEANOR_A = "misdemeanor_A", "Class A misdemeanor"
    MISDEMEANOR_B = "misdemeanor_B", "Class B misdemeanor"
    MISDEMEANOR_C = "misdemeanor_C", "Class C misdemeanor"
    MISDEMEANOR_1ST_DEGREE = "misdemeanor_1st_degree", "Misdemeanor of the first degree"
    GROSS_MISDEMEANOR = "gross_misdemeanor", "Gross misdemeanor"
    MISDEMEANOR = "misdemeanor", "Misdemeanor, class not given"
    INFRACTION = "infraction", "Infraction or violation"


class ReleaseReason(DocumentedEnum):
    """Why custody ends (or would otherwise end)."""

    BOND_POSTED = "bond_posted", "Bond or bail was posted"
    RECOGNIZANCE = "recognizance", "Released on the person's own recognizance"
    SENTENCE_COMPLETE = "sentence_complete", "The sentence was served"
    CHARGES_DISMISSED = "charges_dismissed", "The charges were dismissed"
    COURT_APPEARANCE_ENDED = "court_appearance_ended", "A court appearance ended"
    COURT_ORDER = "court_order", "A court ordered release"
    NOT_IN_CUSTODY = "not_in_custody", "The person was not in custody"
    TRANSFERRED_TO_AGENCY = "transferred_to_agency", "Custody passed to the detaining agency"
    HOLD_DEADLINE = "hold_deadline", "A detainer hold reached its deadline"
    DETAINER_CANCELLED = "detainer_cancelled", "The detainer holding the person was cancelled"
    OTHER = "other", "Any other reason (recorded in the raw text)"


class Citizenship(DocumentedEnum):
    US_CITIZEN = "us_citizen", "Recorded as a United States citizen"
    NONCITIZEN = "noncitizen", "Recorded as not a United States citizen"
    UNKNOWN = "unknown", "Not recorded"


class IdentifierKind(DocumentedEnum):
    """Strong identifiers: one exact match attaches a detainer to a booking."""

    FBI_NUMBER = "fbi_number", "FBI Universal Control Number"
    STATE_ID = "state_id", "State identification number (SID)"
    A_NUMBER = "a_number", "Alien registration number"
    BOOKING_NUMBER = "booking_number", "The facility's own booking number"


class ReviewChoice(DocumentedEnum):
    """What a named staff member records after review, inside the law's bounds."""

    HONOR = "honor", "Notify and hold as requested"
    NOTIFY_ONLY = "notify_only", "Notify the agency of release, but do not hold"
    DECLINE = "decline", "Neither notify nor hold"
    ESCALATE = "escalate", "Refer to a supervisor: the law as encoded gives a conflict"


class HoldEndReason(DocumentedEnum):
    TRANSFERRED = "transferred", "The agency took custody"
    RELEASED = "released", "Released before the deadline"
    DEADLINE = "deadline", "Released at the deadline"
    CANCELLED = "cancelled", "The agency cancelled the detainer"


class SubjectFlag(DocumentedEnum):
    """Facts about the subject that some laws test, beyond charges and convictions."""

    TERRORIST_SCREENING_MATCH = (
        "terrorist_screening_match",
        "Matches the terrorist screening database",
    )
    GANG_DATABASE = "gang_database", "Listed in a gang database"
    FINAL_REMOVAL_ORDER = "final_removal_order", "Subject of a final order of removal"
    PUBLIC_SAFETY_RISK_DETERMINATION = (
        "public_safety_risk_determination",
        "An official found the subject a risk to public safety",
    )
    INTERVIEW_CONSENT_SIGNED = "interview_consent_signed", "Signed consent to an agency interview"
    INTERVIEW_ADVISEMENT_GIVEN = "interview_advisement_given", "Was given the interview advisement"
    PROOF_OF_LAWFUL_STATUS = "proof_of_lawful_status", "Showed proof of lawful status"
    ATTENDING_COURT = "attending_court", "Is in custody to attend court"
    RECORDED_US_CITIZEN = "recorded_us_citizen", "Recorded as a United States citizen"
