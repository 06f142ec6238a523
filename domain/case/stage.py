"""The stage of a case is derived from what has been recorded, never set by hand.

Deriving it means a replay, a snapshot and a projection can never disagree about where a case
stands, and a stage's service-level clock restarts exactly when the record moves on.
"""

from __future__ import annotations

from domain.case.rules import outstanding_assessments
from domain.case.state import AssessmentStatus, CaseState, PlanStatus
from domain.vocabulary import BudgetManagement, Stage

# A third-party managed account is a direct payment the account holder manages: it waits for its
# agreement as one does. (An ISF's provider is paid under the council's own arrangements.)
USES_DIRECT_PAYMENT = (
    BudgetManagement.DIRECT_PAYMENT,
    BudgetManagement.MIX,
    BudgetManagement.THIRD_PARTY_MANAGED_ACCOUNT,
)


def current_stage(state: CaseState) -> Stage:
    if state.closed:
        return Stage.CLOSED
    if state.screening is None:
        return Stage.SCREENING
    if state.in_reablement():
        return Stage.REABLEMENT  # reablement first; the assessments wait for its outcome
    if outstanding_assessments(state):
        return Stage.ASSESSMENT
    involved = [p for p in state.people.values() if p.involvement_ended_on is None]
    assessed = [p for p in involved if p.assessment == AssessmentStatus.COMPLETED and not p.young_carer]
    if any(p.eligibility is None for p in assessed):
        return Stage.ELIGIBILITY
    eligible = [p for p in assessed if p.eligibility is not None and p.eligibility.eligible]
    if not eligible and state.adult.involvement_ended_on is not None:
        return Stage.IN_SERVICE  # the adult's involvement ended and nobody else's plan goes on: awaiting closure
    if not eligible:
        return Stage.ELIGIBILITY  # nobody eligible: written advice given, awaiting closure
    if any(p.budget is None for p in eligible):
        return Stage.RESOURCE_ALLOCATION
    adult = state.adult
    if adult in eligible and adult.statement is None:
        return Stage.FINANCIAL_ASSESSMENT
    # A plan the panel declined leaves eligible needs unmet: it goes back to planning, not into service.
    if any(
        p.plan_status in (PlanStatus.NONE, PlanStatus.DRAFT, PlanStatus.DEFERRED, PlanStatus.DECLINED) for p in eligible
    ):
        return Stage.SUPPORT_PLANNING
    if any(p.plan_status == PlanStatus.SUBMITTED for p in eligible):
        return Stage.SIGN_OFF
    for person in eligible:
        if (
            person.plan_status == PlanStatus.APPROVED
            and person.plan is not None
            and person.plan.management in USES_DIRECT_PAYMENT
            and not any(a.person_id == person.person_id for a in state.agreements.values())
        ):
            return Stage.PAYMENT_SETUP
    if any(r.status == "scheduled" and r.kind.value == "unplanned" for r in state.reviews.values()):
        return Stage.REVIEW
    return Stage.IN_SERVICE
