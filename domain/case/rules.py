"""The named invariants of the case record. Each raises a RuleViolation with a stable code.

The codes are part of the product's contract: the workflow's update validators and the HTTP API
return them unchanged, and docs/rules.md maps each rule of the domain brief to them.
"""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from domain.case.state import FINISHED_FOR_GATE, AssessmentStatus, CaseState, Person, PlanStatus
from domain.errors import InvalidInput, NotFound, RuleViolation
from domain.money import format_pounds
from domain.planning import PERIODS_PER_YEAR
from domain.ras import CarerSupport
from domain.vocabulary import Frequency, PaymentRecipient, ScreeningOutcome


def case_must_be_open(state: CaseState) -> None:
    if state.closed:
        raise RuleViolation("the case is closed; nothing more can be recorded on it", code="case_closed")


def escalation_must_be_raised(state: CaseState) -> None:
    if state.escalation is None:
        raise RuleViolation("the case has no escalation to resolve", code="no_escalation")


def referral_must_be_unscreened(state: CaseState) -> None:
    if state.screening is not None:
        raise RuleViolation("the referral has already been screened", code="referral_already_screened")


def referral_must_proceed_to_assessment(state: CaseState) -> None:
    if state.screening != ScreeningOutcome.PROCEED_TO_ASSESSMENT:
        raise RuleViolation(
            "the referral has not been screened to proceed to assessment",
            code="referral_not_screened_for_assessment",
        )


def person_must_exist(state: CaseState, person_id: str, field: str = "person_id") -> Person:
    person = state.people.get(person_id)
    if person is None:
        raise NotFound(f"no person {person_id!r} on this case", code="unknown_person", field=field)
    return person


def carer_must_exist(state: CaseState, carer_id: str) -> Person:
    person = state.people.get(carer_id)
    if person is None or person.kind != "carer":
        raise NotFound(f"no carer {carer_id!r} on this case", code="unknown_carer", field="carer_id")
    return person


def outstanding_assessments(state: CaseState) -> list[dict[str, Any]]:
    """Who still blocks support planning, and why (the gate's explanation)."""
    waiting = []
    for person in state.people.values():
        if person.kind == "carer" and person.young_carer:
            # Young carers are referred to children's services; adult carer assessment does not apply.
            continue
        if person.assessment not in FINISHED_FOR_GATE[person.kind]:
            waiting.append({"person_id": person.person_id, "kind": person.kind, "assessment": person.assessment.value})
    return waiting


def assessments_must_be_complete_before_planning(state: CaseState) -> None:
    """G1: no support planning for anyone until the adult's assessment is completed or refused and
    every identified carer's assessment is completed or declined."""
    waiting = outstanding_assessments(state)
    if waiting:
        names = ", ".join(f"{w['kind']} {w['person_id']} ({w['assessment']})" for w in waiting)
        raise RuleViolation(
            f"support planning waits until every assessment is finished; outstanding: {names}",
            code="assessments_outstanding",
            details={"outstanding": waiting},
        )


def carer_assessment_must_be_open(carer: Person) -> None:
    if carer.assessment in (AssessmentStatus.COMPLETED, AssessmentStatus.DECLINED):
        raise RuleViolation(
            f"carer {carer.person_id}'s assessment is already {carer.assessment.value}",
            code="carer_assessment_closed",
        )


def carer_assessment_must_be_declined(carer: Person) -> None:
    if carer.assessment != AssessmentStatus.DECLINED:
        raise RuleViolation(
            f"carer {carer.person_id} has not declined an assessment; a later request reopens only a decline",
            code="carer_assessment_not_declined",
        )


def adult_carer_rules_exclude_young_carers(carer: Person) -> None:
    if carer.young_carer:
        raise RuleViolation(
            f"carer {carer.person_id} is under 18: refer to children's services; adult carer rules do not apply",
            code="young_carer_referred_to_childrens_services",
        )


def combined_assessment_needs_consent_from_each_person(*people: Person) -> None:
    """A3: a combined assessment needs consent recorded for each person."""
    missing = [p.person_id for p in people if p.combined_consent is not True]
    if missing:
        raise RuleViolation(
            "a combined assessment needs consent recorded for each person; missing: " + ", ".join(missing),
            code="combined_assessment_consent_missing",
            details={"missing_consent": missing},
        )


def assessment_must_be_in_progress(person: Person) -> None:
    if person.assessment != AssessmentStatus.IN_PROGRESS:
        raise RuleViolation(
            f"{person.kind} {person.person_id}'s assessment is {person.assessment.value}, not in progress",
            code="assessment_not_in_progress",
        )


