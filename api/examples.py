"""One worked example per command body, for the OpenAPI document.

Taken in order they tell one case: Margaret Oduya, 85, referred on discharge after a fall, her son
Daniel her carer, to a direct payment and a review. Each body is checked against its command's
own type when the document is built (a body that no longer fits fails the build, not a client),
and every one is one the case record accepts at its point of that story (tests/e2e sends them).
The agreement starts today, inside the council's window, whenever the document is served.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any, Literal
from uuid import UUID

from domain.commands import COMMANDS
from domain.errors import InvalidInput
from domain.people import Role
from domain.ras import RuleSet, check_answers

EXAMPLE_CASE = UUID("00000000-0000-4000-8000-000000000001")
ADULT = "adult-1"
CARER = "carer-1"
AGREEMENT = "dp-1"

# What the case record stamps on a command itself (from the path, the key and Idempotency-Key),
# so never part of a body.
NOT_IN_THE_BODY = {"case_id", "command_id", "actor"}

ADULT_FINDINGS = {
    "needs_arise_from_impairment_or_illness": True,
    "unable_to_achieve": {
        "nutrition": ["needs_assistance"],
        "personal_hygiene": ["needs_assistance"],
        "toilet_needs": ["needs_assistance", "significant_pain_distress_or_anxiety"],
        "using_home_safely": ["endangers_health_or_safety"],
    },
    "significant_impact_on_wellbeing": True,
    "carer_currently_helps_with": ["nutrition", "personal_hygiene"],
}
ADULT_RAS_ANSWERS = {
    "nutrition": "some_help",
    "personal_hygiene": "full_help",
    "toilet_needs": "some_help",
    "clothing": "some_help",
    "home_safety": "with_difficulty",
    "habitable_home": "some_help",
    "relationships": "with_difficulty",
    "work_education": "achieves",
    "community": "some_help",
    "caring_for_child": "not_applicable",
}
CARER_FINDINGS = {
    "needs_arise_from_providing_necessary_care": True,
    "health_deteriorating_or_at_risk": True,
    "unable_to_achieve": {
        "recreation": ["needs_assistance"],
        "relationships": ["significant_pain_distress_or_anxiety"],
    },
    "significant_impact_on_wellbeing": True,
}
CARER_RAS_ANSWERS = {
    "health": "at_risk",
    "caring_for_child": "not_applicable",
    "caring_for_others": "not_applicable",
    "habitable_home": "achieves",
    "nutrition": "achieves",
    "relationships": "unable",
    "work_education": "unable",
    "community": "achieves",
    "recreation": "unable",
}
# Ten hours a week of a personal assistant at £23 an hour, paid four-weekly as a direct payment
# (10 × 2,300 × 4 = 92,000 pence), within the adult's indicative budget.
WEEKLY_HOURS, HOURLY_PENCE = 10, 2_300
FOUR_WEEKLY_PENCE = WEEKLY_HOURS * HOURLY_PENCE * 4


def support_plan(contingency: str = "agency cover from the council's framework if the PA is ill") -> dict[str, Any]:
    return {
        "kind": "full",
        "needs": [f"{ADULT}: help with personal care each morning"],
        "outcomes": ["to stay living at home safely"],
        "lines": [
            {
                "need": "personal care",
                "what": "personal assistant, morning visits",
                "category": "personal_care",
                "provider": "personal_assistant",
                "provider_name": "Jo Smith PA",
                "frequency": "weekly",
                "units_per_period": WEEKLY_HOURS,
                "unit_cost_pence": HOURLY_PENCE,
                "held_as": "direct_payment",
            }
        ],
        "management": "direct_payment",
        "contingency": contingency,
        "risks": [{"risk": "falls at night", "how_managed": "pendant alarm and evening check call"}],
        "direct_payment_pence": FOUR_WEEKLY_PENCE,
        "direct_payment_frequency": "four_weekly",
    }


def interim_line(starts_on: str) -> dict[str, Any]:
    """A home care line the council commissions at once, before the assessments finish."""
    return {
        "need": "personal care after discharge",
        "what": "home care, morning and evening visits, six days a week",
        "category": "personal_care",
        "provider": "agency",
        "provider_name": "Brightside Home Care",
        "frequency": "weekly",
        "units_per_period": 12,
        "unit_cost_pence": 2_300,
        "held_as": "council_managed",
        "starts_on": starts_on,
    }


def example_bodies(today: str) -> dict[str, dict[str, Any]]:
    """Every command's example body, in the story's order."""
    return {
        "ReceiveReferral": {
            "team": "east-locality",
            "route": "hospital_discharge",
            "reason": "discharge after a fall at home",
            "adult_id": ADULT,
            "adult_name": "Margaret Oduya",
            "adult_date_of_birth": "1941-03-02",
            "primary_support_reason": "physical_support",
        },
        "ScreenReferral": {"outcome": "proceed_to_assessment", "reasons": "needs appear to be ongoing"},
        "AllocateCase": {"worker_id": "sw-ayesha", "reason": "allocated at the team's allocation meeting"},
        "EscalateCase": {"reason": "assessment overdue and the worker is off sick", "escalated_to": "tm-morgan"},
        "ResolveEscalation": {"outcome": "reallocated within the team"},
        "RestrictCase": {
            "staff_ids": ["tm-morgan", "sw-ayesha"],
            "reason": "the adult is a close relative of a member of the team",
        },
        "ChangeCaseRestriction": {
            "staff_ids": ["tm-morgan", "sw-ben"],
            "reason": "the case was reallocated within the restriction",
        },
        "LiftCaseRestriction": {"reason": "the member of staff has left the council"},
        "IdentifyCarer": {
            "carer_id": CARER,
            "name": "Daniel Oduya",
            "date_of_birth": "1968-07-11",
            "relationship_to_adult": "son",
            "lives_with_adult": True,
            # Who he is across cases: the same id on his father's case links his carer's record.
            "council_person_id": "LA-0042117",
        },
        # The referral (always version 1) misread her date of birth from the discharge letter.
        "CorrectRecordedFact": {
            "event_version": 1,
            "field": "adult_date_of_birth",
            "corrected_value": "1941-03-20",
            "reason": "misread from the discharge letter; her passport shows 20 March 1941",
        },
        "AcceptCarerAssessment": {"carer_id": CARER},
        "DeclineCarerAssessment": {"carer_id": CARER, "reason": "does not want an assessment now"},
        "RequestCarerAssessment": {"carer_id": CARER, "reason": "caring has got harder"},
        "RecordCombinedAssessmentConsent": {"person_id": ADULT, "consented": True},
        "RecordPersonDetails": {
            "person_id": ADULT,
            "gender": "female",
            "ethnicity": "black_caribbean",
            "accommodation_status": "owner_occupier",
            "employment_status": "not_seeking_work_or_retired",
            "postcode": "NM4 2QT",
            "gp_practice_code": "Y01234",
            "visual_impairment": "yes",
        },
        "StartNeedsAssessment": {"method": "face_to_face"},
        "CompleteNeedsAssessment": {
            "findings": ADULT_FINDINGS,
            "ras_answers": ADULT_RAS_ANSWERS,
            "has_capacity": True,
            "summary": "needs help with personal care and meals",
        },
        "RecordAssessmentRefusal": {"reason": "does not want the council involved"},
        "RequestNeedsAssessment": {"reason": "adult_asked"},
        "StartCarerAssessment": {"carer_id": CARER, "method": "separate"},
        "CompleteCarerAssessment": {
            "carer_id": CARER,
            "findings": CARER_FINDINGS,
            "hours_caring_per_week": 35,
            "willing_to_continue_caring": True,
            "able_to_continue_caring": True,
            "support_level": "regular",
            "wellbeing_impact": "substantial",
            "outcomes_wanted": ["leisure", "work"],
            "ras_answers": CARER_RAS_ANSWERS,
            "summary": "caring most evenings and weekends; no breaks",
        },
        "DetermineEligibility": {"person_id": ADULT},
        "CalculateIndicativeBudget": {"person_id": ADULT},
        "OverrideBudgetCap": {
            "person_id": ADULT,
            "approved_pence": 2_100_000,
            "reasons": "no cheaper way meets the eligible needs",
        },
        "CompleteFinancialAssessment": {"person_id": ADULT, "assessed_contribution_pence": 150_000},
        "ChallengeBudget": {
            "person_id": ADULT,
            "challenge_id": "ch-1",
            "grounds": "the figure does not cover night care",
        },
        "ResolveChallenge": {
            "person_id": ADULT,
            "challenge_id": "ch-1",
            "outcome": "upheld",
            "revised_pence": 1_400_000,
            "reasons": "night care was left out",
        },
        "DraftSupportPlan": {"person_id": ADULT, "plan": support_plan()},
        # The revision keeps the direct payment the agreement below follows.
        "ReviseSupportPlan": {
            "person_id": ADULT,
            "plan": support_plan(contingency="a second personal assistant on the rota"),
            "reason": "more hours after review",
        },
        # The plan's cost is outside the council's tolerance of the figure revised on challenge.
        "SubmitSupportPlan": {
            "person_id": ADULT,
            "variance_reason": "ten hours a week of a personal assistant meet her needs; night care is not needed now",
        },
        "RecordSignOffDecision": {
            "person_id": ADULT,
            "route": "delegated",
            "outcome": "approved",
            "reasons": "meets eligible needs",
        },
        # Margaret has capacity to consent to a direct payment and asks for one herself; she asks
        # that her son be her nominee (an authorised person is only for an adult who lacks capacity,
        # so that example is refused in this story).
        "RecordCapacityAssessment": {
            "person_id": ADULT,
            "decision": "consent_to_direct_payment",
            "has_capacity": True,
            "assessed_by": "sw-ayesha",
            "assessed_on": "2026-01-05",
            "notes": "understands, retains and weighs what a direct payment involves",
        },
        "RecordDirectPaymentRequest": {"person_id": ADULT, "requested_by_id": ADULT, "requested_on": "2026-01-05"},
        "GiveInformationAndAdvice": {
            "person_id": ADULT,
            "topics": ["prevention", "meeting_or_reducing_needs", "universal_and_community_services"],
            "format": "easy_read",
            "given_on": "2026-01-05",
            "given_by": "sw-ayesha",
            "notes": "lunch club twice a week; falls prevention classes at the leisure centre",
        },
        "StartReablement": {
            "starts_on": "2026-01-05",
            "planned_end_on": "2026-02-16",
            "provider_name": "Northmoor Reablement Team",
            "what": "reablement visits: washing, dressing and kitchen skills, twice a day",
            "weekly_cost_pence": 42_000,
        },
        "EndReablement": {
            "ended_on": "2026-02-16",
            "outcome": "ongoing_needs",
            "notes": "walking safely indoors; still needs help to wash and dress each morning",
        },
        "ReferForContinuingHealthcare": {
            "person_id": ADULT,
            "checklist_on": "2026-01-12",
            "referred_on": "2026-01-13",
            "notes": "the checklist found behaviour and breathing needs at the level for a full assessment",
        },
        "RecordContinuingHealthcareDecision": {
            "person_id": ADULT,
            "outcome": "joint_package",
            "decided_on": "2026-02-09",
            "reasons": "not a primary health need; the NHS funds the overnight nursing beside the council's package",
        },
        "ArrangeInterimSupport": {
            "person_id": ADULT,
            "interim_id": "interim-1",
            "kind": "urgent_interim",
            "reason": "discharged from hospital today; cannot wash or dress alone until assessed",
            "lines": [interim_line("2026-01-05")],
            "review_by": "2026-02-02",
        },
        "EndInterimSupport": {
            "person_id": ADULT,
            "interim_id": "interim-1",
            "ended_on": "2026-01-26",
            "reason": "recovered well; no longer needs the visits",
        },
        "RaiseSafeguardingConcern": {
            "concern_id": "sg-1",
            "person_id": ADULT,
            "category": "financial_or_material",
            "raised_on": "2026-01-20",
            "details": "cash withdrawn from the direct payment account without receipts",
        },
        "DecideSection42Enquiry": {
            "concern_id": "sg-1",
            "enquiry_needed": True,
            "reasons": "reasonable cause to suspect financial abuse; the adult cannot protect themselves",
        },
        "ConcludeSafeguardingEnquiry": {
            "concern_id": "sg-1",
            "outcome": "risk_reduced",
            "reasons": "a managed account now holds the payment",
        },
        "StartTransitionAssessment": {
            "carer_id": "carer-2",
            "reason": "17, caring for her mother every evening; likely to need support at college next year",
        },
        "CompleteTransitionAssessment": {
            "carer_id": "carer-2",
            "findings": CARER_FINDINGS,
            "summary": "a break two evenings a week once at college",
        },
        "ApplyAdultCarerRules": {"carer_id": "carer-2"},
        "MeetNeedsAtDiscretion": {
            "person_id": ADULT,
            "decided_on": "2026-01-05",
            "reasons": "a short package now prevents a likely hospital admission this winter",
        },
        "JudgeAdvocacyNeed": {
            "person_id": ADULT,
            "stage": "assessment",
            "substantial_difficulty": True,
            "judged_on": "2026-01-04",
            "reasons": "finds it hard to retain information; no family or friend able to support",
        },
        "RecordAdvocateInvolvement": {
            "person_id": ADULT,
            "stage": "assessment",
            "advocate_reference": "ADV-2291",
            "organisation": "County Advocacy Hub",
            "involved_from": "2026-01-04",
        },
        "RecordNominee": {
            "person_id": ADULT,
            "representative_id": "rep-1",
            "name": "Daniel Oduya",
            "relationship": "son",
            "consented": True,
            "consented_on": "2026-01-05",
            "requested_by_person": True,
            "requested_on": "2026-01-05",
        },
        "RecordAuthorisedPerson": {
            "person_id": ADULT,
            "representative_id": "rep-2",
            "name": "Daniel Oduya",
            "relationship": "son",
            "consented": True,
            "consented_on": "2026-01-05",
            "paid_manager": False,
            "checks": [{"check": "identity", "completed_on": "2026-01-05", "reference": "ID-0042"}],
            "best_interests_decision": "a direct payment her son manages keeps the personal assistant she knows",
            "best_interests_decided_by": "sw-ayesha",
            "best_interests_decided_on": "2026-01-05",
        },
        "MakeDirectPaymentAgreement": {
            "person_id": ADULT,
            "agreement_id": AGREEMENT,
            "recipient": "person",
            "recipient_id": ADULT,
            "start_date": today,
            "frequency": "four_weekly",
            "amount_per_payment_pence": FOUR_WEEKLY_PENCE,
        },
        "ConfirmArrearsPayment": {"agreement_id": AGREEMENT, "amount_pence": FOUR_WEEKLY_PENCE},
        # The same approved figure a year, paid weekly from four weeks on.
        "VaryDirectPaymentAgreement": {
            "agreement_id": AGREEMENT,
            "amount_per_payment_pence": FOUR_WEEKLY_PENCE // 4,
            "frequency": "weekly",
            "from_date": (date.fromisoformat(today) + timedelta(days=28)).isoformat(),
            "reason": "paid weekly at the person's request",
        },
        "SchedulePayment": {
            "agreement_id": AGREEMENT,
            "slot": 1,
            "due_on": "2026-02-02",
            "amount_pence": FOUR_WEEKLY_PENCE,
        },
        "IssuePayment": {"agreement_id": AGREEMENT, "slot": 1, "payment_reference": "PAY-0001"},
        "RecordPaymentFailure": {"agreement_id": AGREEMENT, "slot": 1, "reason": "bank account closed"},
        "SuspendDirectPayments": {"agreement_id": AGREEMENT, "reason": "in hospital"},
        "ResumeDirectPayments": {"agreement_id": AGREEMENT, "reason": "home again"},
        "EndDirectPaymentAgreement": {"agreement_id": AGREEMENT, "reason": "no longer needed"},
        "ReceiveMonitoringReturn": {
            "agreement_id": AGREEMENT,
            "period_start": "2026-02-02",
            "period_end": "2026-04-26",
            "spent_pence": 250_000,
            "items_over_threshold": 2,
            "receipts_over_threshold": 2,
            "underspend_pence": 26_000,
        },
        "RecoverUnspentFunds": {
            "agreement_id": AGREEMENT,
            "amount_pence": 26_000,
            "reason": "unspent after the first quarter",
        },
        "RecoverMisspentFunds": {
            "agreement_id": AGREEMENT,
            "amount_pence": 12_000,
            "reason": "a holiday abroad, not a need in the plan",
        },
        "RecoverPaymentsAfterStop": {
            "agreement_id": AGREEMENT,
            "stopped_from": "2026-03-02",
            "reason": "paid while in hospital",
        },
        "ScheduleReview": {"review_id": "rv-1", "person_ids": [ADULT], "kind": "planned_first", "due_on": "2026-03-30"},
        "RequestReview": {
            "review_id": "rv-9",
            "person_ids": [ADULT],
            "reason": "change_of_circumstances",
            "due_on": "2026-05-01",
        },
        "CompleteReview": {"review_id": "rv-1", "outcome": "no_change"},
        "CloseCase": {"reason": "needs_met"},
        "EndInvolvement": {
            "person_id": ADULT,
            "reason": "adult_died",
            "ended_on": "2026-03-15",
            "notes": "notified by her son",
        },
        "IssueFinalPayment": {"agreement_id": AGREEMENT},
        "RecoverOverpayment": {
            "agreement_id": AGREEMENT,
            "amount_pence": 49_286,
            "recovered_from": "estate",
            "reason": "paid in advance for days after her death",
        },
        "CloseDirectPaymentAccount": {
            "agreement_id": AGREEMENT,
            "write_off_pence": 500,
            "write_off_reason": "too small to pursue from the estate",
        },
        "NotifyMoveToAnotherCouncil": {
            "person_id": ADULT,
            "move_on": "2026-04-20",
            "receiving_council_code": "E09000001",
            "receiving_reference": "COL-ASC-5521",
            "notified_on": "2026-03-23",
        },
        "ShareInformationWithReceivingCouncil": {
            "person_id": ADULT,
            "kinds": ["needs_assessment", "carers_assessment", "support_plan", "personal_budget"],
            "shared_on": "2026-03-25",
        },
        "RecordReceivingCouncilAssessment": {"person_id": ADULT, "assessed_on": "2026-04-14"},
        "ContinueMeetingNeedsAfterMove": {
            "person_id": ADULT,
            "reasons": "the City of London has not assessed her by the move date; we go on paying until it has",
        },
        "RecordPersonRecordGiven": {
            "person_id": ADULT,
            "given_to": "receiving_council",
            "recipient_reference": "E09000001",
            "given_on": "2026-03-25",
            "version": 40,
        },
        "RecordDocumentIssued": {
            "kind": "personal_budget_statement",
            "person_id": ADULT,
            "source_versions": [14, 16, 21],
            "document_format": "pdf",
            "sha256": "9f86d081884c7d659a2feaa0c55ad015a3bf4f1b2b0b822cd15d6c15b0f00a08",
            "sent_by": "post",
        },
    }


# The commands whose bodies carry RAS answers, which only the council's rule set can say.
RAS_COMMANDS: dict[str, Literal["adult", "carer"]] = {
    "CompleteNeedsAssessment": "adult",
    "CompleteCarerAssessment": "carer",
}


def ras_example_answers(rule_set: RuleSet, subject: str) -> dict[str, str]:
    """An answer to every question of the rule set's adult or carer section: the first answer that
    scores, so the example prices to something (a tiered or flat carer's section has none)."""
    section = rule_set.adult if subject == "adult" else rule_set.carer
    answers = {}
    for question in section.questions:
        scoring = [code for code, points in question.answers.items() if points > 0]
        answers[question.id] = scoring[0] if scoring else next(iter(question.answers))
    return answers


def examples_in_force(rule_set: RuleSet) -> dict[str, dict[str, Any]]:
    """The assessments' example bodies with answers from the rule set in force, so each one is
    valid on whichever council serves the document (issue 13: the story's answers are Northmoor's)."""
    examples = command_examples()
    fitted = {}
    for name, subject in RAS_COMMANDS.items():
        body = examples[name]
        try:  # the story's own answers where they fit (the default council's), so the story still adds up
            check_answers(rule_set, subject, body.get("ras_answers", {}), complete=True)
        except InvalidInput:
            body = {**body, "ras_answers": ras_example_answers(rule_set, subject)}
        fitted[name] = body
    return fitted


def command_examples() -> dict[str, dict[str, Any]]:
    """Each command's example body, validated by the command's own type and written as a client
    would send it (with the defaults the type fills in)."""
    stamped = {"case_id": EXAMPLE_CASE, "actor": {"user_id": "example", "role": Role.TEAM_MANAGER}}
    examples = {}
    for index, (name, body) in enumerate(example_bodies(datetime.now(UTC).date().isoformat()).items(), start=1):
        command = COMMANDS[name].model_validate({**body, **stamped, "command_id": f"example-{index}"})
        examples[name] = command.model_dump(mode="json", exclude=NOT_IN_THE_BODY, exclude_none=True)
    return examples
