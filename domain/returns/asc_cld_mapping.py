"""The one table from the product's words to the ASC-CLD return's codes (decision 0045).

Every value the record holds that the return reports is mapped here and nowhere else;
``docs/asc-cld.md`` prints these tables and ``tests/unit/test_asc_cld_mapping.py`` holds every
product value to a mapping and every mapped code to the specification's list.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from domain.vocabulary import (
    AccommodationStatus,
    AssessmentMethod,
    BudgetManagement,
    CarerAssessmentMethod,
    ClosureReason,
    EmploymentStatus,
    Ethnicity,
    Frequency,
    Gender,
    InvolvementEndReason,
    Known,
    PrimarySupportReason,
    ReablementOutcome,
    ReferralRoute,
    ReviewKind,
    ReviewOutcome,
    ReviewReason,
    ScreeningOutcome,
    SpendCategory,
)

GENDER: dict[Gender, str] = {
    Gender.MALE: "Male",
    Gender.FEMALE: "Female",
    Gender.OTHER: "Other",
    Gender.NOT_STATED: "Unknown",
}

ETHNICITY: dict[Ethnicity, str] = {
    Ethnicity.WHITE_BRITISH: "White: English, Welsh, Scottish, Northern Irish or British",
    Ethnicity.WHITE_IRISH: "White: Irish",
    Ethnicity.WHITE_GYPSY_OR_IRISH_TRAVELLER: "White: Gypsy or Irish Traveller",
    Ethnicity.WHITE_ROMA: "White: Roma",
    Ethnicity.WHITE_OTHER: "White: Any other White background",
    Ethnicity.MIXED_WHITE_AND_BLACK_CARIBBEAN: "Mixed or multiple ethnic groups: White and Black Caribbean",
    Ethnicity.MIXED_WHITE_AND_BLACK_AFRICAN: "Mixed or multiple ethnic groups: White and Black African",
    Ethnicity.MIXED_WHITE_AND_ASIAN: "Mixed or multiple ethnic groups: White and Asian",
    Ethnicity.MIXED_OTHER: "Mixed or multiple ethnic groups: Any other Mixed or multiple ethnic background",
    Ethnicity.ASIAN_INDIAN: "Asian or Asian British: Indian",
    Ethnicity.ASIAN_PAKISTANI: "Asian or Asian British: Pakistani",
    Ethnicity.ASIAN_BANGLADESHI: "Asian or Asian British: Bangladeshi",
    Ethnicity.ASIAN_CHINESE: "Asian or Asian British: Chinese",
    Ethnicity.ASIAN_OTHER: "Asian or Asian British: Any other Asian background",
    Ethnicity.BLACK_AFRICAN: "Black, Black British, Caribbean or African: African",
    Ethnicity.BLACK_CARIBBEAN: "Black, Black British, Caribbean or African: Caribbean",
    Ethnicity.BLACK_OTHER: "Black, Black British, Caribbean or African: Any other Black, Black British or "
    "Caribbean background",
    Ethnicity.ARAB: "Other ethnic group: Arab",
    Ethnicity.OTHER: "Other ethnic group: Any other ethnic group",
    Ethnicity.REFUSED: "No data: Refused",
    Ethnicity.NOT_KNOWN: "No data: Undeclared or not known",
}

ACCOMMODATION_STATUS: dict[AccommodationStatus, str] = {
    AccommodationStatus.OWNER_OCCUPIER: "Owner occupier or shared ownership scheme",
    AccommodationStatus.SOCIAL_TENANT: "Tenant: Local authority or other social housing provider",
    AccommodationStatus.PRIVATE_TENANT: "Tenant: Private landlord",
    AccommodationStatus.WITH_FAMILY_OR_FRIENDS: "Settled mainstream housing with family or friends",
    AccommodationStatus.SUPPORTED_ACCOMMODATION: "Supported accommodation, supported lodgings or supported group home",
    AccommodationStatus.SHARED_LIVES: "Shared Lives scheme",
    AccommodationStatus.APPROVED_PREMISES: "Approved premises for offenders released from prison or under "
    "probation supervision",
    AccommodationStatus.SHELTERED_OR_EXTRA_CARE_HOUSING: "Sheltered housing, extra care housing or other sheltered "
    "housing",
    AccommodationStatus.TRAVELLER_SITE: "Mobile accommodation for Gypsy, Roma and Traveller communities",
    AccommodationStatus.ROUGH_SLEEPING: "Rough sleeper or squatting",
    AccommodationStatus.NIGHT_SHELTER_OR_HOSTEL: "Night shelter, emergency hostel or direct access hostel",
    AccommodationStatus.REFUGE: "Refuge",
    AccommodationStatus.TEMPORARY_ACCOMMODATION_BY_THE_COUNCIL: "Placed in temporary accommodation by the council "
    "(inc. homelessness resettlement)",
    AccommodationStatus.SHORT_STAY_WITH_FAMILY_OR_FRIENDS: "Staying with family or friends as a short term guest",
    AccommodationStatus.HOSPITAL: "Acute hospital or long term healthcare residential facility",
    AccommodationStatus.CARE_HOME: "Registered care home",
    AccommodationStatus.NURSING_HOME: "Registered nursing home",
    AccommodationStatus.PRISON: "Prison, young offenders institution or detention centre",
    AccommodationStatus.OTHER_TEMPORARY: "Other temporary accommodation",
    AccommodationStatus.NOT_KNOWN: "Unknown",
}

EMPLOYMENT_STATUS: dict[EmploymentStatus, str] = {
    EmploymentStatus.PAID_UNDER_16_HOURS: "Paid: Less than 16 hours a week",
    EmploymentStatus.PAID_16_HOURS_OR_MORE: "Paid: 16 or more hours a week",
    EmploymentStatus.PAID_HOURS_NOT_KNOWN: "Paid: Hours per week unknown",
    EmploymentStatus.SEEKING_WORK: "Not in paid employment: Seeking work",
    EmploymentStatus.VOLUNTARY_WORK_ONLY: "Not in paid employment: Voluntary work only",
    EmploymentStatus.NOT_SEEKING_WORK_OR_RETIRED: "Not in paid employment: Not actively seeking work or retired",
    EmploymentStatus.NOT_KNOWN: "Unknown",
}

KNOWN: dict[Known, str] = {Known.YES: "Yes", Known.NO: "No", Known.NOT_KNOWN: "Unknown"}

# The record keeps the six headings of the primary support reason; the return's finer reasons
# within a heading are not recorded, so each heading goes to the reason the council's caseload
# mostly has under it (the loss is named in docs/asc-cld.md).
PRIMARY_SUPPORT_REASON: dict[PrimarySupportReason, str] = {
    PrimarySupportReason.PHYSICAL_SUPPORT: "Physical support: Personal care support",
    PrimarySupportReason.SENSORY_SUPPORT: "Sensory support: Support for dual impairment",
    PrimarySupportReason.SUPPORT_WITH_MEMORY_AND_COGNITION: "Support with memory and cognition",
    PrimarySupportReason.LEARNING_DISABILITY_SUPPORT: "Learning disability support",
    PrimarySupportReason.MENTAL_HEALTH_SUPPORT: "Mental health support",
    PrimarySupportReason.SOCIAL_SUPPORT: "Social support: Support for social isolation or other",
}

ROUTE_OF_ACCESS: dict[ReferralRoute, str] = {
    ReferralRoute.SELF: "Community or other route",
    ReferralRoute.FAMILY: "Community or other route",
    ReferralRoute.GP: "Community or other route",
    ReferralRoute.HOSPITAL_DISCHARGE: "Discharge from hospital",
    ReferralRoute.REABLEMENT: "Community or other route",
    ReferralRoute.COMMUNITY: "Community or other route",
    ReferralRoute.OTHER: "Community or other route",
}

REQUEST_OUTCOME: dict[ScreeningOutcome, str] = {
    ScreeningOutcome.PROCEED_TO_ASSESSMENT: "Progress to assessment, review or reassessment",
    ScreeningOutcome.REABLEMENT: "Progress to reablement/ST-Max",
    ScreeningOutcome.INFORMATION_AND_ADVICE: "NFA: Information and advice or signposting",
}

# An assessment's method: the adult's; a combined assessment is a joint one with a carer, whose
# method (face to face or remote) the record does not keep, so it is left blank (not mandatory).
METHOD_OF_ASSESSMENT: dict[AssessmentMethod, str | None] = {
    AssessmentMethod.FACE_TO_FACE: "Face to face",
    AssessmentMethod.SUPPORTED_SELF_ASSESSMENT: "Supported self-assessment",
    AssessmentMethod.SELF_ASSESSMENT: "Unsupported self-assessment",
    AssessmentMethod.COMBINED: None,
}
ADULT_ASSESSMENT_TYPE = "Long term assessment"
CARER_ASSESSMENT_TYPE: dict[CarerAssessmentMethod, str] = {
    CarerAssessmentMethod.SEPARATE: "Unpaid carer assessment",
    CarerAssessmentMethod.COMBINED: "Combined unpaid carer assessment",
}
ELIGIBLE_OUTCOME = "Progress to support planning or services"
NOT_ELIGIBLE_OUTCOME = "NFA: Information and advice or signposting"  # with the s.13(5) written advice

# Hours caring a week, the carer's assessment's figure, in the return's bands: (at most, band).
HOURS_CARING_BANDS: tuple[tuple[int, str], ...] = (
    (9, "0 to 9 hours"),
    (19, "10 to 19 hours"),
    (34, "20 to 34 hours"),
    (49, "35 to 49 hours"),
)
FIFTY_OR_MORE = "50 or more hours"


def hours_caring_band(hours: int | None) -> str:
    if hours is None:
        return "Unknown"
    return next((band for most, band in HOURS_CARING_BANDS if hours <= most), FIFTY_OR_MORE)


# Services. A plan line's spending category is its service component; the person and the plan's
# kind give the service type; how the line is held gives the delivery mechanism.
SERVICE_COMPONENT: dict[SpendCategory, str] = {
    SpendCategory.PERSONAL_CARE: "Home support or domiciliary care",
    SpendCategory.INTIMATE_CARE_FOR_CARED_FOR_PERSON: "Home support or domiciliary care",
    SpendCategory.DAY_OPPORTUNITIES: "Day care",
    SpendCategory.REPLACEMENT_CARE_BREAK: "Respite",
    SpendCategory.RESIDENTIAL_RESPITE: "Short term residential care",
    SpendCategory.EQUIPMENT: "Equipment",
    SpendCategory.TRANSPORT: "Transport",
    SpendCategory.LEISURE_AND_WELLBEING: "Other",
    SpendCategory.EDUCATION_OR_TRAINING: "Other",
    SpendCategory.HOUSEHOLD_HELP: "Home support or domiciliary care",
    # Never in a plan (the spending rules refuse them); mapped so the table is whole.
    SpendCategory.ALCOHOL: "Other",
    SpendCategory.TOBACCO: "Other",
    SpendCategory.GAMBLING: "Other",
    SpendCategory.RENT_OR_MORTGAGE: "Other",
    SpendCategory.DEBTS: "Other",
    SpendCategory.UTILITY_BILLS: "Other",
    SpendCategory.FOOD: "Other",
}
ADULT_LONG_TERM = "Long term support: Community"
ADULT_SHORT_TERM = "Short term support: Other short term"  # a temporary plan, urgent interim support
REABLEMENT_TYPE, REABLEMENT_COMPONENT = "Short term support: ST-Max", "Reablement"
CARER_DIRECT = "Unpaid carer support: Direct to unpaid carer"
CARER_INVOLVING_THE_CARED_FOR = "Unpaid carer support: Support involving the person cared-for"
CARER_SERVICE_TYPE: dict[SpendCategory, str] = {SpendCategory.REPLACEMENT_CARE_BREAK: CARER_INVOLVING_THE_CARED_FOR}

DELIVERY_MECHANISM: dict[BudgetManagement, str] = {
    BudgetManagement.DIRECT_PAYMENT: "Direct payment",
    BudgetManagement.THIRD_PARTY_MANAGED_ACCOUNT: "Direct payment",  # a direct payment another manages
    BudgetManagement.INDIVIDUAL_SERVICE_FUND: "CASSR managed personal budget",
    BudgetManagement.MIX: "CASSR managed personal budget",
    BudgetManagement.COUNCIL_MANAGED: "CASSR commissioned support",
}
COMMISSIONED = DELIVERY_MECHANISM[BudgetManagement.COUNCIL_MANAGED]

COST_FREQUENCY: dict[Frequency, str] = {
    Frequency.WEEKLY: "Weekly",
    Frequency.FORTNIGHTLY: "Fortnightly",
    Frequency.FOUR_WEEKLY: "4-weekly",
    Frequency.MONTHLY: "Monthly",
    Frequency.QUARTERLY: "Quarterly",
    Frequency.ANNUAL: "Annually",
    Frequency.ONE_OFF: "One-off",
}
# Units a week from units a period (none for a one-off).
WEEKS_PER_PERIOD: dict[Frequency, float | None] = {
    Frequency.WEEKLY: 1,
    Frequency.FORTNIGHTLY: 2,
    Frequency.FOUR_WEEKLY: 4,
    Frequency.MONTHLY: 52 / 12,
    Frequency.QUARTERLY: 13,
    Frequency.ANNUAL: 52,
    Frequency.ONE_OFF: None,
}

# How a service ended: the person's involvement ending, the case closing, a period of reablement
# ending, or a newer signed-off plan replacing it.
SERVICE_ENDED_BY_INVOLVEMENT: dict[InvolvementEndReason, str] = {
    InvolvementEndReason.ADULT_DIED: "NFA: Deceased",
    InvolvementEndReason.CARER_DIED: "NFA: Deceased",
    InvolvementEndReason.MOVED_TO_RESIDENTIAL_CARE: "Progress to support planning or services",
    InvolvementEndReason.MOVED_TO_ANOTHER_COUNCIL: "NFA: Responsibility moved to another local authority",
    InvolvementEndReason.NO_LONGER_ELIGIBLE: "NFA: Support ended for other reason",
    InvolvementEndReason.NEEDS_MET: "NFA: Support ended as planned",
    InvolvementEndReason.DECLINED: "NFA: Support declined",
    InvolvementEndReason.CARER_STOPPED_CARING: "NFA: Support ended for other reason",
    InvolvementEndReason.CASE_CLOSED: "NFA: Other",
}
SERVICE_ENDED_BY_CLOSURE: dict[ClosureReason, str] = {
    ClosureReason.NEEDS_MET: "NFA: Support ended as planned",
    ClosureReason.MOVED_AWAY: "NFA: Responsibility moved to another local authority",
    ClosureReason.DECEASED: "NFA: Deceased",
    ClosureReason.MOVED_TO_RESIDENTIAL_CARE: "Progress to support planning or services",
    ClosureReason.DECLINED: "NFA: Support declined",
    ClosureReason.NO_LONGER_ELIGIBLE: "NFA: Support ended for other reason",
    ClosureReason.INFORMATION_AND_ADVICE_ONLY: "NFA: Information and advice or signposting",
}
SERVICE_REPLACED = "Continuation of support or services"  # a newer signed-off plan took over
SERVICE_LINE_ENDED = "NFA: Support ended as planned"  # the plan line's own end date
INTERIM_ENDED = "Progress to support planning or services"
REABLEMENT_ENDED: dict[ReablementOutcome, str] = {
    ReablementOutcome.NEEDS_MET: "NFA: Support ended as planned",
    ReablementOutcome.ONGOING_NEEDS: "Progress to assessment, review or reassessment",
    ReablementOutcome.DECLINED: "NFA: Support declined",
}

# Reviews: planned kinds are "Planned"; an unplanned review's reason gives the return's.
REVIEW_REASON_PLANNED = "Planned"
PLANNED_REVIEWS = frozenset({ReviewKind.PLANNED_FIRST, ReviewKind.PLANNED_ANNUAL, ReviewKind.DIRECT_PAYMENT_FIRST})
UNPLANNED_REVIEW_REASON: dict[ReviewReason, str] = {
    ReviewReason.SCHEDULED: REVIEW_REASON_PLANNED,
    ReviewReason.PERSON_REQUESTED: "Unplanned: Request from the person or their unpaid carer",
    ReviewReason.CARER_REQUESTED: "Unplanned: Request from the person or their unpaid carer",
    ReviewReason.CHANGE_OF_CIRCUMSTANCES: "Unplanned: Change in circumstances",
    ReviewReason.SAFEGUARDING: "Unplanned: Safeguarding",
    ReviewReason.LINKED_PERSON_CHANGED: "Unplanned: Change in circumstances",
}
REVIEW_OUTCOME: dict[ReviewOutcome, str] = {
    ReviewOutcome.NO_CHANGE: "Continuation of support or services",
    ReviewOutcome.REVISE_PLAN: "Progress to support planning or services",
    ReviewOutcome.REASSESS: "Progress to assessment, review or reassessment",
    ReviewOutcome.CLOSE: "NFA: Support ended as planned",
}

# The funding status of a service user's services, from their s.26 statement.
FULLY_SOCIAL_CARE_FUNDED = "Fully social care funded"
JOINT_FUNDED = "Joint client and social care funded"
FULLY_CLIENT_FUNDED = "Fully client funded"
FUNDING_NOT_KNOWN = "Unknown"


def client_funding_status(contribution_pence: int | None, cost_pence: int | None) -> str:
    """No financial assessment: not known; the person pays nothing, part or all of the cost."""
    if contribution_pence is None or cost_pence is None:
        return FUNDING_NOT_KNOWN
    if contribution_pence <= 0:
        return FULLY_SOCIAL_CARE_FUNDED
    return FULLY_CLIENT_FUNDED if contribution_pence >= cost_pence else JOINT_FUNDED


# Every table, named as docs/asc-cld.md shows it: (the return's field, the product's words, the table).
TABLES: tuple[tuple[str, str, Mapping[Any, Any]], ...] = (
    ("Gender", "gender (record-person-details)", GENDER),
    ("Ethnicity", "ethnicity (record-person-details)", ETHNICITY),
    ("Accommodation_Status", "accommodation_status (record-person-details)", ACCOMMODATION_STATUS),
    ("Employment_Status", "employment_status (record-person-details)", EMPLOYMENT_STATUS),
    ("Autism_Spectrum_Disorder_ASD, Visual_Impairment, Hearing_Impairment, Dementia", "each condition", KNOWN),
    ("Primary_Support_Reason", "primary_support_reason (the referral)", PRIMARY_SUPPORT_REASON),
    ("Request_Route_of_Access", "route (the referral)", ROUTE_OF_ACCESS),
    ("Event_Outcome (requests)", "screening outcome", REQUEST_OUTCOME),
    ("Method_of_Assessment", "the adult's assessment method", METHOD_OF_ASSESSMENT),
    ("Assessment_Type (carers)", "the carer's assessment method", CARER_ASSESSMENT_TYPE),
    ("Service_Component", "a plan line's spending category", SERVICE_COMPONENT),
    ("Delivery_Mechanism", "how a plan line is held", DELIVERY_MECHANISM),
    ("Cost_Frequency_Unit_Type", "a plan line's frequency", COST_FREQUENCY),
    ("Event_Outcome (services)", "why a person's involvement ended", SERVICE_ENDED_BY_INVOLVEMENT),
    ("Event_Outcome (services)", "why the case closed", SERVICE_ENDED_BY_CLOSURE),
    ("Event_Outcome (services)", "how reablement ended", REABLEMENT_ENDED),
    ("Review_Reason", "an unplanned review's reason", UNPLANNED_REVIEW_REASON),
    ("Event_Outcome (reviews)", "a review's outcome", REVIEW_OUTCOME),
)