def assessment_must_be_startable(person: Person) -> None:
    startable = {
        AssessmentStatus.NOT_STARTED,
        AssessmentStatus.OFFERED,
        AssessmentStatus.ACCEPTED,
        AssessmentStatus.REQUESTED,
    }
    if person.assessment not in startable:
        raise RuleViolation(
            f"{person.kind} {person.person_id}'s assessment is {person.assessment.value} and cannot start now",
            code="assessment_not_startable",
        )


def assessment_must_be_completed(person: Person) -> None:
    if person.assessment != AssessmentStatus.COMPLETED:
        raise RuleViolation(
            f"{person.kind} {person.person_id}'s assessment is not completed",
            code="assessment_not_completed",
        )


def eligibility_must_be_determined(person: Person) -> None:
    if person.eligibility is None:
        raise RuleViolation(
            f"eligibility of {person.kind} {person.person_id} has not been determined",
            code="eligibility_not_determined",
        )


def must_be_eligible(person: Person) -> None:
    eligibility_must_be_determined(person)
    assert person.eligibility is not None
    if not person.eligibility.eligible:
        raise RuleViolation(
            f"{person.kind} {person.person_id} has no eligible needs; the outcome is written advice, not a plan",
            code="not_eligible",
        )


def budget_must_be_calculated(person: Person) -> None:
    if person.budget is None:
        raise RuleViolation(
            f"no indicative budget has been calculated for {person.person_id}", code="budget_not_calculated"
        )


def capped_budget_needs_reasoned_override(person: Person) -> None:
    """P2: a cap that leaves assessed eligible needs unmet is flagged and needs a reasoned override."""
    if person.budget is not None and person.budget.exceeds_cap and person.cap_override_pence is None:
        raise RuleViolation(
            f"the indicative budget for {person.person_id} exceeds the council's cap; "
            "a reasoned override must be recorded first (CSSG 10.27)",
            code="cap_override_required",
        )


def budget_must_exceed_cap_to_override(person: Person) -> None:
    if person.budget is None or not person.budget.exceeds_cap:
        raise RuleViolation(
            f"the budget for {person.person_id} is within the cap; there is nothing to override",
            code="cap_not_exceeded",
        )


def recorded_carer_support(state: CaseState) -> list[CarerSupport]:
    """What every assessed carer is recorded as willing and able to do, in carer id order: the only
    source of the carer-neutral adjustment (never assumed)."""
    return sorted(
        (
            c.carer_support
            for c in state.carers()
            if c.assessment == AssessmentStatus.COMPLETED and c.carer_support is not None
        ),
        key=lambda support: support.carer_id,
    )


def adult_budget_must_reflect_carers_recorded_support(state: CaseState, person: Person) -> None:
    """The carer-neutral adjustment must use what carers are recorded as willing and able to do
    now: a carer assessed after the figure was worked out makes it out of date."""
    if person.kind != "adult" or person.budget is None:
        return
    used = sorted(person.budget.inputs.get("carer_support", []), key=lambda support: support["carer_id"])
    if used != [support.model_dump(mode="json") for support in recorded_carer_support(state)]:
        raise RuleViolation(
            "carers' recorded support has changed since the adult's indicative budget was worked out; "
            "recalculate it first",
            code="budget_out_of_date",
        )


def financial_assessment_must_be_complete(person: Person) -> None:
    if person.kind == "adult" and person.statement is None:
        raise RuleViolation(
            "the adult's financial assessment has not been completed", code="financial_assessment_outstanding"
        )


def plan_must_exist(person: Person) -> None:
    if person.plan is None:
        raise RuleViolation(f"no support plan has been drafted for {person.person_id}", code="no_plan")


def plan_must_be_editable(person: Person) -> None:
    if person.plan_status in (PlanStatus.SUBMITTED, PlanStatus.APPROVED):
        raise RuleViolation(
            f"the plan for {person.person_id} is {person.plan_status.value}; it cannot be edited now",
            code="plan_not_editable",
        )


def plan_must_be_submitted(person: Person) -> None:
    if person.plan_status != PlanStatus.SUBMITTED:
        raise RuleViolation(
            f"the plan for {person.person_id} is {person.plan_status.value}, not submitted",
            code="plan_not_submitted",
        )


def plan_must_be_approved(person: Person) -> None:
    if person.plan_status != PlanStatus.APPROVED or person.sign_off is None:
        raise RuleViolation(f"the plan for {person.person_id} has not been approved", code="plan_not_approved")


def panel_must_decide_above_threshold(plan_cost_pence: int, threshold_pence: int, route: str) -> None:
    if route == "delegated" and plan_cost_pence > threshold_pence:
        raise RuleViolation(
            "a plan above the council's panel threshold must go to the funding panel",
            code="panel_required",
            details={"plan_cost_pence": plan_cost_pence, "panel_threshold_pence": threshold_pence},
        )


