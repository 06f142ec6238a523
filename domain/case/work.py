"""What is waiting to be done on a case, and whose job it is: the lines of everyone's worklist.

Derived from the case state, like the stage, so a worklist can never show a task the record has
already done. Each item names the role that can do it (a social worker assesses, a team manager
or the panel signs off, finance completes the financial assessment) and the person it concerns.
"""

from __future__ import annotations

from pydantic import BaseModel, ConfigDict

from domain.case.rules import (
    SIGN_OFF_AUTHORITY,
    departure_from_the_signed_off_plan,
    outstanding_assessments,
)
from domain.case.stage import USES_DIRECT_PAYMENT
from domain.case.state import Agreement, AssessmentStatus, CaseState, PlanStatus
from domain.delegation import SchemeOfDelegation
from domain.money import format_pounds
from domain.people import Role
from domain.planning import SupportPlan
from domain.vocabulary import AdvocacyStage, SignOffRoute


class WorkItem(BaseModel):
    model_config = ConfigDict(frozen=True)

    kind: str
    role: Role
    person_id: str | None = None
    ref: str | None = None  # the review, agreement or challenge it is about, where there can be several
    detail: str = ""

    @property
    def item_id(self) -> str:
        return ":".join([self.kind, self.person_id or "-", *([self.ref] if self.ref else [])])


