"""Commands for the story of a realistic case, used by ``carecase demo`` and by the tests.

``Scenario`` hands out one command at a time with a fresh command id; keyword arguments override
any default field, so a test names only what matters to it.
"""

from __future__ import annotations

import itertools
from datetime import date
from typing import Any
from uuid import UUID, uuid4

from api.examples import ADULT, ADULT_FINDINGS, ADULT_RAS_ANSWERS, CARER_FINDINGS, CARER_RAS_ANSWERS, interim_line
from domain import commands as c
from domain.people import Actor, Role

WORKER = Actor(user_id="sw-ayesha", role=Role.SOCIAL_WORKER)
MANAGER = Actor(user_id="tm-morgan", role=Role.TEAM_MANAGER)
PANEL = Actor(user_id="panel-chair", role=Role.PANEL_MEMBER)
FINANCE = Actor(user_id="fin-olu", role=Role.FINANCE_OFFICER)

VARIANCE_REASON = "the costed hours are what meeting the assessed needs takes, as agreed with the person"

# The scenario tells the story the API's worked examples tell: the same adult, answers and findings.
ADULT_ANSWERS = ADULT_RAS_ANSWERS
CARER_ANSWERS = CARER_RAS_ANSWERS


def plan_for(
    person: str,
    *,
    weekly_hours: int = 10,
    unit_cost_pence: int = 2_300,
    management: str = "direct_payment",
    **overrides: Any,
) -> dict[str, Any]:
    plan: dict[str, Any] = {
        "needs": [f"{person}: help with personal care each morning"],
        "outcomes": ["to stay living at home safely"],
        "lines": [
            {
                "need": "personal care",
                "what": "personal assistant, morning visits",
                "category": "personal_care",
                "provider": "personal_assistant",
                "provider_name": "Jo Smith PA",
                "frequency": "weekly",
                "units_per_period": weekly_hours,
                "unit_cost_pence": unit_cost_pence,
                "held_as": management,
            }
        ],
        "management": management,
        "contingency": "agency cover from the council's framework if the PA is ill",
        "risks": [{"risk": "falls at night", "how_managed": "pendant alarm and evening check call"}],
    }
    if management in PAID_OUT:
        # Paid four-weekly: the direct payment, the managed account's or the ISF provider's payment.
        plan["direct_payment_pence"] = weekly_hours * unit_cost_pence * 4
        plan["direct_payment_frequency"] = "four_weekly"
    if management == "individual_service_fund":
        plan["isf_provider"] = "Homecare North Ltd"
        plan["isf_reference"] = "ISF-0042"
    if management == "third_party_managed_account":
        plan["account_holder"] = "Northmoor Independent Living Trust"
        plan["account_reference"] = "MA-0042"
    if management == "mix":
        # The personal assistant by direct payment; a day centre the council commissions beside it.
        plan["lines"][0]["held_as"] = "direct_payment"
        plan["lines"].append(dict(COMMISSIONED_DAY_CENTRE))
    plan.update(overrides)
    return plan


# The council-managed part of a mixed budget: one day a week at a day centre, for a year.
COMMISSIONED_DAY_CENTRE: dict[str, Any] = {
    "need": "company and activity in the day",
    "what": "day centre, one day a week",
    "category": "day_opportunities",
    "provider": "agency",
    "provider_name": "Bridges Day Centre",
    "frequency": "weekly",
    "units_per_period": 1,
    "unit_cost_pence": 4_500,
    "held_as": "council_managed",
    "starts_on": "2026-02-02",
    "ends_on": "2027-01-31",
}
PAID_OUT = ("direct_payment", "mix", "individual_service_fund", "third_party_managed_account")


