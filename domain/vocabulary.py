"""The council's own words for the choices recorded on a case (see the glossary in README.md).

Every list a command may choose from lives here, so an outcome not in the list is refused with the
field named, and the event catalogue shows the allowed values.
"""

from __future__ import annotations

from enum import StrEnum


class ReferralRoute(StrEnum):
    SELF = "self"
    FAMILY = "family"
    GP = "gp"
    HOSPITAL_DISCHARGE = "hospital_discharge"
    REABLEMENT = "reablement"
    COMMUNITY = "community"
    OTHER = "other"


class ScreeningOutcome(StrEnum):
    PROCEED_TO_ASSESSMENT = "proceed_to_assessment"
    INFORMATION_AND_ADVICE = "information_and_advice"  # signposting: an outcome in its own right
    REABLEMENT = "reablement"  # s.2: time-limited reablement first, free, then a reassessment if needed


class PrimarySupportReason(StrEnum):
    """ASC-CLD Primary_Support_Reason, shortened."""

    PHYSICAL_SUPPORT = "physical_support"
    SENSORY_SUPPORT = "sensory_support"
    SUPPORT_WITH_MEMORY_AND_COGNITION = "support_with_memory_and_cognition"
    LEARNING_DISABILITY_SUPPORT = "learning_disability_support"
    MENTAL_HEALTH_SUPPORT = "mental_health_support"
    SOCIAL_SUPPORT = "social_support"


class AssessmentMethod(StrEnum):
    FACE_TO_FACE = "face_to_face"
    SUPPORTED_SELF_ASSESSMENT = "supported_self_assessment"
    SELF_ASSESSMENT = "self_assessment"
    COMBINED = "combined"  # joint adult and carer assessment: needs each person's consent (A3)


class CarerAssessmentMethod(StrEnum):
    SEPARATE = "separate"
    COMBINED = "combined"


class RefusalException(StrEnum):
    """s.11(2): a refusal does not end the duty to assess in these situations."""

    LACKS_CAPACITY_BEST_INTERESTS = "lacks_capacity_best_interests"
    AT_RISK_OF_ABUSE_OR_NEGLECT = "at_risk_of_abuse_or_neglect"


class AssessmentRequestReason(StrEnum):
    """s.11(1)/(3): after a refusal the duty returns when the adult asks or circumstances change."""

    ADULT_ASKED = "adult_asked"
    CIRCUMSTANCES_CHANGED = "circumstances_changed"
    REVIEW_REDUCTION = "review_reduction"  # a budget is never cut without a reassessment


class BudgetManagement(StrEnum):
    DIRECT_PAYMENT = "direct_payment"
    COUNCIL_MANAGED = "council_managed"
    INDIVIDUAL_SERVICE_FUND = "individual_service_fund"
    THIRD_PARTY_MANAGED_ACCOUNT = "third_party_managed_account"
    MIX = "mix"


class ReablementOutcome(StrEnum):
    """How a period of reablement ended."""

    NEEDS_MET = "needs_met"  # the person regained their independence: the case closes
    ONGOING_NEEDS = "ongoing_needs"  # needs remain: the case goes on to assessment, no new referral
    DECLINED = "declined"  # the person stopped or refused the reablement: the case closes


class ContinuingHealthcareOutcome(StrEnum):
    """Where an NHS continuing healthcare referral stands (the checklist, then the NHS's decision)."""

    PENDING = "pending"  # the checklist was done and the person referred; the NHS has not decided
    ELIGIBLE = "eligible"  # a primary health need: the NHS funds the whole package (s.22)
    NOT_ELIGIBLE = "not_eligible"
    JOINT_PACKAGE = "joint_package"  # the NHS funds part of the package beside the council


class Funder(StrEnum):
    """Who pays a share of a jointly funded plan line."""

    COUNCIL = "council"
    NHS = "nhs"  # the integrated care board: NHS continuing healthcare or a joint package
    OTHER = "other"  # another body (housing, a charity, the person's employer's scheme)