def work_items(
    state: CaseState, scheme: SchemeOfDelegation | None = None, agreement_tolerance_basis_points: int = 0
) -> list[WorkItem]:
    if state.closed:
        # Money outlives the case: finance closes each ended agreement's account (decision 0027).
        return accounts_to_close(state)
    items: list[WorkItem] = []
    add = items.append
    if state.worker_id is None:
        add(WorkItem(kind="allocate", role=Role.TEAM_MANAGER, detail="allocate the case to a worker"))
    if state.escalation is not None:
        add(WorkItem(kind="escalation", role=Role.TEAM_MANAGER, detail=state.escalation.reason))
    if state.screening is None:
        add(WorkItem(kind="screen_referral", role=Role.SOCIAL_WORKER, detail="screen the referral"))
        return items
    if state.in_reablement():
        reablement = state.adult.reablement
        if reablement is None:
            add(WorkItem(kind="start_reablement", role=Role.SOCIAL_WORKER, person_id=state.adult_id))
        else:
            add(
                WorkItem(
                    kind="end_reablement",
                    role=Role.SOCIAL_WORKER,
                    person_id=state.adult_id,
                    detail=f"reablement planned to end {reablement.planned_end_on.isoformat()}: record how it ended",
                )
            )
    for waiting in [] if state.in_reablement() else outstanding_assessments(state):
        add(
            WorkItem(
                kind=f"{waiting['kind']}_assessment",
                role=Role.SOCIAL_WORKER,
                person_id=waiting["person_id"],
                detail=f"assessment {waiting['assessment']}",
            )
        )
    for concern in state.safeguarding.values():
        if concern.open and concern.about_representative_id is not None:
            for agreement in state.agreements.values():
                if agreement.recipient_id == concern.about_representative_id and agreement.status == "active":
                    add(
                        WorkItem(
                            kind="consider_suspension",
                            role=Role.SOCIAL_WORKER,
                            person_id=agreement.person_id,
                            ref=agreement.agreement_id,
                            detail=f"safeguarding concern {concern.concern_id} names the person managing this "
                            "direct payment: consider suspending it, with the concern as the reason",
                        )
                    )
    for person in state.people.values():
        if person.involvement_ended_on is not None:
            continue  # nothing more is arranged for a person whose involvement ended
        for stage in AdvocacyStage:
            if person.advocate_needed_at(stage):
                add(
                    WorkItem(
                        kind="arrange_advocate",
                        role=Role.SOCIAL_WORKER,
                        person_id=person.person_id,
                        ref=stage.value,
                        detail=f"arrange an independent advocate for the {stage.value} (s.67)",
                    )
                )
    gate_open = not outstanding_assessments(state)
    for person in state.people.values():
        if person.young_carer or person.assessment != AssessmentStatus.COMPLETED:
            continue
        if person.involvement_ended_on is not None:
            continue  # their involvement ended: nothing more is planned for them
        pid = person.person_id
        if person.fully_funded_by_the_nhs() and person.plan is not None and person.plan.annual_cost_pence > 0:
            add(
                WorkItem(
                    kind="continuing_healthcare_plan",
                    role=Role.SOCIAL_WORKER,
                    person_id=pid,
                    detail="eligible for NHS continuing healthcare: end or revise the council-funded plan (s.22)",
                )
            )
        for challenge in person.challenges:
            if not challenge.resolved:
                add(
                    WorkItem(
                        kind="resolve_challenge",
                        role=Role.TEAM_MANAGER,
                        person_id=pid,
                        ref=challenge.challenge_id,
                        detail=challenge.grounds,
                    )
                )
        if person.eligibility is None:
            add(WorkItem(kind="determine_eligibility", role=Role.SOCIAL_WORKER, person_id=pid))
            continue
        if not person.eligibility.eligible and person.met_at_discretion is None:
            if person.owed_written_advice():
                add(
                    WorkItem(
                        kind="written_advice",
                        role=Role.SOCIAL_WORKER,
                        person_id=pid,
                        detail="give written advice on meeting, reducing and preventing needs (s.13(5))",
                    )
                )
            continue
        if person.budget is None:
            add(WorkItem(kind="calculate_budget", role=Role.SOCIAL_WORKER, person_id=pid))
            continue
        if person.budget.exceeds_cap and person.cap_override_pence is None:
            add(
                WorkItem(
                    kind="cap_override",
                    role=Role.TEAM_MANAGER,
                    person_id=pid,
                    detail="the indicative budget is over the cap",
                )
            )
        if person.kind == "adult" and person.statement is None:
            add(WorkItem(kind="financial_assessment", role=Role.FINANCE_OFFICER, person_id=pid))
            continue
        if not gate_open:
            continue
        if person.plan_status in (PlanStatus.NONE, PlanStatus.DRAFT, PlanStatus.DEFERRED, PlanStatus.DECLINED):
            add(
                WorkItem(
                    kind="support_plan",
                    role=Role.SOCIAL_WORKER,
                    person_id=pid,
                    detail=f"plan {person.plan_status.value}",
                )
            )
        elif person.plan_status == PlanStatus.SUBMITTED:
            add(WorkItem(kind="sign_off", role=_sign_off_role(person.plan, scheme), person_id=pid))
        elif (
            person.plan is not None
            and person.plan.management in USES_DIRECT_PAYMENT
            and not any(a.person_id == pid for a in state.agreements.values())
        ):
            add(WorkItem(kind="direct_payment_agreement", role=Role.FINANCE_OFFICER, person_id=pid))
        if (
            person.plan_status == PlanStatus.APPROVED
            and person.plan is not None
            and person.sign_off is not None
            and person.sign_off.approved_pence != person.plan.annual_cost_pence
        ):
            # Approved figures equal the plan's cost when signed off; only a later change to the budget
            # (an upheld challenge) parts them. The plan is looked at again, through a review, and
            # any agreement then follows the plan as signed off again.
            add(
                WorkItem(
                    kind="plan_follows_revised_budget",
                    role=Role.SOCIAL_WORKER,
                    person_id=pid,
                    detail=(
                        f"the budget is now {format_pounds(person.sign_off.approved_pence)} a year; the approved "
                        f"plan costs {format_pounds(person.plan.annual_cost_pence)}"
                    ),
                )
            )
    for item in _aligned_plans_revised(state):
        add(item)
    for agreement in state.agreements.values():
        if agreement.arrears_status == "awaiting_confirmation" and agreement.status == "active":
            add(
                WorkItem(
                    kind="confirm_arrears",
                    role=Role.FINANCE_OFFICER,
                    person_id=agreement.person_id,
                    ref=agreement.agreement_id,
                    detail=f"{agreement.arrears_slots} payment(s) already due under {agreement.agreement_id}",
                )
            )
        departure = _departs_from_the_approved_figure(state, agreement, agreement_tolerance_basis_points)
        if departure is not None:
            add(
                WorkItem(
                    kind="vary_direct_payment_agreement",
                    role=Role.FINANCE_OFFICER,
                    person_id=agreement.person_id,
                    ref=agreement.agreement_id,
                    detail=departure,
                )
            )
        if any(slot.status == "failed" for slot in agreement.slots.values()):
            add(
                WorkItem(
                    kind="payment_failed",
                    role=Role.FINANCE_OFFICER,
                    person_id=agreement.person_id,
                    ref=agreement.agreement_id,
                    detail=f"agreement {agreement.agreement_id}",
                )
            )
    items += accounts_to_close(state)
    items += _moves(state)
    for carer_id in state.carers_to_review:
        add(
            WorkItem(
                kind="review_carer_support",
                role=Role.SOCIAL_WORKER,
                person_id=carer_id,
                detail="the adult died: caring may have ended, so the carer's support needs reviewing",
            )
        )
    for review in state.reviews.values():
        if review.status == "scheduled":
            add(
                WorkItem(
                    kind="review",
                    role=Role.SOCIAL_WORKER,
                    person_id=",".join(review.person_ids),
                    ref=review.review_id,
                    detail=f"{review.kind.value} review due {review.due_on.isoformat()}",
                )
            )
    return items