class Scenario:
    def __init__(self, case_id: UUID | None = None) -> None:
        self.case_id = case_id or uuid4()
        self._ids = itertools.count(1)

    def _make(self, cls: type[c.CaseCommand], defaults: dict[str, Any], overrides: dict[str, Any]) -> Any:
        fields = {"case_id": self.case_id, "command_id": f"cmd-{next(self._ids)}", "actor": WORKER}
        fields.update(defaults)
        fields.update(overrides)
        return cls.model_validate(fields)

    # Referral and carers
    def referral(self, **kw: Any) -> c.ReceiveReferral:
        return self._make(
            c.ReceiveReferral,
            {
                "team": "east-locality",
                "route": "hospital_discharge",
                "reason": "discharge after a fall at home",
                "adult_id": ADULT,
                "adult_name": "Margaret Oduya",
                "adult_date_of_birth": "1941-03-02",
                "primary_support_reason": "physical_support",
            },
            kw,
        )

    def screen(self, **kw: Any) -> c.ScreenReferral:
        return self._make(
            c.ScreenReferral, {"outcome": "proceed_to_assessment", "reasons": "needs appear to be ongoing"}, kw
        )

    def signpost(self, **kw: Any) -> c.ScreenReferral:
        """Screened to information and advice, with the advice given recorded."""
        return self._make(
            c.ScreenReferral,
            {
                "outcome": "information_and_advice",
                "reasons": "needs can be met by community services; signposted",
                "advice": {
                    "topics": ["universal_and_community_services", "prevention"],
                    "format": "verbal_and_written",
                    "given_on": "2026-01-05",
                    "given_by": "sw-ayesha",
                    "notes": "Age UK day centre on Tuesdays; falls prevention classes at the leisure centre",
                },
            },
            kw,
        )

    def allocate(self, worker_id: str = "sw-ayesha", **kw: Any) -> c.AllocateCase:
        return self._make(
            c.AllocateCase,
            {"worker_id": worker_id, "reason": "allocated at the team's allocation meeting", "actor": MANAGER},
            kw,
        )

    def escalate(self, **kw: Any) -> c.EscalateCase:
        return self._make(
            c.EscalateCase, {"reason": "assessment overdue and the worker is off sick", "escalated_to": "tm-morgan"}, kw
        )

    def resolve_escalation(self, **kw: Any) -> c.ResolveEscalation:
        return self._make(c.ResolveEscalation, {"outcome": "reallocated within the team", "actor": MANAGER}, kw)

    def restrict(self, staff_ids: list[str] | None = None, **kw: Any) -> c.RestrictCase:
        return self._make(
            c.RestrictCase,
            {
                "staff_ids": staff_ids or ["tm-morgan", "sw-ayesha"],
                "reason": "the adult is a close relative of a member of the team",
                "actor": MANAGER,
            },
            kw,
        )

    def change_restriction(self, staff_ids: list[str], **kw: Any) -> c.ChangeCaseRestriction:
        return self._make(
            c.ChangeCaseRestriction,
            {"staff_ids": staff_ids, "reason": "the case was reallocated within the restriction", "actor": MANAGER},
            kw,
        )

    def lift_restriction(self, **kw: Any) -> c.LiftCaseRestriction:
        return self._make(
            c.LiftCaseRestriction, {"reason": "the member of staff has left the council", "actor": MANAGER}, kw
        )

    def identify_carer(self, carer_id: str = "carer-1", **kw: Any) -> c.IdentifyCarer:
        return self._make(
            c.IdentifyCarer,
            {
                "carer_id": carer_id,
                "name": "Daniel Oduya",
                "date_of_birth": "1968-07-11",
                "relationship_to_adult": "son",
                "lives_with_adult": True,
            },
            kw,
        )

    def accept(self, carer_id: str = "carer-1", **kw: Any) -> c.AcceptCarerAssessment:
        return self._make(c.AcceptCarerAssessment, {"carer_id": carer_id}, kw)

    def decline(self, carer_id: str = "carer-1", **kw: Any) -> c.DeclineCarerAssessment:
        return self._make(
            c.DeclineCarerAssessment, {"carer_id": carer_id, "reason": "does not want an assessment now"}, kw
        )

    def request_carer_assessment(self, carer_id: str = "carer-1", **kw: Any) -> c.RequestCarerAssessment:
        return self._make(c.RequestCarerAssessment, {"carer_id": carer_id, "reason": "caring has got harder"}, kw)

    def consent(self, person_id: str, consented: bool = True, **kw: Any) -> c.RecordCombinedAssessmentConsent:
        return self._make(c.RecordCombinedAssessmentConsent, {"person_id": person_id, "consented": consented}, kw)

    def person_details(self, person_id: str = ADULT, **kw: Any) -> c.RecordPersonDetails:
        return self._make(
            c.RecordPersonDetails,
            {
                "person_id": person_id,
                "gender": "female",
                "ethnicity": "black_caribbean",
                "accommodation_status": "owner_occupier",
                "employment_status": "not_seeking_work_or_retired",
                "postcode": "NM4 2QT",
            },
            kw,
        )

    # Assessments
    def start_adult(self, **kw: Any) -> c.StartNeedsAssessment:
        return self._make(c.StartNeedsAssessment, {"method": "face_to_face"}, kw)

    def complete_adult(self, **kw: Any) -> c.CompleteNeedsAssessment:
        return self._make(
            c.CompleteNeedsAssessment,
            {
                "findings": ADULT_FINDINGS,
                "ras_answers": ADULT_ANSWERS,
                "has_capacity": True,
                "summary": "needs help with personal care and meals",
            },
            kw,
        )

    def refuse_adult(self, **kw: Any) -> c.RecordAssessmentRefusal:
        return self._make(c.RecordAssessmentRefusal, {"reason": "does not want the council involved"}, kw)

    def request_adult(self, **kw: Any) -> c.RequestNeedsAssessment:
        return self._make(c.RequestNeedsAssessment, {"reason": "adult_asked"}, kw)

    def start_carer(self, carer_id: str = "carer-1", **kw: Any) -> c.StartCarerAssessment:
        return self._make(c.StartCarerAssessment, {"carer_id": carer_id}, kw)

    def complete_carer(self, carer_id: str = "carer-1", **kw: Any) -> c.CompleteCarerAssessment:
        return self._make(
            c.CompleteCarerAssessment,
            {
                "carer_id": carer_id,
                "findings": CARER_FINDINGS,
                "hours_caring_per_week": 35,
                "willing_to_continue_caring": True,
                "able_to_continue_caring": True,
                "support_level": "regular",
                "wellbeing_impact": "substantial",
                "outcomes_wanted": ["leisure", "work"],
                "ras_answers": CARER_ANSWERS,
                "summary": "caring most evenings and weekends; no breaks",
            },
            kw,
        )

    # Decisions
    def eligibility(self, person_id: str = ADULT, **kw: Any) -> c.DetermineEligibility:
        return self._make(c.DetermineEligibility, {"person_id": person_id}, kw)

    def budget(self, person_id: str = ADULT, **kw: Any) -> c.CalculateIndicativeBudget:
        return self._make(c.CalculateIndicativeBudget, {"person_id": person_id}, kw)

    def override_cap(self, person_id: str = ADULT, **kw: Any) -> c.OverrideBudgetCap:
        return self._make(
            c.OverrideBudgetCap,
            {
                "person_id": person_id,
                "approved_pence": 2_100_000,
                "reasons": "no cheaper way meets the eligible needs",
                "actor": MANAGER,
            },
            kw,
        )

    def finances(self, person_id: str = ADULT, **kw: Any) -> c.CompleteFinancialAssessment:
        return self._make(
            c.CompleteFinancialAssessment,
            {"person_id": person_id, "assessed_contribution_pence": 150_000, "actor": FINANCE},
            kw,
        )

    def challenge(self, person_id: str = ADULT, **kw: Any) -> c.ChallengeBudget:
        return self._make(
            c.ChallengeBudget,
            {"person_id": person_id, "challenge_id": "ch-1", "grounds": "the figure does not cover night care"},
            kw,
        )

    def resolve(self, person_id: str = ADULT, **kw: Any) -> c.ResolveChallenge:
        return self._make(
            c.ResolveChallenge,
            {
                "person_id": person_id,
                "challenge_id": "ch-1",
                "outcome": "upheld",
                "revised_pence": 1_400_000,
                "reasons": "night care was left out",
                "actor": MANAGER,
            },
            kw,
        )

    # Planning and sign-off
    def draft(self, person_id: str = ADULT, **kw: Any) -> c.DraftSupportPlan:
        plan = kw.pop("plan", None) or plan_for(person_id)
        return self._make(c.DraftSupportPlan, {"person_id": person_id, "plan": plan}, kw)

    def revise(self, person_id: str = ADULT, **kw: Any) -> c.ReviseSupportPlan:
        plan = kw.pop("plan", None) or plan_for(person_id, weekly_hours=12)
        return self._make(
            c.ReviseSupportPlan, {"person_id": person_id, "plan": plan, "reason": "more hours after review"}, kw
        )

    def submit(self, person_id: str = ADULT, **kw: Any) -> c.SubmitSupportPlan:
        # The story's plan is further from the indicative figure than the council's tolerance, so
        # its submission records why (the variance is shown at sign-off).
        return self._make(c.SubmitSupportPlan, {"person_id": person_id, "variance_reason": VARIANCE_REASON}, kw)

    def sign_off(self, person_id: str = ADULT, **kw: Any) -> c.RecordSignOffDecision:
        return self._make(
            c.RecordSignOffDecision,
            {
                "person_id": person_id,
                "route": "delegated",
                "outcome": "approved",
                "reasons": "meets eligible needs",
                "actor": MANAGER,
            },
            kw,
        )

    # The people who hold a direct payment for another, and capacity per decision
    def capacity(self, person_id: str = ADULT, has_capacity: bool = True, **kw: Any) -> c.RecordCapacityAssessment:
        return self._make(
            c.RecordCapacityAssessment,
            {
                "person_id": person_id,
                "decision": "consent_to_direct_payment",
                "has_capacity": has_capacity,
                "assessed_by": "sw-ayesha",
                "assessed_on": "2026-01-05",
                "notes": "assessed at home with her son present",
            },
            kw,
        )

    def authorised_person(self, person_id: str = ADULT, **kw: Any) -> c.RecordAuthorisedPerson:
        return self._make(
            c.RecordAuthorisedPerson,
            {
                "person_id": person_id,
                "representative_id": "rep-1",
                "name": "Daniel Oduya",
                "relationship": "son",
                "consented": True,
                "consented_on": "2026-01-05",
                "best_interests_decision": "a direct payment her son manages keeps the personal assistant she knows",
                "best_interests_decided_by": "sw-ayesha",
                "best_interests_decided_on": "2026-01-05",
            },
            kw,
        )

    def nominee(self, person_id: str = ADULT, **kw: Any) -> c.RecordNominee:
        return self._make(
            c.RecordNominee,
            {
                "person_id": person_id,
                "representative_id": "rep-1",
                "name": "Daniel Oduya",
                "relationship": "son",
                "consented": True,
                "consented_on": "2026-01-05",
                "requested_by_person": True,
                "requested_on": "2026-01-05",
            },
            kw,
        )

    def direct_payment_request(self, person_id: str = ADULT, **kw: Any) -> c.RecordDirectPaymentRequest:
        return self._make(
            c.RecordDirectPaymentRequest,
            {"person_id": person_id, "requested_by_id": person_id, "requested_on": "2026-01-05"},
            kw,
        )

    # Payments
    def agreement(self, person_id: str = ADULT, **kw: Any) -> c.MakeDirectPaymentAgreement:
        return self._make(
            c.MakeDirectPaymentAgreement,
            {
                "person_id": person_id,
                "agreement_id": "dp-1",
                "recipient": "person",
                "start_date": "2026-02-02",
                "frequency": "four_weekly",
                "amount_per_payment_pence": 92_000,
                "actor": FINANCE,
            },
            kw,
        )

    def confirm_arrears(self, amount_pence: int = 92_000, **kw: Any) -> c.ConfirmArrearsPayment:
        return self._make(
            c.ConfirmArrearsPayment, {"agreement_id": "dp-1", "amount_pence": amount_pence, "actor": FINANCE}, kw
        )

    def schedule_payment(self, slot: int, **kw: Any) -> c.SchedulePayment:
        due = date(2026, 2, 2).toordinal() + 28 * (slot - 1)
        return self._make(
            c.SchedulePayment,
            {
                "agreement_id": "dp-1",
                "slot": slot,
                "due_on": date.fromordinal(due).isoformat(),
                "amount_pence": 92_000,
                "actor": FINANCE,
            },
            kw,
        )

    def issue_payment(self, slot: int, **kw: Any) -> c.IssuePayment:
        return self._make(
            c.IssuePayment,
            {"agreement_id": "dp-1", "slot": slot, "payment_reference": f"PAY-{slot:04d}", "actor": FINANCE},
            kw,
        )

    def fail_payment(self, slot: int, **kw: Any) -> c.RecordPaymentFailure:
        return self._make(
            c.RecordPaymentFailure,
            {"agreement_id": "dp-1", "slot": slot, "reason": "bank account closed", "actor": FINANCE},
            kw,
        )

    def suspend(self, **kw: Any) -> c.SuspendDirectPayments:
        return self._make(c.SuspendDirectPayments, {"agreement_id": "dp-1", "reason": "in hospital"}, kw)

    def resume(self, **kw: Any) -> c.ResumeDirectPayments:
        return self._make(c.ResumeDirectPayments, {"agreement_id": "dp-1", "reason": "home again"}, kw)

    def end_agreement(self, **kw: Any) -> c.EndDirectPaymentAgreement:
        return self._make(c.EndDirectPaymentAgreement, {"agreement_id": "dp-1", "reason": "no longer needed"}, kw)

    def monitoring_return(self, **kw: Any) -> c.ReceiveMonitoringReturn:
        return self._make(
            c.ReceiveMonitoringReturn,
            {
                "agreement_id": "dp-1",
                "period_start": "2026-02-02",
                "period_end": "2026-04-26",
                "spent_pence": 250_000,
                "items_over_threshold": 2,
                "receipts_over_threshold": 2,
                "underspend_pence": 26_000,
                "actor": FINANCE,
            },
            kw,
        )

    def recover(self, **kw: Any) -> c.RecoverUnspentFunds:
        return self._make(
            c.RecoverUnspentFunds,
            {
                "agreement_id": "dp-1",
                "amount_pence": 26_000,
                "reason": "unspent after the first quarter",
                "actor": FINANCE,
            },
            kw,
        )

    def recover_misspent(self, **kw: Any) -> c.RecoverMisspentFunds:
        return self._make(
            c.RecoverMisspentFunds,
            {
                "agreement_id": "dp-1",
                "amount_pence": 12_000,
                "reason": "a holiday abroad, not a need in the plan",
                "actor": FINANCE,
            },
            kw,
        )

    def recover_after_stop(self, **kw: Any) -> c.RecoverPaymentsAfterStop:
        return self._make(
            c.RecoverPaymentsAfterStop,
            {
                "agreement_id": "dp-1",
                "stopped_from": "2026-03-02",
                "reason": "paid while in hospital",
                "actor": FINANCE,
            },
            kw,
        )

    # Reablement after screening, and the NHS continuing healthcare boundary
    def reablement(self, **kw: Any) -> c.StartReablement:
        return self._make(
            c.StartReablement,
            {
                "starts_on": "2026-01-05",
                "planned_end_on": "2026-02-16",
                "provider_name": "Northmoor Reablement Team",
                "what": "reablement visits: washing, dressing and kitchen skills, twice a day",
                "weekly_cost_pence": 42_000,
            },
            kw,
        )

    def end_reablement(self, **kw: Any) -> c.EndReablement:
        return self._make(
            c.EndReablement,
            {
                "ended_on": "2026-02-16",
                "outcome": "ongoing_needs",
                "notes": "walking safely indoors; still needs help to wash and dress each morning",
            },
            kw,
        )

    def refer_chc(self, person_id: str = ADULT, **kw: Any) -> c.ReferForContinuingHealthcare:
        return self._make(
            c.ReferForContinuingHealthcare,
            {"person_id": person_id, "checklist_on": "2026-01-12", "referred_on": "2026-01-13"},
            kw,
        )

    def chc_decision(self, person_id: str = ADULT, **kw: Any) -> c.RecordContinuingHealthcareDecision:
        return self._make(
            c.RecordContinuingHealthcareDecision,
            {
                "person_id": person_id,
                "outcome": "joint_package",
                "decided_on": "2026-02-09",
                "reasons": "not a primary health need; the NHS funds the overnight nursing",
            },
            kw,
        )

    # Support before the assessments finish
    def interim(self, person_id: str = ADULT, **kw: Any) -> c.ArrangeInterimSupport:
        return self._make(
            c.ArrangeInterimSupport,
            {
                "person_id": person_id,
                "interim_id": "interim-1",
                "kind": "urgent_interim",
                "reason": "discharged from hospital today; cannot wash or dress alone until assessed",
                "lines": [interim_line("2026-01-05")],
                "review_by": "2026-02-02",
                "actor": MANAGER,
            },
            kw,
        )

    def end_interim(self, person_id: str = ADULT, **kw: Any) -> c.EndInterimSupport:
        return self._make(
            c.EndInterimSupport,
            {
                "person_id": person_id,
                "interim_id": "interim-1",
                "ended_on": "2026-01-26",
                "reason": "recovered well; no longer needs the visits",
            },
            kw,
        )

    # Safeguarding
    def concern(self, person_id: str = ADULT, **kw: Any) -> c.RaiseSafeguardingConcern:
        return self._make(
            c.RaiseSafeguardingConcern,
            {
                "concern_id": "sg-1",
                "person_id": person_id,
                "category": "financial_or_material",
                "raised_on": "2026-01-20",
                "details": "cash withdrawn without receipts",
            },
            kw,
        )

    def section_42(self, **kw: Any) -> c.DecideSection42Enquiry:
        return self._make(
            c.DecideSection42Enquiry,
            {
                "concern_id": "sg-1",
                "enquiry_needed": True,
                "reasons": "reasonable cause to suspect abuse",
                "actor": MANAGER,
            },
            kw,
        )

    def enquiry_outcome(self, **kw: Any) -> c.ConcludeSafeguardingEnquiry:
        return self._make(
            c.ConcludeSafeguardingEnquiry,
            {
                "concern_id": "sg-1",
                "outcome": "risk_reduced",
                "reasons": "a managed account now holds the payment",
                "actor": MANAGER,
            },
            kw,
        )

    # A young carer's transition
    def start_transition(self, carer_id: str = "carer-1", **kw: Any) -> c.StartTransitionAssessment:
        return self._make(
            c.StartTransitionAssessment,
            {"carer_id": carer_id, "reason": "caring every evening; likely to need support at college next year"},
            kw,
        )

    def complete_transition(self, carer_id: str = "carer-1", **kw: Any) -> c.CompleteTransitionAssessment:
        return self._make(
            c.CompleteTransitionAssessment,
            {"carer_id": carer_id, "findings": CARER_FINDINGS, "summary": "a break two evenings a week"},
            kw,
        )

    def adult_carer_rules(self, carer_id: str = "carer-1", **kw: Any) -> c.ApplyAdultCarerRules:
        return self._make(c.ApplyAdultCarerRules, {"carer_id": carer_id}, kw)

    # Prevention, discretion and advocacy
    def advice(self, person_id: str = ADULT, **kw: Any) -> c.GiveInformationAndAdvice:
        return self._make(
            c.GiveInformationAndAdvice,
            {
                "person_id": person_id,
                "topics": ["prevention", "meeting_or_reducing_needs"],
                "format": "written",
                "given_on": "2026-01-20",
                "given_by": "sw-ayesha",
                "notes": "falls prevention classes; lunch club; pendant alarm through the council's partner",
            },
            kw,
        )

    def discretion(self, person_id: str = ADULT, **kw: Any) -> c.MeetNeedsAtDiscretion:
        return self._make(
            c.MeetNeedsAtDiscretion,
            {
                "person_id": person_id,
                "decided_on": "2026-01-20",
                "reasons": "a short package now prevents a likely hospital admission this winter",
                "actor": MANAGER,
            },
            kw,
        )

    def advocacy(self, person_id: str = ADULT, **kw: Any) -> c.JudgeAdvocacyNeed:
        return self._make(
            c.JudgeAdvocacyNeed,
            {
                "person_id": person_id,
                "stage": "assessment",
                "substantial_difficulty": True,
                "judged_on": "2026-01-06",
                "reasons": "finds it hard to retain and weigh information; no family or friend able to support",
            },
            kw,
        )

    def advocate(self, person_id: str = ADULT, **kw: Any) -> c.RecordAdvocateInvolvement:
        return self._make(
            c.RecordAdvocateInvolvement,
            {
                "person_id": person_id,
                "stage": "assessment",
                "advocate_reference": "ADV-2291",
                "organisation": "County Advocacy Hub",
                "involved_from": "2026-01-07",
            },
            kw,
        )

    # Endings (domain/case/endings.py)
    def end_involvement(self, person_id: str = ADULT, **kw: Any) -> c.EndInvolvement:
        return self._make(
            c.EndInvolvement, {"person_id": person_id, "reason": "adult_died", "ended_on": "2026-03-15"}, kw
        )

    def final_payment(self, **kw: Any) -> c.IssueFinalPayment:
        return self._make(c.IssueFinalPayment, {"agreement_id": "dp-1", "actor": FINANCE}, kw)

    def recover_overpayment(self, **kw: Any) -> c.RecoverOverpayment:
        return self._make(
            c.RecoverOverpayment,
            {
                "agreement_id": "dp-1",
                "amount_pence": 100,
                "recovered_from": "estate",
                "reason": "paid in advance for days after the ending",
                "actor": FINANCE,
            },
            kw,
        )

    def close_account(self, **kw: Any) -> c.CloseDirectPaymentAccount:
        return self._make(c.CloseDirectPaymentAccount, {"agreement_id": "dp-1", "actor": FINANCE}, kw)

    # A move to another council (domain/case/moves.py)
    def notify_move(self, person_id: str = ADULT, **kw: Any) -> c.NotifyMoveToAnotherCouncil:
        return self._make(
            c.NotifyMoveToAnotherCouncil,
            {
                "person_id": person_id,
                "move_on": "2026-03-16",
                "receiving_council_code": "E09000001",
                "notified_on": "2026-01-05",
            },
            kw,
        )

    def share_with_receiving_council(self, person_id: str = ADULT, **kw: Any) -> c.ShareInformationWithReceivingCouncil:
        return self._make(
            c.ShareInformationWithReceivingCouncil,
            {"person_id": person_id, "kinds": ["needs_assessment", "support_plan"], "shared_on": "2026-01-05"},
            kw,
        )

    def receiving_assessed(self, person_id: str = ADULT, **kw: Any) -> c.RecordReceivingCouncilAssessment:
        return self._make(c.RecordReceivingCouncilAssessment, {"person_id": person_id, "assessed_on": "2026-01-05"}, kw)

    def continue_after_move(self, person_id: str = ADULT, **kw: Any) -> c.ContinueMeetingNeedsAfterMove:
        return self._make(
            c.ContinueMeetingNeedsAfterMove,
            {
                "person_id": person_id,
                "reasons": "the receiving council has not assessed by the move date",
                "actor": MANAGER,
            },
            kw,
        )

    def record_given(self, person_id: str = ADULT, **kw: Any) -> c.RecordPersonRecordGiven:
        return self._make(
            c.RecordPersonRecordGiven,
            {"person_id": person_id, "given_to": "person", "given_on": "2026-01-05", "version": 1},
            kw,
        )

    # Reviews and closure
    def document_issued(self, person_id: str = ADULT, **kw: Any) -> c.RecordDocumentIssued:
        return self._make(
            c.RecordDocumentIssued,
            {
                "person_id": person_id,
                "kind": "eligibility_determination",
                "source_versions": [1],
                "sha256": "0" * 64,
                "sent_by": "post",
            },
            kw,
        )

    def schedule_review(self, **kw: Any) -> c.ScheduleReview:
        return self._make(
            c.ScheduleReview,
            {"review_id": "rv-1", "person_ids": [ADULT], "kind": "planned_first", "due_on": "2026-03-30"},
            kw,
        )

    def request_review(self, **kw: Any) -> c.RequestReview:
        return self._make(
            c.RequestReview,
            {"review_id": "rv-9", "person_ids": [ADULT], "reason": "change_of_circumstances", "due_on": "2026-05-01"},
            kw,
        )

    def complete_review(self, **kw: Any) -> c.CompleteReview:
        return self._make(c.CompleteReview, {"review_id": "rv-1", "outcome": "no_change"}, kw)

    def overdue(self, **kw: Any) -> c.RecordStageOverdue:
        return self._make(c.RecordStageOverdue, {"stage": "assessment", "due_at": "2026-02-02T09:00:00Z"}, kw)

    def close(self, **kw: Any) -> c.CloseCase:
        return self._make(c.CloseCase, {"reason": "needs_met"}, kw)

    # Corrections (the right to rectification)
    def correct(self, event_version: int, field: str, corrected_value: str, **kw: Any) -> c.CorrectRecordedFact:
        return self._make(
            c.CorrectRecordedFact,
            {
                "event_version": event_version,
                "field": field,
                "corrected_value": corrected_value,
                "reason": "the person showed us the record was wrong",
            },
            kw,
        )

    # Whole passages of a case
    def up_to_gate(self, carers: tuple[str, ...] = ("carer-1",)) -> list[c.CaseCommand]:
        """Referral, screening, carers identified and the adult assessed; carers still outstanding."""
        steps: list[c.CaseCommand] = [self.referral(), self.screen()]
        for carer_id in carers:
            steps.append(self.identify_carer(carer_id))
        steps += [self.start_adult(), self.complete_adult()]
        return steps

    def carers_assessed(self, carers: tuple[str, ...] = ("carer-1",)) -> list[c.CaseCommand]:
        steps: list[c.CaseCommand] = []
        for carer_id in carers:
            steps += [self.accept(carer_id), self.start_carer(carer_id), self.complete_carer(carer_id)]
        return steps

    def up_to_planning(self, carers: tuple[str, ...] = ("carer-1",)) -> list[c.CaseCommand]:
        """Everything before support planning, with the adult and each carer eligible and budgeted,
        and the adult's own request for a direct payment (s.31: an agreement to pay her rests on it;
        a carer paid by direct payment asks in the story that pays them)."""
        steps = self.up_to_gate(carers) + self.carers_assessed(carers)
        for person in (ADULT, *carers):
            steps += [self.eligibility(person), self.budget(person)]
        steps += [self.finances(), self.direct_payment_request()]
        return steps