class InterimSupportKind(StrEnum):
    """Support put in place before the assessments finish."""

    URGENT_INTERIM = "urgent_interim"  # s.19(3): urgent needs met before an assessment is complete
    TEMPORARY_SHORT_TERM = "temporary_short_term"  # e.g. after a hospital discharge, until planned


class PlanKind(StrEnum):
    FULL = "full"
    TEMPORARY_SHORT_TERM = "temporary_short_term"
    FAST_TRACK = "fast_track"


class ProviderRelationship(StrEnum):
    """Who a plan line pays: a direct payment may not pay a close relative in the household (DP regs reg 3)."""

    AGENCY = "agency"
    PERSONAL_ASSISTANT = "personal_assistant"
    CLOSE_RELATIVE_SAME_HOUSEHOLD = "close_relative_same_household"
    CLOSE_RELATIVE_ELSEWHERE = "close_relative_elsewhere"
    COUNCIL_SERVICE = "council_service"
    OTHER = "other"


class SpendCategory(StrEnum):
    PERSONAL_CARE = "personal_care"
    INTIMATE_CARE_FOR_CARED_FOR_PERSON = "intimate_care_for_cared_for_person"
    DAY_OPPORTUNITIES = "day_opportunities"
    REPLACEMENT_CARE_BREAK = "replacement_care_break"
    RESIDENTIAL_RESPITE = "residential_respite"
    EQUIPMENT = "equipment"
    TRANSPORT = "transport"
    LEISURE_AND_WELLBEING = "leisure_and_wellbeing"
    EDUCATION_OR_TRAINING = "education_or_training"
    HOUSEHOLD_HELP = "household_help"
    ALCOHOL = "alcohol"
    TOBACCO = "tobacco"
    GAMBLING = "gambling"
    RENT_OR_MORTGAGE = "rent_or_mortgage"
    DEBTS = "debts"
    UTILITY_BILLS = "utility_bills"
    FOOD = "food"


class Frequency(StrEnum):
    ONE_OFF = "one_off"
    WEEKLY = "weekly"
    FORTNIGHTLY = "fortnightly"
    FOUR_WEEKLY = "four_weekly"
    MONTHLY = "monthly"
    QUARTERLY = "quarterly"
    ANNUAL = "annual"


class SignOffRoute(StrEnum):
    PANEL = "panel"
    DELEGATED = "delegated"  # team manager sign-off below the panel threshold
    EXCEPTION = "exception"  # a head of service, beyond the panel's limit (scheme of delegation)


class SignOffOutcome(StrEnum):
    APPROVED = "approved"
    APPROVED_WITH_CHANGES = "approved_with_changes"
    DEFERRED = "deferred"
    DECLINED = "declined"


class ChallengeOutcome(StrEnum):
    UPHELD = "upheld"
    PARTLY_UPHELD = "partly_upheld"
    NOT_UPHELD = "not_upheld"


class PaymentRecipient(StrEnum):
    """Who a payment instruction pays (its payee type)."""

    PERSON = "person"
    AUTHORISED_PERSON = "authorised_person"  # for an adult who lacks capacity
    NOMINEE = "nominee"  # someone the person asks to manage it
    MANAGED_ACCOUNT = "managed_account"  # a third-party managed account's holder
    ISF_PROVIDER = "isf_provider"  # the provider holding an individual service fund


# Holding a budget and the people who hold it (issue 18) ------------------------------------------


class RepresentativeRole(StrEnum):
    """Care and Support (Direct Payments) Regulations 2014: who receives a direct payment for another."""

    AUTHORISED_PERSON = "authorised_person"  # s.32: the adult lacks capacity to request one
    NOMINEE = "nominee"  # s.31: the adult has capacity and asks that someone else receives it


