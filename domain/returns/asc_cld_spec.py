"""The Adult Social Care Client Level Data (ASC-CLD) return's fields, as data: for each field, the
part of the return it belongs to, the event types it applies to, when it is mandatory, and the
values it may take (a code list, or a format). ``asc_cld.py`` builds rows to it and checks them
against it; ``docs/asc-cld.md`` prints it.

Where the facts come from (decision 0045). The field names, their order and which part of the
return each belongs to (person details, all events, requests, assessments, services, reviews,
carers, costs) are the DHSC's own data-quality code (DataS-DHSC/ASC-CLD-LA-Dashboard,
``Stored_procedures/create_GetDQValues_procedure.sql``). The code lists marked ``DHSC`` are the
release 2 values that code and its methodology (``Main_tables/docs/methodology/``) name: the
ethnicity groups, event outcomes, service types, client types, accommodation and employment
status, funding status and delivery mechanisms. The DHSC code takes each field's mandatory flag
and the remaining code lists from a table it does not publish; those marked ``SPEC`` are written
here from the published specification's text and are the ones to check against the specification
workbook of the release in force.
"""

from __future__ import annotations

from dataclasses import dataclass
from enum import StrEnum


class EventType(StrEnum):
    REQUEST = "Request"
    ASSESSMENT = "Assessment"
    SERVICE = "Service"
    REVIEW = "Review"


class ClientType(StrEnum):
    SERVICE_USER = "Service user"
    UNPAID_CARER = "Unpaid carer"
    UNPAID_CARER_KNOWN_BY_ASSOCIATION = "Unpaid carer known by association"


ALL_EVENTS = frozenset(EventType)
ALL_CLIENTS = frozenset(ClientType)
CARERS = frozenset({ClientType.UNPAID_CARER, ClientType.UNPAID_CARER_KNOWN_BY_ASSOCIATION})
SERVICE_USERS = frozenset({ClientType.SERVICE_USER})


class Format(StrEnum):
    """A field's form where it has no code list."""

    CODE_LIST = "code_list"
    DATE = "date"  # YYYY-MM-DD
    TEXT = "text"
    INTEGER = "integer"
    MONEY = "money"  # pounds, two decimal places
    DECIMAL = "decimal"
    NHS_NUMBER = "nhs_number"  # 10 digits, the last the modulus 11 check digit
    POSTCODE = "postcode"
    LA_CODE = "la_code"  # the council's GSS code
    GP_PRACTICE = "gp_practice"  # an ODS code


@dataclass(frozen=True)
class FieldSpec:
    name: str
    module: str
    format: Format
    # Which rows the field applies to: by event type and client type.
    events: frozenset[EventType] = ALL_EVENTS
    clients: frozenset[ClientType] = ALL_CLIENTS
    # Mandatory on every row it applies to ("always"), never ("no"), or only where the row's event
    # has ended ("when_ended": a service's outcome and end date).
    mandatory: str = "always"
    values: tuple[str, ...] = ()
    source: str = "DHSC"  # where the code list (or format) is from: DHSC or SPEC (see the docstring)
    note: str = ""
    max_length: int | None = None

    def applies_to(self, event: EventType, client: ClientType) -> bool:
        return event in self.events and client in self.clients

    def mandatory_for(self, event: EventType, client: ClientType, ended: bool) -> bool:
        if not self.applies_to(event, client):
            return False
        return self.mandatory == "always" or (self.mandatory == "when_ended" and ended)


YES_NO = ("Yes", "No")
YES_NO_UNKNOWN = ("Yes", "No", "Unknown")