def direct_payment_needs_capacity_or_authorised_person(person: Person, recipient: PaymentRecipient) -> None:
    """D1: a direct payment goes to a person with capacity, or to an authorised person for one without."""
    if person.kind == "adult" and person.has_capacity is False and recipient != PaymentRecipient.AUTHORISED_PERSON:
        raise RuleViolation(
            "the adult lacks capacity to consent to a direct payment; it must be made to an authorised person",
            code="direct_payment_needs_authorised_person",
            field="recipient",
        )
    if person.kind == "adult" and person.has_capacity is None:
        raise RuleViolation(
            "record whether the adult has capacity to consent to a direct payment first",
            code="capacity_not_recorded",
            field="person_has_capacity",
        )


def no_open_challenge(person: Person) -> None:
    if any(not c.resolved for c in person.challenges):
        raise RuleViolation(f"a challenge to {person.person_id}'s budget is open", code="challenge_already_open")


def direct_payment_must_follow_the_signed_off_plan(
    person: Person, *, amount_per_payment_pence: int, frequency: Frequency, tolerance_basis_points: int
) -> None:
    """D1 and the council's financial regulations: the money paid is the money approved.

    An agreement pays what the signed-off plan holds as a direct payment: the same amount and
    frequency, or another frequency whose yearly total is the plan's within the council's stated
    tolerance. Its yearly total never exceeds the budget the sign-off approved."""
    plan, sign_off = person.plan, person.sign_off
    assert plan is not None and sign_off is not None  # plan_must_be_approved came first
    agreed_yearly = amount_per_payment_pence * PERIODS_PER_YEAR[frequency]
    if plan.direct_payment_pence is None or plan.direct_payment_frequency is None:
        planned_yearly = 0
    else:
        planned_yearly = plan.direct_payment_pence * PERIODS_PER_YEAR[plan.direct_payment_frequency]
    details = {
        "agreed_pence": amount_per_payment_pence,
        "agreed_frequency": frequency.value,
        "agreed_yearly_pence": agreed_yearly,
        "signed_off_pence": plan.direct_payment_pence,
        "signed_off_frequency": plan.direct_payment_frequency.value if plan.direct_payment_frequency else None,
        "signed_off_yearly_pence": planned_yearly,
        "approved_budget_pence": sign_off.approved_pence,
        "tolerance_basis_points": tolerance_basis_points,
    }
    same_terms = (amount_per_payment_pence, frequency) == (plan.direct_payment_pence, plan.direct_payment_frequency)
    within_tolerance = abs(agreed_yearly - planned_yearly) * 10_000 <= tolerance_basis_points * planned_yearly
    if not (same_terms or (planned_yearly > 0 and within_tolerance)):
        raise RuleViolation(
            f"the agreement pays {format_pounds(amount_per_payment_pence)} {frequency.value.replace('_', '-')} "
            f"({format_pounds(agreed_yearly)} a year) but the signed-off plan holds "
            f"{format_pounds(plan.direct_payment_pence or 0)} "
            f"{(plan.direct_payment_frequency.value if plan.direct_payment_frequency else 'none').replace('_', '-')}"
            f" ({format_pounds(planned_yearly)} a year) as a direct payment",
            code="agreement_does_not_match_signed_off_plan",
            field="amount_per_payment_pence",
            details=details,
        )
    if agreed_yearly > sign_off.approved_pence:
        raise RuleViolation(
            f"the agreement pays {format_pounds(agreed_yearly)} a year, more than the "
            f"{format_pounds(sign_off.approved_pence)} a year approved at sign-off",
            code="agreement_exceeds_approved_budget",
            field="amount_per_payment_pence",
            details=details,
        )


def agreement_must_start_within_window(
    start_date: date, today: date, *, backdating_limit_days: int, future_start_limit_days: int
) -> None:
    """An agreement starts no further back than the council allows (its arrears become one
    catch-up payment) and no further ahead than it plans payments."""
    earliest = today - timedelta(days=backdating_limit_days)
    latest = today + timedelta(days=future_start_limit_days)
    if not earliest <= start_date <= latest:
        raise InvalidInput(
            f"start_date: {start_date.isoformat()} is outside the council's window for a direct payment "
            f"agreement ({earliest.isoformat()} to {latest.isoformat()})",
            code="agreement_start_out_of_window",
            field="start_date",
            details={"earliest": earliest.isoformat(), "latest": latest.isoformat()},
        )


def review_needs_a_plan_to_review(person: Person) -> None:
    """A planned review reviews a plan: none can be scheduled before the person's plan is agreed."""
    if person.plan_status != PlanStatus.APPROVED:
        raise RuleViolation(
            f"{person.person_id} has no approved plan to review yet (plan {person.plan_status.value})",
            code="review_needs_a_plan",
            field="person_ids",
            details={"person_id": person.person_id},
        )
