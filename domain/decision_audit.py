"""Explaining and verifying a recorded decision, for auditors.

A decision is an event that settles something about a person's care or money: eligibility, the
indicative budget, a cap override, the financial assessment, a challenge, a sign-off. Each is
explained in plain English with its breakdown, from what the event itself recorded (never from
today's rules). Verifying recomputes what can be recomputed from what was recorded before it
(eligibility from the findings, the budget from its inputs and rule set, the s.26 statement from
its figures); a judgement (an override, a sign-off, a challenge) is verified for its authority
and its stated reasons, which is what an auditor can check of a judgement.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel

from domain.budget_statement import carer_budget_statement, personal_budget_statement, plan_variance
from domain.case.base import CaseEvent
from domain.case.decisions import DecisionSteps, budget_statement_for, current_budget_pence
from domain.case.endings import EndingSteps, recompute_settlement
from domain.case.monitoring import MonitoringSteps, recompute_recovery
from domain.case.payments import PaymentSteps, recompute_agreement
from domain.case.planning import PlanningSteps
from domain.case.rules import APPROVING_OUTCOMES, FUNDING_AUTHORITY, SIGN_OFF_AUTHORITY
from domain.case.state import CaseState, Person
from domain.case.variations import VariationSteps, recompute_variation
from domain.delegation import DelegatedAuthority, SchemeOfDelegation
from domain.eligibility import determine_adult_eligibility, determine_carer_eligibility
from domain.money import format_pounds
from domain.vocabulary import SignOffRoute

EligibilityDetermined = DecisionSteps.EligibilityDetermined
IndicativeBudgetCalculated = DecisionSteps.IndicativeBudgetCalculated
BudgetCapOverridden = DecisionSteps.BudgetCapOverridden
FinancialAssessmentCompleted = DecisionSteps.FinancialAssessmentCompleted
ChallengeResolved = DecisionSteps.ChallengeResolved
SignOffDecisionRecorded = PlanningSteps.SignOffDecisionRecorded
DirectPaymentAgreementVaried = VariationSteps.DirectPaymentAgreementVaried
DirectPaymentAgreementMade = PaymentSteps.DirectPaymentAgreementMade
UnspentFundsRecovered = MonitoringSteps.UnspentFundsRecovered
MisspentFundsRecovered = MonitoringSteps.MisspentFundsRecovered
PaymentsAfterStopRecovered = MonitoringSteps.PaymentsAfterStopRecovered
RECOVERIES = (UnspentFundsRecovered, MisspentFundsRecovered, PaymentsAfterStopRecovered)
FinalSettlementWorkedOut = EndingSteps.FinalSettlementWorkedOut
OverpaymentRecovered = EndingSteps.OverpaymentRecovered

DECISION_EVENTS: tuple[type[CaseEvent], ...] = (
    EligibilityDetermined,
    IndicativeBudgetCalculated,
    BudgetCapOverridden,
    FinancialAssessmentCompleted,
    ChallengeResolved,
    SignOffDecisionRecorded,
    DirectPaymentAgreementMade,
    DirectPaymentAgreementVaried,
    *RECOVERIES,
    FinalSettlementWorkedOut,
    OverpaymentRecovered,
)
DECISIONS = tuple(cls.__name__ for cls in DECISION_EVENTS)


class DecisionExplanation(BaseModel):
    case_id: str
    version: int
    decision: str
    person_id: str
    decided_by: str
    role: str
    recorded_at: str
    plain_english: str
    breakdown: dict[str, Any]


class DecisionCheck(BaseModel):
    case_id: str
    version: int
    decision: str
    method: Literal["recomputed", "authority_and_reasons", "figures_and_authority"]
    verified: bool
    problems: list[str]


def is_decision(event: object) -> bool:
    return isinstance(event, DECISION_EVENTS)


def explain(event: object) -> DecisionExplanation:
    breakdown: dict[str, Any]
    if isinstance(event, EligibilityDetermined):
        text = event.determination.reasons
        breakdown = event.determination.model_dump(mode="json")
    elif isinstance(event, IndicativeBudgetCalculated):
        text = event.calculation.explanation
        breakdown = event.calculation.model_dump(mode="json", exclude={"explanation"})
    elif isinstance(event, BudgetCapOverridden):
        text = (
            f"The indicative budget of {format_pounds(event.indicative_pence)} was above the cap of "
            f"{format_pounds(event.cap_pence)}; {format_pounds(event.approved_pence)} was approved because: "
            f"{event.reasons}"
        )
        breakdown = {
            "cap_pence": event.cap_pence,
            "indicative_pence": event.indicative_pence,
            "approved_pence": event.approved_pence,
        }
    elif isinstance(event, FinancialAssessmentCompleted):
        text = event.statement.explanation
        breakdown = {
            "assessed_contribution_pence": event.assessed_contribution_pence,
            **event.statement.model_dump(mode="json", exclude={"explanation"}),
        }
    elif isinstance(event, ChallengeResolved):
        revised = (
            "" if event.revised_pence is None else f" The amount was revised to {format_pounds(event.revised_pence)}."
        )
        text = f"The challenge was {event.outcome.value.replace('_', ' ')}: {event.reasons}.{revised}"
        if event.authority is not None:
            text += f" Decided within {_authority_text(event.authority, event.delegation_scheme_version)}."
        breakdown = {
            "challenge_id": event.challenge_id,
            "outcome": event.outcome.value,
            "revised_pence": event.revised_pence,
            "previous_pence": event.previous_pence,
            "authority": None if event.authority is None else event.authority.model_dump(mode="json"),
            "delegation_scheme_version": event.delegation_scheme_version,
        }
    elif isinstance(event, SignOffDecisionRecorded):
        text = (
            f"The {event.route.value} decision was {event.outcome.value.replace('_', ' ')} at "
            f"{format_pounds(event.approved_pence)} for a plan costing {format_pounds(event.plan_annual_cost_pence)}"
            f" a year (panel threshold {format_pounds(event.panel_threshold_pence)}): {event.reasons}"
        )
        if event.authority is not None:
            text += f". Decided within {_authority_text(event.authority, event.delegation_scheme_version)}"
        if event.variance is not None:
            text += ". " + event.variance.describe()
        previous = event.previous_approved_pence
        if previous is not None and event.outcome in APPROVING_OUTCOMES and event.approved_pence < previous:
            when = event.reassessment_completed_at
            text += (
                f" This reduces the budget signed off before from {format_pounds(previous)} to "
                f"{format_pounds(event.approved_pence)} a year"
                + (f", following the reassessment completed on {when.date().isoformat()}" if when else "")
                + "."
            )
        breakdown = {
            "route": event.route.value,
            "outcome": event.outcome.value,
            "plan_version": event.plan_version,
            "approved_pence": event.approved_pence,
            "plan_annual_cost_pence": event.plan_annual_cost_pence,
            "panel_threshold_pence": event.panel_threshold_pence,
            "rule_set_id": event.rule_set_id,
            "rule_set_hash": event.rule_set_hash,
            "authority": None if event.authority is None else event.authority.model_dump(mode="json"),
            "delegation_scheme_version": event.delegation_scheme_version,
            "variance": None if event.variance is None else event.variance.model_dump(mode="json"),
            "previous_approved_pence": event.previous_approved_pence,
            "reassessment_completed_at": (
                None if event.reassessment_completed_at is None else event.reassessment_completed_at.isoformat()
            ),
        }
    elif isinstance(
        event,
        DirectPaymentAgreementMade
        | DirectPaymentAgreementVaried
        | UnspentFundsRecovered
        | MisspentFundsRecovered
        | PaymentsAfterStopRecovered
        | FinalSettlementWorkedOut
        | OverpaymentRecovered,
    ):
        text, breakdown = event.explained()
    else:
        raise ValueError(f"{type(event).__name__} is not a decision")
    return DecisionExplanation(
        case_id=event.originator_id.hex,
        version=event.originator_version,
        decision=type(event).__name__,
        person_id=event.person_id,
        decided_by=event.actor.user_id,
        role=event.actor.role.value,
        recorded_at=event.timestamp.isoformat(),
        plain_english=text,
        breakdown=breakdown,
    )


def check_recomputable(
    event: object, before: CaseState, contingency_weeks: int = 0, agreement_tolerance_basis_points: int = 0
) -> list[str]:
    """Problems found recomputing eligibility, the s.26 statement, a variation or a recovery from the
    state before the event."""
    if isinstance(event, DirectPaymentAgreementMade):
        return recompute_agreement(event, before, agreement_tolerance_basis_points)
    if isinstance(event, DirectPaymentAgreementVaried):
        return recompute_variation(event, before)
    if isinstance(event, RECOVERIES):
        return recompute_recovery(event, before, contingency_weeks)
    if isinstance(event, FinalSettlementWorkedOut):
        return recompute_settlement(event, before)
    if isinstance(event, OverpaymentRecovered):
        agreement = before.agreements.get(event.agreement_id)
        if agreement is None:
            return [f"agreement {event.agreement_id} was not on the case when the overpayment was recovered"]
        left = agreement.overpayment_pence - agreement.recovered_overpayment_pence
        if (event.overpayment_pence, event.recovered_before_pence) != (
            agreement.overpayment_pence,
            agreement.recovered_overpayment_pence,
        ) or event.amount_pence > left:
            return ["the recovery is not within the overpayment the ending worked out"]
        return []
    if not isinstance(event, EligibilityDetermined | FinancialAssessmentCompleted):
        raise ValueError(f"{type(event).__name__} is not recomputed here")
    person = before.people.get(event.person_id)
    if person is None:
        return [f"person {event.person_id} was not on the case when the decision was recorded"]
    if isinstance(event, EligibilityDetermined):
        if person.kind == "adult":
            again = determine_adult_eligibility(person.adult_findings) if person.adult_findings else None
        else:
            again = determine_carer_eligibility(person.carer_findings) if person.carer_findings else None
        if again is None:
            return ["no recorded findings to determine eligibility from"]
        if again.model_dump(mode="json") != event.determination.model_dump(mode="json"):
            return ["recomputing from the recorded findings gives a different determination"]
        return []
    cost = event.statement.cost_pence
    statement = (
        personal_budget_statement(cost_pence=cost, assessed_contribution_pence=event.assessed_contribution_pence)
        if person.kind == "adult"
        else carer_budget_statement(cost_pence=cost)
    )
    if statement.model_dump(mode="json") != event.statement.model_dump(mode="json"):
        return ["the s.26 statement does not follow from its recorded figures"]
    return []


def check_judgement(event: object) -> list[str]:
    """A judgement is checked for the authority that made it and for reasons given."""
    if not isinstance(event, BudgetCapOverridden | ChallengeResolved | SignOffDecisionRecorded):
        raise ValueError(f"{type(event).__name__} is not a judgement")
    problems = []
    if not event.reasons.strip():
        problems.append("no reasons were recorded")
    role = event.actor.role
    if isinstance(event, SignOffDecisionRecorded):
        if role != SIGN_OFF_AUTHORITY[event.route]:
            problems.append(f"a {event.route.value} decision was recorded by a {role.value}")
        if event.route == SignOffRoute.DELEGATED and event.plan_annual_cost_pence > event.panel_threshold_pence:
            problems.append("a plan above the panel threshold was signed off under delegated authority")
    elif role not in FUNDING_AUTHORITY:
        problems.append(f"{type(event).__name__} needs a team manager or the panel; it was recorded by a {role.value}")
    return problems


def _authority_text(authority: DelegatedAuthority, version: str | None) -> str:
    return authority.describe() + ("" if version is None else f" (scheme of delegation {version})")


def check_approval(event: object, before: CaseState, scheme: SchemeOfDelegation) -> list[str]:
    """A sign-off, or a challenge that revised the budget, is checked as a judgement (authority and
    reasons) and recomputed: the plan's cost, the approved amount against it, the s.26 statement,
    the variance, and the approver's authority under the scheme of delegation. A decision beyond
    the approver's delegated limit is not verified, whatever it recorded."""
    if not isinstance(event, SignOffDecisionRecorded | ChallengeResolved):
        raise ValueError(f"{type(event).__name__} is not an approval")
    problems = check_judgement(event)
    person = before.people.get(event.person_id)
    if person is None:
        return [*problems, f"person {event.person_id} was not on the case when the decision was recorded"]
    if isinstance(event, ChallengeResolved):
        if event.revised_pence is None:
            return problems
        amount = event.revised_pence
        authority = scheme.for_role(event.actor.role)
        if authority is None:
            problems.append(f"a {event.actor.role.value} holds no delegated authority to revise a budget")
    else:
        amount = max(event.approved_pence, event.plan_annual_cost_pence)
        authority = scheme.for_route(event.route)
        if event.authority is None and event.route == SignOffRoute.DELEGATED and authority is not None:
            # Recorded before the scheme was kept on the event: the panel threshold it recorded was the limit.
            authority = authority.model_copy(update={"limit_pence": event.panel_threshold_pence})
        problems += _recompute_sign_off(event, person)
    recorded = event.authority
    if recorded is not None:
        if recorded.role != event.actor.role:
            problems.append(
                f"the authority recorded is a {recorded.role.value}'s; the decision was a {event.actor.role.value}'s"
            )
        if event.delegation_scheme_version == scheme.version and authority is not None and recorded != authority:
            problems.append(
                f"the authority recorded ({recorded.describe()}) is not the scheme of delegation "
                f"{scheme.version}'s ({authority.describe()})"
            )
        elif event.delegation_scheme_version != scheme.version:
            authority = recorded  # an earlier scheme: its recorded limit is the one that applied
    if authority is not None and amount > authority.limit_pence:
        problems.append(f"{format_pounds(amount)} a year is beyond delegation: above {authority.describe()}")
    if event.statement is not None:
        again = budget_statement_for(person, event.statement.cost_pence)
        if again.model_dump(mode="json") != event.statement.model_dump(mode="json"):
            problems.append("the s.26 statement does not follow from the approved amount and the financial assessment")
        figure = event.revised_pence if isinstance(event, ChallengeResolved) else event.approved_pence
        if event.statement.cost_pence != figure:
            problems.append("the s.26 statement's cost is not the amount approved")
    return problems