GENDER = ("Male", "Female", "Other", "Unknown")
ETHNICITY = (
    "White: English, Welsh, Scottish, Northern Irish or British",
    "White: Irish",
    "White: Gypsy or Irish Traveller",
    "White: Roma",
    "White: Any other White background",
    "Mixed or multiple ethnic groups: White and Black Caribbean",
    "Mixed or multiple ethnic groups: White and Black African",
    "Mixed or multiple ethnic groups: White and Asian",
    "Mixed or multiple ethnic groups: Any other Mixed or multiple ethnic background",
    "Asian or Asian British: Indian",
    "Asian or Asian British: Pakistani",
    "Asian or Asian British: Bangladeshi",
    "Asian or Asian British: Chinese",
    "Asian or Asian British: Any other Asian background",
    "Black, Black British, Caribbean or African: African",
    "Black, Black British, Caribbean or African: Caribbean",
    "Black, Black British, Caribbean or African: Any other Black, Black British or Caribbean background",
    "Other ethnic group: Arab",
    "Other ethnic group: Any other ethnic group",
    "No data: Refused",
    "No data: Undeclared or not known",
)
PRIMARY_SUPPORT_REASON = (
    "Physical support: Access and mobility only",
    "Physical support: Personal care support",
    "Sensory support: Support for visual impairment",
    "Sensory support: Support for hearing impairment",
    "Sensory support: Support for dual impairment",
    "Support with memory and cognition",
    "Learning disability support",
    "Mental health support",
    "Social support: Substance misuse support",
    "Social support: Asylum seeker support",
    "Social support: Support for social isolation or other",
    "Social support: Support to unpaid carer",
    "Unknown",
)
ACCOMMODATION_STATUS = (
    "Owner occupier or shared ownership scheme",
    "Tenant: Local authority or other social housing provider",
    "Tenant: Private landlord",
    "Settled mainstream housing with family or friends",
    "Supported accommodation, supported lodgings or supported group home",
    "Shared Lives scheme",
    "Approved premises for offenders released from prison or under probation supervision",
    "Sheltered housing, extra care housing or other sheltered housing",
    "Mobile accommodation for Gypsy, Roma and Traveller communities",
    "Rough sleeper or squatting",
    "Night shelter, emergency hostel or direct access hostel",
    "Refuge",
    "Placed in temporary accommodation by the council (inc. homelessness resettlement)",
    "Staying with family or friends as a short term guest",
    "Acute hospital or long term healthcare residential facility",
    "Registered care home",
    "Registered nursing home",
    "Prison, young offenders institution or detention centre",
    "Other temporary accommodation",
    "Unknown",
)
EMPLOYMENT_STATUS = (
    "Paid: Less than 16 hours a week",
    "Paid: 16 or more hours a week",
    "Paid: Hours per week unknown",
    "Not in paid employment: Seeking work",
    "Not in paid employment: Voluntary work only",
    "Not in paid employment: Not actively seeking work or retired",
    "Unknown",
)
CLIENT_FUNDING_STATUS = (
    "Fully social care funded",
    "Joint client and social care funded",
    "Fully client funded",
    "Unknown",
)
EVENT_OUTCOME = (
    "Progress to reablement/ST-Max",
    "Progress to assessment, review or reassessment",
    "Progress to support planning or services",
    "Continuation of support or services",
    "Admitted to hospital",
    "NFA: Responsibility moved to another local authority",
    "NFA: Referral to NHS services or NHS funded social care",
    "NFA: Self-funded client or under 12wk disregard",
    "NFA: Information and advice or signposting",
    "NFA: Referral to other service within the local authority",
    "NFA: Support declined",
    "NFA: Deceased",
    "NFA: Support ended as planned",
    "NFA: Support ended for other reason",
    "NFA: No services offered for other reason",
    "NFA: Other",
)
ROUTE_OF_ACCESS = (
    "Planned entry (transition)",
    "Discharge from hospital",
    "Diversion from hospital services",
    "Self-funder with depleted funds",
    "Community or other route",
    "Prison",
)
ASSESSMENT_TYPE = (
    "Short term assessment",
    "Long term assessment",
    "Unpaid carer assessment",
    "Joint unpaid carer assessment",
    "Combined unpaid carer assessment",
)
METHOD = (
    "Face to face",
    "Remote: Phone",
    "Remote: Video",
    "Supported self-assessment",
    "Unsupported self-assessment",
    "Other",
)
HOURS_CARING = (
    "0 to 9 hours",
    "10 to 19 hours",
    "20 to 34 hours",
    "35 to 49 hours",
    "50 or more hours",
    "Unknown",
)
SERVICE_TYPE = (
    "Long term support: Nursing care",
    "Long term support: Residential care",
    "Long term support: Community",
    "Long term support: Prison",
    "Short term support: ST-Max",
    "Short term support: Ongoing low level",
    "Short term support: Other short term",
    "Unpaid carer support: Direct to unpaid carer",
    "Unpaid carer support: Support involving the person cared-for",
)
SERVICE_COMPONENT = (
    "Long term residential care",
    "Long term nursing care",
    "Short term residential care",
    "Short term nursing care",
    "Home support or domiciliary care",
    "Community supported living",
    "Extra care housing",
    "Shared Lives",
    "Day care",
    "Respite",
    "Reablement",
    "Equipment",
    "Transport",
    "Direct payment",
    "Other",
)
DELIVERY_MECHANISM = (
    "Direct payment",
    "CASSR managed personal budget",
    "CASSR commissioned support",
)
REVIEW_REASON = (
    "Planned",
    "Unplanned: Change in circumstances",
    "Unplanned: Request from the person or their unpaid carer",
    "Unplanned: Safeguarding",
    "Unplanned: Other",
    "Review of short term support",
)
REVIEW_OUTCOMES_ACHIEVED = ("Fully achieved", "Partially achieved", "Not achieved", "Unknown")
COST_FREQUENCY = ("Weekly", "Fortnightly", "4-weekly", "Monthly", "Quarterly", "Annually", "One-off")

