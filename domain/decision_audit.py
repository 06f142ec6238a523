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

from domain.budget_statement import carer_budget_statement, personal_budget_statement
from domain.case.base import CaseEvent
from domain.case.decisions import DecisionSteps
from domain.case.planning import PlanningSteps
from domain.case.rules import FUNDING_AUTHORITY, SIGN_OFF_AUTHORITY
from domain.case.state import CaseState
from domain.case.variations import VariationSteps, recompute_variation
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

DECISION_EVENTS: tuple[type[CaseEvent], ...] = (
    EligibilityDetermined,
    IndicativeBudgetCalculated,
    BudgetCapOverridden,
    FinancialAssessmentCompleted,
    ChallengeResolved,
    SignOffDecisionRecorded,
    DirectPaymentAgreementVaried,
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
    method: Literal["recomputed", "authority_and_reasons"]
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
        breakdown = {
            "challenge_id": event.challenge_id,
            "outcome": event.outcome.value,
            "revised_pence": event.revised_pence,
        }
    elif isinstance(event, SignOffDecisionRecorded):
        text = (
            f"The {event.route.value} decision was {event.outcome.value.replace('_', ' ')} at "
            f"{format_pounds(event.approved_pence)} for a plan costing {format_pounds(event.plan_annual_cost_pence)}"
            f" a year (panel threshold {format_pounds(event.panel_threshold_pence)}): {event.reasons}"
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
        }
    elif isinstance(event, DirectPaymentAgreementVaried):
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


def check_recomputable(event: object, before: CaseState) -> list[str]:
    """Problems found recomputing eligibility or the s.26 statement from the state before the event."""
    if isinstance(event, DirectPaymentAgreementVaried):
        return recompute_variation(event, before)
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