class RepresentativeCheck(StrEnum):
    """Checks the council may require of a representative before any money is paid to them."""

    DBS_CHECK = "dbs_check"  # required where the representative is a paid manager
    IDENTITY = "identity"
    REFERENCES = "references"


class CapacityDecision(StrEnum):
    """Capacity is decision-specific (Mental Capacity Act 2005 s.2): each is assessed on its own."""

    CONSENT_TO_DIRECT_PAYMENT = "consent_to_direct_payment"
    MANAGE_DIRECT_PAYMENT = "manage_direct_payment"
    CARE_AND_SUPPORT_ARRANGEMENTS = "care_and_support_arrangements"


class ReviewKind(StrEnum):
    PLANNED_FIRST = "planned_first"  # light touch, 6-8 weeks after sign-off
    PLANNED_ANNUAL = "planned_annual"
    DIRECT_PAYMENT_FIRST = "direct_payment_first"  # within the first 6 months of a direct payment
    UNPLANNED = "unplanned"


class ReviewReason(StrEnum):
    SCHEDULED = "scheduled"
    PERSON_REQUESTED = "person_requested"  # s.27: any reasonable request must be considered
    CARER_REQUESTED = "carer_requested"
    CHANGE_OF_CIRCUMSTANCES = "change_of_circumstances"
    SAFEGUARDING = "safeguarding"
    LINKED_PERSON_CHANGED = "linked_person_changed"  # the adult's and carers' reviews are coordinated


class ReviewOutcome(StrEnum):
    NO_CHANGE = "no_change"
    REVISE_PLAN = "revise_plan"
    REASSESS = "reassess"  # a reduction goes back through assessment and the gate
    CLOSE = "close"


class ClosureReason(StrEnum):
    NEEDS_MET = "needs_met"
    MOVED_AWAY = "moved_away"
    DECEASED = "deceased"
    MOVED_TO_RESIDENTIAL_CARE = "moved_to_residential_care"
    DECLINED = "declined"
    NO_LONGER_ELIGIBLE = "no_longer_eligible"
    INFORMATION_AND_ADVICE_ONLY = "information_and_advice_only"


class Stage(StrEnum):
    """Where the adult's side of a case stands; service levels are set per stage."""

    SCREENING = "screening"
    REABLEMENT = "reablement"  # screened to reablement: its planned end is the deadline, not a stage limit
    ASSESSMENT = "assessment"
    ELIGIBILITY = "eligibility"
    RESOURCE_ALLOCATION = "resource_allocation"
    FINANCIAL_ASSESSMENT = "financial_assessment"
    SUPPORT_PLANNING = "support_planning"
    SIGN_OFF = "sign_off"
    PAYMENT_SETUP = "payment_setup"
    IN_SERVICE = "in_service"
    REVIEW = "review"
    CLOSED = "closed"


class AdviceTopic(StrEnum):
    """What information and advice was given (Care Act 2014 s.4, and s.13(5) for needs not eligible)."""

    PREVENTION = "prevention"  # what can be done to prevent or delay the development of needs (s.2)
    MEETING_OR_REDUCING_NEEDS = "meeting_or_reducing_needs"  # s.13(5)(a)
    UNIVERSAL_AND_COMMUNITY_SERVICES = "universal_and_community_services"
    CARERS_SUPPORT = "carers_support"
    HOUSING = "housing"
    BENEFITS_AND_MONEY = "benefits_and_money"
    INDEPENDENT_FINANCIAL_ADVICE = "independent_financial_advice"
    HEALTH = "health"
    SAFEGUARDING = "safeguarding"
    EQUIPMENT_AND_ADAPTATIONS = "equipment_and_adaptations"


class AdviceFormat(StrEnum):
    """How it was given: s.13(5) asks for *written* advice where needs are not eligible."""

    WRITTEN = "written"
    EASY_READ = "easy_read"  # written, in an accessible format
    VERBAL = "verbal"
    VERBAL_AND_WRITTEN = "verbal_and_written"