SERVICES = frozenset({EventType.SERVICE})
REQUESTS = frozenset({EventType.REQUEST})
ASSESSMENTS = frozenset({EventType.ASSESSMENT})
REVIEWS = frozenset({EventType.REVIEW})
ENDED_ALWAYS = frozenset({EventType.REQUEST, EventType.ASSESSMENT, EventType.REVIEW})

SUBMISSION, PERSON, EVENTS = "Submission information", "Person details", "Events (all)"
CARERS_MODULE, COSTS = "Carers and linked service users", "Costs (services only)"


def _coded(name: str, module: str, values: tuple[str, ...], **kw: object) -> FieldSpec:
    return FieldSpec(name=name, module=module, format=Format.CODE_LIST, values=values, **kw)  # type: ignore[arg-type]


FIELDS: tuple[FieldSpec, ...] = (
    FieldSpec("LA_Code", SUBMISSION, Format.LA_CODE),
    FieldSpec("Reporting_Period_Start_Date", SUBMISSION, Format.DATE),
    FieldSpec("Reporting_Period_End_Date", SUBMISSION, Format.DATE),
    FieldSpec(
        "NHS_Number",
        PERSON,
        Format.NHS_NUMBER,
        mandatory="no",
        note="given wherever it is known; people without one are listed in the validation report",
    ),
    FieldSpec("LA_Person_Unique_Identifier", PERSON, Format.TEXT, max_length=50),
    FieldSpec("GP_Practice_Code", PERSON, Format.GP_PRACTICE, mandatory="no", source="SPEC"),
    _coded("Gender", PERSON, GENDER, source="SPEC"),
    _coded("Ethnicity", PERSON, ETHNICITY),
    FieldSpec("Date_of_Birth", PERSON, Format.DATE),
    FieldSpec("Date_of_Death", PERSON, Format.DATE, mandatory="no", note="where the person has died"),
    _coded("Client_Type", PERSON, tuple(ClientType)),
    _coded("Primary_Support_Reason", PERSON, PRIMARY_SUPPORT_REASON, clients=SERVICE_USERS, source="SPEC"),
    FieldSpec("Postcode", PERSON, Format.POSTCODE, source="SPEC"),
    _coded("Accommodation_Status", PERSON, ACCOMMODATION_STATUS),
    _coded("Employment_Status", PERSON, EMPLOYMENT_STATUS),
    _coded("Has_Unpaid_Carer", PERSON, YES_NO_UNKNOWN, clients=SERVICE_USERS),
    _coded("Autism_Spectrum_Disorder_ASD", PERSON, YES_NO_UNKNOWN, mandatory="no", source="SPEC"),
    _coded("Visual_Impairment", PERSON, YES_NO_UNKNOWN, mandatory="no", source="SPEC"),
    _coded("Hearing_Impairment", PERSON, YES_NO_UNKNOWN, mandatory="no", source="SPEC"),
    _coded("Dementia", PERSON, YES_NO_UNKNOWN, mandatory="no", source="SPEC"),
    _coded("Client_Funding_Status", PERSON, CLIENT_FUNDING_STATUS, events=SERVICES, clients=SERVICE_USERS),
    _coded("Event_Type", EVENTS, tuple(EventType)),
    FieldSpec("Event_Reference", EVENTS, Format.TEXT, max_length=50, note="stable across submissions"),
    FieldSpec("Event_Start_Date", EVENTS, Format.DATE),
    FieldSpec("Event_End_Date", EVENTS, Format.DATE, mandatory="when_ended", note="a service's once it has ended"),
    FieldSpec("Event_Description", EVENTS, Format.TEXT, mandatory="no", max_length=200),
    _coded("Event_Outcome", EVENTS, EVENT_OUTCOME, mandatory="when_ended"),
    _coded("Request_Route_of_Access", "Events (requests only)", ROUTE_OF_ACCESS, events=REQUESTS, source="SPEC"),
    _coded("Assessment_Type", "Events (assessments only)", ASSESSMENT_TYPE, events=ASSESSMENTS, source="SPEC"),
    _coded("Eligible_Needs_Identified", "Events (assessments only)", YES_NO, events=ASSESSMENTS, source="SPEC"),
    _coded(
        "Method_of_Assessment",
        "Events (assessments only)",
        METHOD,
        events=ASSESSMENTS,
        mandatory="no",
        source="SPEC",
    ),
    _coded("Total_Hrs_Caring_per_week", CARERS_MODULE, HOURS_CARING, clients=CARERS, source="SPEC"),
    FieldSpec("No_of_adults_being_cared_for", CARERS_MODULE, Format.INTEGER, clients=CARERS),
    FieldSpec("Adult_1_Linked_Person_ID", CARERS_MODULE, Format.TEXT, clients=CARERS, max_length=50),
    FieldSpec("Adult_2_Linked_Person_ID", CARERS_MODULE, Format.TEXT, clients=CARERS, mandatory="no", max_length=50),
    FieldSpec("Adult_3_Linked_Person_ID", CARERS_MODULE, Format.TEXT, clients=CARERS, mandatory="no", max_length=50),
    _coded("Service_Type", "Events (services only)", SERVICE_TYPE, events=SERVICES),
    _coded("Service_Component", "Events (services only)", SERVICE_COMPONENT, events=SERVICES, source="SPEC"),
    _coded("Delivery_Mechanism", "Events (services only)", DELIVERY_MECHANISM, events=SERVICES),
    FieldSpec("Provider_CQC_Location_ID", "Events (services only)", Format.TEXT, events=SERVICES, mandatory="no"),
    _coded("Review_Reason", "Events (reviews only)", REVIEW_REASON, events=REVIEWS, source="SPEC"),
    _coded(
        "Review_Outcomes_Achieved",
        "Events (reviews only)",
        REVIEW_OUTCOMES_ACHIEVED,
        events=REVIEWS,
        mandatory="no",
        source="SPEC",
    ),
    _coded("Method_of_Review", "Events (reviews only)", METHOD, events=REVIEWS, mandatory="no", source="SPEC"),
    FieldSpec("Unit_Cost", COSTS, Format.MONEY, events=SERVICES),
    _coded("Cost_Frequency_Unit_Type", COSTS, COST_FREQUENCY, events=SERVICES),
    FieldSpec("Planned_units_per_week", COSTS, Format.DECIMAL, events=SERVICES, mandatory="no"),
)

FIELD_NAMES: tuple[str, ...] = tuple(f.name for f in FIELDS)
BY_NAME: dict[str, FieldSpec] = {f.name: f for f in FIELDS}