def accounts_to_close(state: CaseState) -> list[WorkItem]:
    """Each ended agreement whose account finance has not closed: a final payment due, an
    overpayment to recover or a balance held, or nothing left but the closing itself."""
    return [
        WorkItem(
            kind="close_direct_payment_account",
            role=Role.FINANCE_OFFICER,
            person_id=agreement.person_id,
            ref=agreement.agreement_id,
            detail=f"{format_pounds(agreement.outstanding_pence())} outstanding after the ending",
        )
        for agreement in state.agreements.values()
        if agreement.settled and not agreement.account_closed
    ]


def _moves(state: CaseState) -> list[WorkItem]:
    """A person moving to another council: until the receiving council has assessed, a team manager
    decides whether this council goes on meeting the needs past the move date (s.38); once it has,
    the person's involvement ends for the move."""
    items = []
    for person in state.people.values():
        move = person.move
        if move is None or person.involvement_ended_on is not None:
            continue
        if move.receiving_assessed_on is not None:
            items.append(
                WorkItem(
                    kind="end_involvement_for_move",
                    role=Role.SOCIAL_WORKER,
                    person_id=person.person_id,
                    detail=f"{move.receiving_council_code} assessed on {move.receiving_assessed_on.isoformat()}: "
                    "end the involvement for the move",
                )
            )
        elif not move.needs_met_until_receiving_assessment:
            items.append(
                WorkItem(
                    kind="continuity_of_care",
                    role=Role.TEAM_MANAGER,
                    person_id=person.person_id,
                    detail=f"moving to {move.receiving_council_code} on {move.move_on.isoformat()}: if it has not "
                    "assessed by then, record that we go on meeting the needs until it has (s.38)",
                )
            )
    return items


def _sign_off_role(plan: SupportPlan | None, scheme: SchemeOfDelegation | None) -> Role:
    # The route is named when the decision is recorded; until then the plan goes to the first
    # authority in the council's scheme whose limit covers its yearly cost (a team manager within
    # the panel threshold, the panel within its limit, a head of service above). Without the
    # scheme, the panel: the route that may be asked to approve most.
    if plan is None or scheme is None:
        return SIGN_OFF_AUTHORITY[SignOffRoute.PANEL]
    for authority in scheme.authorities:
        if plan.annual_cost_pence <= authority.limit_pence:
            return authority.role
    return scheme.authorities[-1].role  # beyond every limit: the most senior, who must refuse or refer it


def _aligned_plans_revised(state: CaseState) -> list[WorkItem]:
    """A plan aligned with one revised since it last changed or was submitted: look at it again (a
    shared break, say, may have moved). Done when this plan is revised or submitted in turn."""
    return [
        WorkItem(
            kind="aligned_plan_revised",
            role=Role.SOCIAL_WORKER,
            person_id=person.person_id,
            ref=other_id,
            detail=f"the aligned plan of {other_id} was revised: review this plan against it",
        )
        for person in state.people.values()
        for other_id in person.aligned_changes_to_review
    ]


def _departs_from_the_approved_figure(
    state: CaseState, agreement: Agreement, tolerance_basis_points: int
) -> str | None:
    """Why an agreement in force no longer follows its person's approved figure (a challenge upheld,
    a review or a revised plan changed it), by the one rule an agreement is made and varied by;
    None while it follows it, or while there is no approved plan to follow (the plan is being
    revised: its own items show)."""
    person = state.people.get(agreement.person_id)
    if agreement.status == "stopped" or person is None or person.plan_status != PlanStatus.APPROVED:
        return None
    if person.plan is None or person.sign_off is None:
        return None
    terms = agreement.current_terms()
    return departure_from_the_signed_off_plan(
        person,
        amount_per_payment_pence=terms.amount_per_payment_pence,
        frequency=terms.frequency,
        tolerance_basis_points=tolerance_basis_points,
    )