WRITTEN_ADVICE = frozenset({AdviceFormat.WRITTEN, AdviceFormat.EASY_READ, AdviceFormat.VERBAL_AND_WRITTEN})


class AdvocacyStage(StrEnum):
    """Where the Care Act 2014 s.67 duty to consider an independent advocate arises."""

    ASSESSMENT = "assessment"  # needs assessment or carer's assessment
    PLANNING = "planning"  # care and support plan or support plan
    REVIEW = "review"


class SafeguardingCategory(StrEnum):
    """The kinds of abuse and neglect of the Care and Support Statutory Guidance (14.17)."""

    PHYSICAL = "physical"
    DOMESTIC = "domestic"
    SEXUAL = "sexual"
    PSYCHOLOGICAL = "psychological"
    FINANCIAL_OR_MATERIAL = "financial_or_material"
    MODERN_SLAVERY = "modern_slavery"
    DISCRIMINATORY = "discriminatory"
    ORGANISATIONAL = "organisational"
    NEGLECT = "neglect"
    SELF_NEGLECT = "self_neglect"


class EnquiryOutcome(StrEnum):
    """Where a s.42 enquiry left the risk (as the Safeguarding Adults Collection counts it)."""

    RISK_REMOVED = "risk_removed"
    RISK_REDUCED = "risk_reduced"
    RISK_REMAINS = "risk_remains"
    NO_RISK_FOUND = "no_risk_found"


class InvolvementEndReason(StrEnum):
    """Why one person's involvement with the case ended (the others on the case carry on)."""

    ADULT_DIED = "adult_died"  # for the adult, or for a carer whose caring ended with the death
    MOVED_TO_RESIDENTIAL_CARE = "moved_to_residential_care"
    MOVED_TO_ANOTHER_COUNCIL = "moved_to_another_council"
    NO_LONGER_ELIGIBLE = "no_longer_eligible"
    NEEDS_MET = "needs_met"
    DECLINED = "declined"
    CARER_STOPPED_CARING = "carer_stopped_caring"
    CARER_DIED = "carer_died"
    CASE_CLOSED = "case_closed"  # the case closed for a reason that names no ending of its own


class RecoveredFrom(StrEnum):
    """Who direct payment money is recovered from."""

    PERSON = "person"
    REPRESENTATIVE = "representative"
    ESTATE = "estate"


class SharedRecordKind(StrEnum):
    """What the sending council shares with the receiving council when an adult moves (Care Act
    2014 s.37(7)): the latest assessments and plans, and the personal budget."""

    NEEDS_ASSESSMENT = "needs_assessment"
    CARERS_ASSESSMENT = "carers_assessment"
    ELIGIBILITY = "eligibility"
    SUPPORT_PLAN = "support_plan"
    PERSONAL_BUDGET = "personal_budget"
    FINANCIAL_ASSESSMENT = "financial_assessment"


class RecordRecipient(StrEnum):
    """Who a person's exported record was given to."""

    PERSON = "person"
    REPRESENTATIVE = "representative"
    RECEIVING_COUNCIL = "receiving_council"


class DocumentKind(StrEnum):
    """The documents the council gives a person from the record (Care Act 2014 s.13, s.25, s.26,
    and the reasons for its decisions): each made from recorded events only (domain/documents)."""

    ELIGIBILITY_DETERMINATION = "eligibility_determination"
    PERSONAL_BUDGET_STATEMENT = "personal_budget_statement"
    SUPPORT_PLAN = "support_plan"
    DIRECT_PAYMENT_AGREEMENT = "direct_payment_agreement"
    REVIEW_OUTCOME = "review_outcome"
    CHALLENGE_OUTCOME = "challenge_outcome"


class DocumentDelivery(StrEnum):
    """How a document was given to the person."""

    POST = "post"
    EMAIL = "email"
    BY_HAND = "by_hand"
    PORTAL = "portal"


# Who a person is, as the council's statutory returns count them (the ASC-CLD return, decision 0045) --