def _recompute_sign_off(event: SignOffDecisionRecorded, person: Person) -> list[str]:
    problems = []
    if person.plan is None:
        return ["there was no plan to sign off"]
    cost = person.plan.annual_cost_pence
    if person.plan_version != event.plan_version or cost != event.plan_annual_cost_pence:
        problems.append(
            f"the plan signed off (version {person.plan_version}, {format_pounds(cost)} a year) is not the one "
            f"recorded (version {event.plan_version}, {format_pounds(event.plan_annual_cost_pence)})"
        )
    if event.outcome in APPROVING_OUTCOMES and event.approved_pence != cost:
        problems.append(
            f"{format_pounds(event.approved_pence)} was approved for a plan costing {format_pounds(cost)} a year"
        )
    if event.variance is not None:
        again = plan_variance(
            budget_pence=current_budget_pence(person),
            plan_cost_pence=cost,
            tolerance_basis_points=event.variance.tolerance_basis_points,
            reason=event.variance.reason,
        )
        if again != event.variance:
            problems.append("the variance recorded does not follow from the plan's cost and the budget")
    previous = event.previous_approved_pence
    if previous is not None and event.outcome in APPROVING_OUTCOMES and event.approved_pence < previous:
        reassessed = person.assessment_completed_at
        if event.reassessment_completed_at is None or reassessed != event.reassessment_completed_at:
            problems.append("a cut in the budget recorded no reassessment that justified it")
    return problems