class Gender(StrEnum):
    MALE = "male"
    FEMALE = "female"
    OTHER = "other"  # the person describes their gender another way
    NOT_STATED = "not_stated"  # the person did not say, or the council does not know


class Ethnicity(StrEnum):
    """The census groups, as the person describes themself (or refuses, or is not known)."""

    WHITE_BRITISH = "white_british"
    WHITE_IRISH = "white_irish"
    WHITE_GYPSY_OR_IRISH_TRAVELLER = "white_gypsy_or_irish_traveller"
    WHITE_ROMA = "white_roma"
    WHITE_OTHER = "white_other"
    MIXED_WHITE_AND_BLACK_CARIBBEAN = "mixed_white_and_black_caribbean"
    MIXED_WHITE_AND_BLACK_AFRICAN = "mixed_white_and_black_african"
    MIXED_WHITE_AND_ASIAN = "mixed_white_and_asian"
    MIXED_OTHER = "mixed_other"
    ASIAN_INDIAN = "asian_indian"
    ASIAN_PAKISTANI = "asian_pakistani"
    ASIAN_BANGLADESHI = "asian_bangladeshi"
    ASIAN_CHINESE = "asian_chinese"
    ASIAN_OTHER = "asian_other"
    BLACK_AFRICAN = "black_african"
    BLACK_CARIBBEAN = "black_caribbean"
    BLACK_OTHER = "black_other"
    ARAB = "arab"
    OTHER = "other"
    REFUSED = "refused"
    NOT_KNOWN = "not_known"


class AccommodationStatus(StrEnum):
    """Where the person usually lives."""

    OWNER_OCCUPIER = "owner_occupier"  # or a shared ownership scheme
    SOCIAL_TENANT = "social_tenant"  # the council or a housing association
    PRIVATE_TENANT = "private_tenant"
    WITH_FAMILY_OR_FRIENDS = "with_family_or_friends"  # settled, in their home
    SUPPORTED_ACCOMMODATION = "supported_accommodation"  # supported lodgings, a supported group home
    SHARED_LIVES = "shared_lives"
    APPROVED_PREMISES = "approved_premises"  # released from prison or under probation supervision
    SHELTERED_OR_EXTRA_CARE_HOUSING = "sheltered_or_extra_care_housing"
    TRAVELLER_SITE = "traveller_site"  # mobile accommodation for Gypsy, Roma and Traveller communities
    ROUGH_SLEEPING = "rough_sleeping"  # or squatting
    NIGHT_SHELTER_OR_HOSTEL = "night_shelter_or_hostel"
    REFUGE = "refuge"
    TEMPORARY_ACCOMMODATION_BY_THE_COUNCIL = "temporary_accommodation_by_the_council"
    SHORT_STAY_WITH_FAMILY_OR_FRIENDS = "short_stay_with_family_or_friends"
    HOSPITAL = "hospital"  # an acute hospital or a long-term healthcare residential facility
    CARE_HOME = "care_home"
    NURSING_HOME = "nursing_home"
    PRISON = "prison"  # a young offenders institution or a detention centre too
    OTHER_TEMPORARY = "other_temporary"
    NOT_KNOWN = "not_known"


class EmploymentStatus(StrEnum):
    PAID_UNDER_16_HOURS = "paid_under_16_hours"  # a week
    PAID_16_HOURS_OR_MORE = "paid_16_hours_or_more"
    PAID_HOURS_NOT_KNOWN = "paid_hours_not_known"
    SEEKING_WORK = "seeking_work"
    VOLUNTARY_WORK_ONLY = "voluntary_work_only"
    NOT_SEEKING_WORK_OR_RETIRED = "not_seeking_work_or_retired"
    NOT_KNOWN = "not_known"


class Known(StrEnum):
    """Whether a condition is known to the council: a diagnosis or the person's own account."""

    YES = "yes"
    NO = "no"
    NOT_KNOWN = "not_known"
