"""The council's rulebook for the case record: every refusal of a command is one named rule here.

Each rule raises a domain error with a stable code: a ``RuleViolation`` (409) when the record does
not allow the command now, a ``NotFound`` (404) when it names a person, agreement, slot or review
the case does not hold, an ``InvalidInput`` (422) when a field falls outside what the council
allows. The codes are part of the product's contract: the workflow's update validators and the
HTTP API return them unchanged. A code belongs to one rule only, and docs/rules.md lists every
rule with its codes (tests/unit/test_rulebook.py keeps the two in step).

The aggregate's command methods (``domain/case/*.py``) raise nothing themselves: each reads as its
list of rules, then the one event it records.
"""

from __future__ import annotations

import re
from datetime import date, datetime, timedelta

from pydantic import TypeAdapter, ValidationError

from domain.budget_statement import PlanVariance
from domain.case.correctable import CORRECTABLE_FACTS, CorrectableFact, FactKind, correctable_fields
from domain.case.state import (
    FINISHED_FOR_GATE,
    Agreement,
    AgreementTermsPolicy,
    AssessmentStatus,
    CapacityRecord,
    CaseState,
    ContinuingHealthcare,
    CouncilMove,
    DirectPaymentRequest,
    InterimSupport,
    PaymentSlot,
    Person,
    PlanStatus,
    RecordedFactSource,
    Representative,
    RepresentativeDetails,
    RequiredChecks,
    Review,
    SafeguardingConcern,
)
from domain.delegation import DelegatedAuthority, SchemeOfDelegation
from domain.documents.availability import can_give, kinds_for
from domain.errors import InvalidInput, NotFound, RuleViolation
from domain.money import format_pounds
from domain.payment_schedule import (
    first_varied_slot,
    schedule_last_slot,
    segment_amount,
    segment_due_date,
    straddled_slot,
)
from domain.people import ADULTHOOD_AGE, Actor, Role, age_on, birthday_at
from domain.person_index import Episode
from domain.planning import PAID_OUT, PERIODS_PER_YEAR, PlanLine, SpendingRules, SupportPlan, check_plan_lines
from domain.ras import CarerSupport
from domain.values import CaseDate, Name, Reason
from domain.vocabulary import (
    AdvocacyStage,
    AssessmentMethod,
    AssessmentRequestReason,
    BudgetManagement,
    CapacityDecision,
    ChallengeOutcome,
    ClosureReason,
    ContinuingHealthcareOutcome,
    DocumentKind,
    Frequency,
    InvolvementEndReason,
    PaymentRecipient,
    PlanKind,
    RecoveredFrom,
    RepresentativeRole,
    ReviewKind,
    ReviewOutcome,
    ScreeningOutcome,
    SharedRecordKind,
    SignOffOutcome,
    SignOffRoute,
    SpendCategory,
    Stage,
)

# Who may record a sign-off by each route: the funding panel, or a team manager under delegated authority.
SIGN_OFF_AUTHORITY: dict[SignOffRoute, Role] = {
    SignOffRoute.PANEL: Role.PANEL_MEMBER,
    SignOffRoute.DELEGATED: Role.TEAM_MANAGER,
    SignOffRoute.EXCEPTION: Role.HEAD_OF_SERVICE,
}
APPROVING_OUTCOMES = frozenset({SignOffOutcome.APPROVED, SignOffOutcome.APPROVED_WITH_CHANGES})
FUNDING_AUTHORITY = frozenset({Role.TEAM_MANAGER, Role.PANEL_MEMBER, Role.HEAD_OF_SERVICE})


# The case


def case_must_be_open(state: CaseState) -> None:
    if state.closed:
        raise RuleViolation("the case is closed; nothing more can be recorded on it", code="case_closed")


def escalation_must_be_raised(state: CaseState) -> None:
    if state.escalation is None:
        raise RuleViolation("the case has no escalation to resolve", code="no_escalation")


def case_must_not_already_be_restricted(state: CaseState) -> None:
    if state.restriction is not None:
        raise RuleViolation(
            "the case is already restricted; change its named staff instead",
            code="case_already_restricted",
            details={"staff_ids": list(state.restriction.staff_ids)},
        )


def restriction_must_be_in_place(state: CaseState) -> None:
    if state.restriction is None:
        raise RuleViolation("the case is not restricted", code="case_not_restricted")


def restricting_manager_must_stay_named(actor: Actor, staff_ids: list[str]) -> None:
    """Whoever restricts a case (or changes who may see it) is one of the staff named, so someone
    who can lift the restriction can still see the case."""
    if actor.user_id not in staff_ids:
        raise InvalidInput(
            f"staff_ids: name yourself ({actor.user_id}) among the staff who may see the restricted case, "
            "so that it can still be managed and lifted",
            code="restricting_manager_not_named",
            field="staff_ids",
        )


def person_must_exist(state: CaseState, person_id: str, field: str = "person_id") -> Person:
    person = state.people.get(person_id)
    if person is None:
        raise NotFound(f"no person {person_id!r} on this case", code="unknown_person", field=field)
    return person


# Referral and screening


def referral_must_be_unscreened(state: CaseState) -> None:
    if state.screening is not None:
        raise RuleViolation("the referral has already been screened", code="referral_already_screened")


def advice_must_be_recorded_when_screened_to_advice(
    state: CaseState, outcome: ScreeningOutcome, advice_with_the_screening: bool
) -> None:
    """Signposting is an outcome in its own right (s.4): a referral screened to information and
    advice has the advice given on record, with the screening or before it."""
    if outcome != ScreeningOutcome.INFORMATION_AND_ADVICE or advice_with_the_screening or state.adult.advice_given:
        return
    raise InvalidInput(
        "a referral screened to information and advice records the advice given (advice: topics, format, "
        "given_on, given_by), or it is recorded first with GiveInformationAndAdvice",
        code="advice_not_recorded_at_screening",
        field="advice",
    )


def referral_must_proceed_to_assessment(state: CaseState) -> None:
    """Assessment follows a screening to proceed, or reablement that ended with ongoing needs."""
    if not state.goes_on_to_assessment():
        raise RuleViolation(
            "the referral has not been screened to proceed to assessment"
            + (" (reablement comes first: end it with ongoing needs)" if state.in_reablement() else ""),
            code="referral_not_screened_for_assessment",
        )


# Carers (A1)


def carer_must_not_already_be_on_the_case(state: CaseState, carer_id: str) -> None:
    if carer_id in state.people:
        raise RuleViolation(
            f"person {carer_id!r} is already on this case", code="person_already_on_case", field="carer_id"
        )


def a_person_may_have_only_one_open_case(episodes: list[Episode], case_id: str) -> None:
    """One open episode per person: a referral for someone who is the adult of an open case is
    that case's business (names only the open case's id: no one's details)."""
    open_cases = sorted({e.case_id for e in episodes if e.held and e.case_id != case_id})
    if open_cases:
        raise RuleViolation(
            f"this person is the adult of an open case ({open_cases[0]}); record the referral there",
            code="person_has_open_case",
            field="council_person_id",
            details={"open_case_id": open_cases[0]},
        )


def carer_must_be_born_by_the_day_identified(date_of_birth: date, identified_on: date) -> None:
    if date_of_birth > identified_on:
        raise RuleViolation(
            "the date of birth is after the date of identification",
            code="date_of_birth_in_future",
            field="date_of_birth",
        )


def carer_must_exist(state: CaseState, carer_id: str) -> Person:
    person = state.people.get(carer_id)
    if person is None or person.kind != "carer":
        raise NotFound(f"no carer {carer_id!r} on this case", code="unknown_carer", field="carer_id")
    return person


def adult_carer_rules_exclude_young_carers(carer: Person) -> None:
    if carer.young_carer:
        raise RuleViolation(
            f"carer {carer.person_id} is under 18: refer to children's services; adult carer rules do not apply "
            "until they are applied at 18 (a transition assessment may come first)",
            code="young_carer_referred_to_childrens_services",
        )


def transition_assessment_is_for_a_young_carer(carer: Person) -> None:
    """s.63: a transition assessment is of a young carer, before adult carer rules apply to them."""
    if not carer.young_carer:
        raise RuleViolation(
            f"carer {carer.person_id} is not a young carer: adult carer rules already apply",
            code="not_a_young_carer",
            field="carer_id",
        )


def transition_assessment_must_not_have_started(carer: Person) -> None:
    if carer.transition_assessment is not None:
        raise RuleViolation(
            f"carer {carer.person_id}'s transition assessment began on {carer.transition_assessment.started_on}",
            code="transition_assessment_already_started",
            field="carer_id",
        )


def transition_assessment_must_be_in_progress(carer: Person) -> None:
    if carer.transition_assessment is None:
        raise RuleViolation(
            f"carer {carer.person_id} has no transition assessment in progress",
            code="transition_assessment_not_started",
            field="carer_id",
        )
    if carer.transition_assessment.completed_at is not None:
        raise RuleViolation(
            f"carer {carer.person_id}'s transition assessment is already complete",
            code="transition_assessment_already_completed",
            field="carer_id",
        )


def carer_must_be_eighteen(carer: Person, day: date) -> None:
    """Adult carer rules apply from a young carer's 18th birthday, not before."""
    born = carer.date_of_birth
    assert born is not None, "a date of birth is erased only on a closed case, which refuses every command first"
    if age_on(born, day) < ADULTHOOD_AGE:
        eighteenth = birthday_at(born, ADULTHOOD_AGE)
        raise RuleViolation(
            f"carer {carer.person_id} is not yet 18 (on {day}); adult carer rules apply from {eighteenth}",
            code="carer_not_yet_eighteen",
            field="carer_id",
            details={"eighteen_on": eighteenth.isoformat()},
        )


def carer_must_have_been_offered_an_assessment(carer: Person, *, offer_still_open: bool = False) -> None:
    """A1: a carer accepts only an offer that is still open, and no carer's assessment starts before
    one was offered (a carer who asks again after declining needs no new offer)."""
    if offer_still_open and carer.assessment != AssessmentStatus.OFFERED:
        raise RuleViolation(f"carer {carer.person_id} has no open offer to accept", code="no_open_offer")
    if carer.assessment == AssessmentStatus.NOT_STARTED:
        raise RuleViolation(f"carer {carer.person_id} has not been offered an assessment", code="no_open_offer")


def carer_assessment_must_be_open(carer: Person) -> None:
    if carer.assessment in (AssessmentStatus.COMPLETED, AssessmentStatus.DECLINED):
        raise RuleViolation(
            f"carer {carer.person_id}'s assessment is already {carer.assessment.value}",
            code="carer_assessment_closed",
        )


def carer_assessment_must_not_be_in_progress(carer: Person) -> None:
    """An assessment under way is completed, not declined."""
    if carer.assessment == AssessmentStatus.IN_PROGRESS:
        raise RuleViolation(f"carer {carer.person_id}'s assessment is in progress", code="assessment_in_progress")


def carer_assessment_must_be_declined(carer: Person) -> None:
    if carer.assessment != AssessmentStatus.DECLINED:
        raise RuleViolation(
            f"carer {carer.person_id} has not declined an assessment; a later request reopens only a decline",
            code="carer_assessment_not_declined",
        )


# Assessment (A2, A3)


def a_carer_is_named_only_for_a_combined_assessment(
    method: AssessmentMethod, combined_with_carer_id: str | None
) -> None:
    """A combined assessment names the carer it is combined with; any other method names none."""
    if method == AssessmentMethod.COMBINED and combined_with_carer_id is None:
        raise RuleViolation(
            "a combined assessment names the carer it is combined with",
            code="combined_assessment_needs_carer",
            field="combined_with_carer_id",
        )
    if method != AssessmentMethod.COMBINED and combined_with_carer_id is not None:
        raise RuleViolation(
            "only a combined assessment names a carer",
            code="carer_named_for_single_assessment",
            field="combined_with_carer_id",
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


def assessment_must_be_in_progress(person: Person) -> None:
    if person.assessment != AssessmentStatus.IN_PROGRESS:
        raise RuleViolation(
            f"{person.kind} {person.person_id}'s assessment is {person.assessment.value}, not in progress",
            code="assessment_not_in_progress",
        )


def assessment_must_be_completed(person: Person) -> None:
    if person.assessment != AssessmentStatus.COMPLETED:
        raise RuleViolation(
            f"{person.kind} {person.person_id}'s assessment is not completed",
            code="assessment_not_completed",
        )


def assessment_must_not_already_be_finished(adult: Person) -> None:
    """A2: a refusal is recorded while the assessment is still to be done."""
    if adult.assessment in (AssessmentStatus.COMPLETED, AssessmentStatus.REFUSED):
        raise RuleViolation(
            f"the adult's assessment is already {adult.assessment.value}", code="assessment_already_finished"
        )


def reassessment_must_reopen_a_finished_assessment(adult: Person, reason: AssessmentRequestReason) -> None:
    """A2 and s.11: the duty to assess returns after a refusal, when the adult asks or circumstances
    change; a review proposing a cut reopens a completed assessment."""
    if reason == AssessmentRequestReason.REVIEW_REDUCTION:
        assessment_must_be_completed(adult)
    elif adult.assessment != AssessmentStatus.REFUSED:
        raise RuleViolation(
            "the adult has not refused assessment; there is nothing to reopen", code="assessment_not_refused"
        )


def outstanding_assessments(state: CaseState) -> list[dict[str, str]]:
    """Who still blocks support planning, and why (the gate's explanation): each person's id, kind
    and where their assessment stands."""
    waiting: list[dict[str, str]] = []
    for person in state.people.values():
        if person.kind == "carer" and person.young_carer:
            # Young carers are referred to children's services; adult carer assessment does not apply.
            continue
        if person.involvement_ended_on is not None:
            continue  # their involvement ended: nothing of theirs is outstanding
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


# Decisions: eligibility, the budget, the financial assessment, challenges (E1, E2, P1, P2, X1)


def eligibility_must_be_determined(person: Person) -> None:
    if person.eligibility is None:
        raise RuleViolation(
            f"eligibility of {person.kind} {person.person_id} has not been determined",
            code="eligibility_not_determined",
        )


def needs_must_be_eligible_or_met_at_discretion(person: Person) -> None:
    """A budget and a plan are for eligible needs (s.18, s.20), or for needs the council decided to
    meet at its discretion (s.19(1))."""
    eligibility_must_be_determined(person)
    assert person.eligibility is not None
    if not person.eligibility.eligible and person.met_at_discretion is None:
        raise RuleViolation(
            f"{person.kind} {person.person_id} has no eligible needs; the outcome is written advice, not a plan, "
            "unless the council decides to meet the needs at its discretion",
            code="not_eligible",
        )


def discretion_is_for_needs_that_are_not_eligible(person: Person) -> None:
    """s.19(1): the council may meet needs that are not eligible; eligible needs it must meet anyway."""
    eligibility_must_be_determined(person)
    assert person.eligibility is not None
    if person.eligibility.eligible:
        raise RuleViolation(
            f"{person.kind} {person.person_id} has eligible needs: the council must meet them (s.18/s.20), "
            "no discretionary decision is needed",
            code="needs_already_eligible",
        )
    if person.met_at_discretion is not None:
        raise RuleViolation(
            f"the council already decided on {person.met_at_discretion.decided_on} to meet "
            f"{person.person_id}'s needs at its discretion",
            code="already_met_at_discretion",
        )


def written_advice_must_be_given_before_closing(state: CaseState, reason: ClosureReason) -> None:
    """s.13(5): a person whose needs are not eligible (and not met at the council's discretion) is
    given written advice on meeting or reducing them and on preventing or delaying needs; closing
    the case as advice only, or as no longer eligible, needs that advice recorded first."""
    if reason not in {ClosureReason.INFORMATION_AND_ADVICE_ONLY, ClosureReason.NO_LONGER_ELIGIBLE}:
        return
    waiting = [person.person_id for person in state.people.values() if person.owed_written_advice()]
    if waiting:
        raise RuleViolation(
            f"written advice on preventing and meeting needs has not been recorded for {', '.join(waiting)} "
            "(s.13(5)): record it before closing",
            code="written_advice_not_given",
            field="reason",
            details={"people": waiting},
        )


def independent_advocate_must_be_involved(person: Person, stage: AdvocacyStage) -> None:
    """s.67: where a person has substantial difficulty being involved and nobody appropriate can
    support them, the council arranges an independent advocate before this step is finished."""
    if person.advocate_needed_at(stage):
        raise RuleViolation(
            f"{person.person_id} needs an independent advocate at {stage.value} (s.67) and none is recorded as "
            "involved: record the advocate's involvement first",
            code="independent_advocate_needed",
            details={"stage": stage.value},
        )


def budget_must_be_calculated(person: Person) -> None:
    if person.budget is None:
        raise RuleViolation(
            f"no indicative budget has been calculated for {person.person_id}", code="budget_not_calculated"
        )


def cap_override_needs_funding_authority(actor: Actor) -> None:
    """P2: a cap override is a funding decision, for a team manager or the panel."""
    if actor.role not in FUNDING_AUTHORITY:
        raise RuleViolation(
            "a cap override is a funding decision for a team manager or the panel", code="override_needs_authority"
        )


def budget_must_exceed_cap_to_override(person: Person) -> None:
    if person.budget is None or not person.budget.exceeds_cap:
        raise RuleViolation(
            f"the budget for {person.person_id} is within the cap; there is nothing to override",
            code="cap_not_exceeded",
        )


def capped_budget_needs_reasoned_override(person: Person) -> None:
    """P2: a cap that leaves assessed eligible needs unmet is flagged and needs a reasoned override."""
    if person.budget is not None and person.budget.exceeds_cap and person.cap_override_pence is None:
        raise RuleViolation(
            f"the indicative budget for {person.person_id} exceeds the council's cap; "
            "a reasoned override must be recorded first (CSSG 10.27)",
            code="cap_override_required",
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


def carers_are_not_charged(person: Person, charged_for_own_support: bool) -> None:
    """P1: carers are never charged for care given to the person they care for; a carer's own support
    is financially assessed only where the council charges carers for it (its configuration)."""
    if person.kind != "adult" and not charged_for_own_support:
        raise RuleViolation(
            "the council does not charge carers for their own support, and carers are never charged for "
            "care given to the person they care for",
            code="carers_not_charged",
            field="person_id",
        )


def financial_assessment_must_be_complete(person: Person) -> None:
    if person.kind == "adult" and person.statement is None:
        raise RuleViolation(
            "the adult's financial assessment has not been completed", code="financial_assessment_outstanding"
        )


def budget_must_not_already_be_challenged(person: Person) -> None:
    """X1: one challenge to a person's budget at a time."""
    if any(not c.resolved for c in person.challenges):
        raise RuleViolation(f"a challenge to {person.person_id}'s budget is open", code="challenge_already_open")


def challenge_id_must_be_new(person: Person, challenge_id: str) -> None:
    if any(c.challenge_id == challenge_id for c in person.challenges):
        raise RuleViolation(
            f"challenge {challenge_id!r} already exists", code="challenge_id_in_use", field="challenge_id"
        )


def challenge_must_be_open(person: Person, challenge_id: str) -> None:
    if not any(c.challenge_id == challenge_id and not c.resolved for c in person.challenges):
        raise RuleViolation(f"no open challenge {challenge_id!r}", code="no_open_challenge", field="challenge_id")


def only_an_upheld_challenge_revises_the_amount(outcome: ChallengeOutcome, revised_pence: int | None) -> None:
    """X1: a challenge upheld, wholly or in part, may revise the amount; one not upheld leaves it."""
    if outcome == ChallengeOutcome.NOT_UPHELD and revised_pence is not None:
        raise RuleViolation(
            "a challenge not upheld does not revise the amount",
            code="revision_without_upholding",
            field="revised_pence",
        )


# Support planning and sign-off (G1, P2, D1's spending rules)


def plan_must_not_already_be_drafted(person: Person) -> None:
    if person.plan is not None:
        raise RuleViolation(
            f"a plan for {person.person_id} already exists; revise it instead", code="plan_already_drafted"
        )


def plan_must_keep_spending_rules(plan: SupportPlan, person: Person, rules: SpendingRules) -> None:
    """D1: no plan line buys what the council's spending rules exclude, unless a recorded decision
    lifts the rule for that line."""
    breaches = check_plan_lines(plan, plan_for=person.kind, rules=rules)
    if breaches:
        raise RuleViolation(
            "; ".join(b.message for b in breaches),
            code="spending_rule_breached",
            field="plan.lines",
            details={"breaches": [b.model_dump(mode="json") for b in breaches]},
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


def approved_plan_is_revised_only_after_a_review(state: CaseState, person: Person) -> None:
    """A plan not yet approved is revised while it is editable; an approved plan only after the
    person's latest completed review decided to revise it."""
    if person.plan_status != PlanStatus.APPROVED:
        plan_must_be_editable(person)
        return
    reviews = [r for r in state.reviews.values() if person.person_id in r.person_ids and r.status == "completed"]
    if not reviews or reviews[-1].outcome != ReviewOutcome.REVISE_PLAN:
        raise RuleViolation(
            "an approved plan is revised after a review that decides to revise it",
            code="plan_revision_needs_review",
        )


def plan_must_be_a_draft(person: Person) -> None:
    """Only a draft (or a deferred plan, back with its planner) is submitted for sign-off."""
    if person.plan_status not in (PlanStatus.DRAFT, PlanStatus.DEFERRED):
        raise RuleViolation(
            f"the plan for {person.person_id} is {person.plan_status.value}; only a draft is submitted",
            code="plan_not_draft",
        )


def plan_must_be_submitted(person: Person) -> None:
    if person.plan_status != PlanStatus.SUBMITTED:
        raise RuleViolation(
            f"the plan for {person.person_id} is {person.plan_status.value}, not submitted",
            code="plan_not_submitted",
        )


def sign_off_needs_the_authority_of_its_route(actor: Actor, route: SignOffRoute) -> None:
    """The funding panel's decisions are recorded by a panel member; delegated ones by a team manager."""
    if actor.role != SIGN_OFF_AUTHORITY[route]:
        raise RuleViolation(
            f"a {route.value} sign-off is recorded by a {SIGN_OFF_AUTHORITY[route].value.replace('_', ' ')}",
            code="sign_off_needs_authority",
        )


def panel_must_decide_above_threshold(plan_cost_pence: int, threshold_pence: int, route: SignOffRoute) -> None:
    if route == SignOffRoute.DELEGATED and plan_cost_pence > threshold_pence:
        raise RuleViolation(
            f"a plan costing {format_pounds(plan_cost_pence)} a year is above the team manager's delegated "
            f"limit of {format_pounds(threshold_pence)} (the panel threshold): it must go to the funding panel",
            code="panel_required",
            details={
                "plan_cost_pence": plan_cost_pence,
                "panel_threshold_pence": threshold_pence,
                "amount_pence": plan_cost_pence,
                "limit_pence": threshold_pence,
            },
        )


def only_an_approval_states_an_amount(outcome: SignOffOutcome, approved_pence: int | None) -> None:
    """An approval with changes states the amount it approves (a plain approval approves the plan's
    cost); a deferral or a decline approves none."""
    if outcome == SignOffOutcome.APPROVED_WITH_CHANGES and approved_pence is None:
        raise RuleViolation(
            "approval with changes states the approved amount",
            code="approved_amount_required",
            field="approved_pence",
        )
    if outcome not in APPROVING_OUTCOMES and approved_pence is not None:
        raise RuleViolation(
            f"a {outcome.value} decision approves no amount", code="amount_without_approval", field="approved_pence"
        )


def plan_must_be_approved(person: Person) -> None:
    if person.plan_status != PlanStatus.APPROVED or person.sign_off is None:
        raise RuleViolation(f"the plan for {person.person_id} has not been approved", code="plan_not_approved")


# Direct payments (D1)


def approved_plan_must_hold_a_direct_payment(person: Person) -> None:
    """A plan pays money out when held as a direct payment, a mix, a managed account or an ISF; a
    council-managed plan is commissioned by the council and has no agreement."""
    if person.plan is None or person.plan.management not in PAID_OUT:
        raise RuleViolation(
            f"the approved plan for {person.person_id} is not held as a direct payment, a managed account or an ISF",
            code="plan_not_direct_payment",
        )


def agreement_id_must_be_new(state: CaseState, agreement_id: str) -> None:
    if agreement_id in state.agreements:
        raise RuleViolation(
            f"agreement {agreement_id!r} already exists", code="agreement_id_in_use", field="agreement_id"
        )


def direct_payment_needs_capacity_or_authorised_person(person: Person, recipient: PaymentRecipient) -> None:
    """D1: a direct payment goes to a person with capacity, or to an authorised person for one without."""
    if recipient not in (PaymentRecipient.PERSON, PaymentRecipient.AUTHORISED_PERSON, PaymentRecipient.NOMINEE):
        return  # an ISF provider or a managed account: the plan, not the adult, names the payee
    has_capacity = capacity_for(person, CapacityDecision.CONSENT_TO_DIRECT_PAYMENT)
    if person.kind == "adult" and has_capacity is False and recipient != PaymentRecipient.AUTHORISED_PERSON:
        raise RuleViolation(
            "the adult lacks capacity to consent to a direct payment; it must be made to an authorised person",
            code="direct_payment_needs_authorised_person",
            field="recipient",
        )
    if person.kind == "adult" and has_capacity is None:
        raise RuleViolation(
            "record whether the adult has capacity to consent to a direct payment first",
            code="capacity_not_recorded",
            field="person_has_capacity",
        )


def direct_payment_must_follow_the_signed_off_plan(
    person: Person, *, amount_per_payment_pence: int, frequency: Frequency, tolerance_basis_points: int
) -> None:
    """D1 and the council's financial regulations: the money paid is the money approved.

    The one rule for an agreement's terms, whether it is being made or varied (and what the
    worklist asks of an agreement whose approved figure has changed since).
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


def departure_from_the_signed_off_plan(
    person: Person, *, amount_per_payment_pence: int, frequency: Frequency, tolerance_basis_points: int
) -> str | None:
    """Why terms an agreement pays no longer follow the approved figure, by the rule above (what
    the worklist asks of an agreement after a challenge, a review or a revised plan), or None."""
    try:
        direct_payment_must_follow_the_signed_off_plan(
            person,
            amount_per_payment_pence=amount_per_payment_pence,
            frequency=frequency,
            tolerance_basis_points=tolerance_basis_points,
        )
    except RuleViolation as departure:
        return str(departure)
    return None


def terms_must_follow_the_plan_from_an_allowed_day(
    person: Person,
    *,
    amount_per_payment_pence: int,
    frequency: Frequency,
    starts_on: date,
    today: date,
    policy: AgreementTermsPolicy,
    field: str,
) -> None:
    """A direct payment's terms, when agreed and when varied: the signed-off plan's figure, from a
    day within the council's back-dating and forward-start window."""
    direct_payment_must_follow_the_signed_off_plan(
        person,
        amount_per_payment_pence=amount_per_payment_pence,
        frequency=frequency,
        tolerance_basis_points=policy.tolerance_basis_points,
    )
    agreement_must_start_within_window(
        starts_on,
        today,
        backdating_limit_days=policy.backdating_limit_days,
        future_start_limit_days=policy.future_start_limit_days,
        field=field,
    )


def agreement_must_start_within_window(
    start_date: date,
    today: date,
    *,
    backdating_limit_days: int,
    future_start_limit_days: int,
    field: str = "start_date",
) -> None:
    """An agreement starts no further back than the council allows (its arrears become one
    catch-up payment) and no further ahead than it plans payments; so do varied terms, from
    their from-date (``field`` names the date refused)."""
    earliest = today - timedelta(days=backdating_limit_days)
    latest = today + timedelta(days=future_start_limit_days)
    if not earliest <= start_date <= latest:
        raise InvalidInput(
            f"{field}: {start_date.isoformat()} is outside the council's window for a direct payment "
            f"agreement ({earliest.isoformat()} to {latest.isoformat()})",
            code="agreement_start_out_of_window",
            field=field,
            details={"earliest": earliest.isoformat(), "latest": latest.isoformat()},
        )


def agreement_must_exist(state: CaseState, agreement_id: str) -> Agreement:
    agreement = state.agreements.get(agreement_id)
    if agreement is None:
        raise NotFound(f"no direct payment agreement {agreement_id!r}", code="unknown_agreement", field="agreement_id")
    return agreement


def agreement_must_not_have_ended(agreement: Agreement) -> None:
    """An agreement that has ended pays nothing more, and cannot end twice."""
    if agreement.status == "stopped":
        raise RuleViolation(f"agreement {agreement.agreement_id} has already ended", code="payments_stopped")


def agreement_must_be_active(agreement: Agreement) -> None:
    """Payments go out only under an agreement that has neither ended nor been suspended."""
    agreement_must_not_have_ended(agreement)
    if agreement.status == "suspended":
        raise RuleViolation(f"direct payments under {agreement.agreement_id} are suspended", code="payments_suspended")


def payments_must_be_suspended(agreement: Agreement) -> None:
    if agreement.status != "suspended":
        raise RuleViolation(f"payments under {agreement.agreement_id} are not suspended", code="payments_not_suspended")


def arrears_must_await_confirmation(agreement: Agreement) -> None:
    if agreement.arrears_status != "awaiting_confirmation":
        raise RuleViolation(
            f"agreement {agreement.agreement_id} has no catch-up payment waiting (arrears {agreement.arrears_status})",
            code="no_arrears_to_confirm",
            field="agreement_id",
        )


def confirmed_amount_must_be_the_arrears(agreement: Agreement, amount_pence: int) -> None:
    """A finance officer confirms the catch-up payment by stating its amount: it must be the arrears
    the record worked out, to the penny."""
    if amount_pence != agreement.arrears_pence:
        raise RuleViolation(
            f"the arrears under {agreement.agreement_id} are {format_pounds(agreement.arrears_pence)} "
            f"({agreement.arrears_slots} payment(s) of {format_pounds(agreement.amount_per_payment_pence)}), "
            f"not {format_pounds(amount_pence)}",
            code="arrears_amount_mismatch",
            field="amount_pence",
            details={
                "arrears_pence": agreement.arrears_pence,
                "confirmed_pence": amount_pence,
                "arrears_slots": agreement.arrears_slots,
            },
        )


def arrears_are_one_catch_up_payment(agreement: Agreement, slot: int) -> None:
    """Slots already due when a back-dated agreement was made are not paid one by one: they are
    paid together, once, when a finance officer confirms the catch-up payment."""
    if slot <= agreement.arrears_slots:
        raise RuleViolation(
            f"slot {slot} was already due when agreement {agreement.agreement_id} was made: it is paid in the "
            "catch-up payment a finance officer confirms",
            code="slot_in_arrears",
            field="slot",
            details={"arrears_slots": agreement.arrears_slots},
        )


def payment_slot_must_be_new(agreement: Agreement, slot: int) -> None:
    if slot in agreement.slots:
        raise RuleViolation(
            f"payment slot {slot} is already scheduled", code="payment_slot_already_scheduled", field="slot"
        )


def payment_must_not_fall_due_before_the_agreement_starts(agreement: Agreement, due_on: date) -> None:
    if due_on < agreement.start_date:
        raise RuleViolation(
            "a payment cannot fall due before the agreement starts", code="payment_before_start", field="due_on"
        )


def payment_slot_must_exist(agreement: Agreement, slot: int) -> PaymentSlot:
    found = agreement.slots.get(slot)
    if found is None:
        raise NotFound(
            f"no payment slot {slot} under {agreement.agreement_id}", code="unknown_payment_slot", field="slot"
        )
    return found


def payment_slot_is_paid_at_most_once(slot: PaymentSlot) -> None:
    """D1: one schedule slot, at most one payment issued (a failed payment may be reissued)."""
    if slot.status == "issued":
        raise RuleViolation(
            f"payment slot {slot.slot} has already been issued", code="payment_already_issued", field="slot"
        )


def only_an_issued_payment_can_fail(slot: PaymentSlot) -> None:
    if slot.status != "issued":
        raise RuleViolation(
            f"payment slot {slot.slot} was not issued, so it cannot fail", code="payment_not_issued", field="slot"
        )


def monitoring_period_must_not_end_before_it_starts(period_start: date, period_end: date) -> None:
    if period_end < period_start:
        raise RuleViolation("a monitoring period ends after it starts", code="period_reversed", field="period_end")


# Reviews and overdue steps (R1)


def review_id_must_be_new(state: CaseState, review_id: str) -> None:
    if review_id in state.reviews:
        raise RuleViolation(f"review {review_id!r} already exists", code="review_id_in_use", field="review_id")


def unplanned_review_is_requested_not_scheduled(kind: ReviewKind) -> None:
    if kind == ReviewKind.UNPLANNED:
        raise RuleViolation(
            "an unplanned review is requested, not scheduled", code="unplanned_review_is_requested", field="kind"
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


def review_must_exist(state: CaseState, review_id: str) -> Review:
    review = state.reviews.get(review_id)
    if review is None:
        raise NotFound(f"no review {review_id!r}", code="unknown_review", field="review_id")
    return review


def review_must_not_already_be_completed(review: Review) -> None:
    if review.status == "completed":
        raise RuleViolation(f"review {review.review_id} is already completed", code="review_already_completed")


def overdue_stage_must_still_be_open(state: CaseState, stage: str) -> None:
    """A stage is flagged overdue only while the case is still at it, and a review (``review:<id>``)
    only while it is still to be done."""
    if stage.startswith("review:"):
        review = state.reviews.get(stage.removeprefix("review:"))
        if review is None or review.status == "completed":
            raise RuleViolation(f"{stage} is not an open review", code="stage_moved_on", field="stage")
    elif stage.startswith("monitoring:"):
        agreement = state.agreements.get(stage.removeprefix("monitoring:"))
        if agreement is None or agreement.status == "stopped":
            raise RuleViolation(f"{stage} is not a monitoring return still due", code="stage_moved_on", field="stage")
    elif stage.startswith("interim:"):
        interim_id = stage.removeprefix("interim:")
        held = [p.interim_support[interim_id] for p in state.people.values() if interim_id in p.interim_support]
        if not any(interim.active for interim in held):
            raise RuleViolation(f"{stage} is not interim support still in place", code="stage_moved_on", field="stage")
    elif stage.startswith("reablement:"):
        person = state.people.get(stage.removeprefix("reablement:"))
        if person is None or person.reablement is None or not person.reablement.active:
            raise RuleViolation(f"{stage} is not reablement still going on", code="stage_moved_on", field="stage")
    elif stage.startswith("move:"):
        mover = state.people.get(stage.removeprefix("move:"))
        move = mover.move if mover is not None else None
        if move is None or move.receiving_assessed_on is not None or move.needs_met_until_receiving_assessment:
            raise RuleViolation(
                f"{stage} is not a move still awaiting its decision", code="stage_moved_on", field="stage"
            )
    elif stage not in {s.value for s in Stage} or stage != state.stage.value:
        raise RuleViolation(f"the case is no longer at stage {stage}", code="stage_moved_on", field="stage")


def stage_must_not_already_be_overdue(state: CaseState, stage: str) -> None:
    if stage in state.overdue:
        raise RuleViolation(f"{stage} is already flagged overdue", code="already_overdue", field="stage")


# Direct payment monitoring and recovery (issue 18; domain/case/monitoring.py)


def monitoring_period_must_follow_the_last_return(agreement: Agreement, period_start: date) -> None:
    """Each return covers its own period: none starts on or before the last day a return covered."""
    if agreement.returns_through is not None and period_start <= agreement.returns_through:
        raise RuleViolation(
            f"agreement {agreement.agreement_id} has returns up to {agreement.returns_through.isoformat()}: "
            "a new return starts after that",
            code="period_already_returned",
            field="period_start",
            details={"returns_through": agreement.returns_through.isoformat()},
        )


def receipts_must_cover_every_item_over_the_threshold(
    items_over_threshold: int, receipts_over_threshold: int, receipt_threshold_pence: int
) -> None:
    """The council asks for a receipt for every item of spend above its threshold."""
    details = {
        "receipt_threshold_pence": receipt_threshold_pence,
        "items_over_threshold": items_over_threshold,
        "receipts_over_threshold": receipts_over_threshold,
    }
    if receipts_over_threshold > items_over_threshold:
        raise InvalidInput(
            f"{receipts_over_threshold} receipts for {items_over_threshold} items above "
            f"{format_pounds(receipt_threshold_pence)}: a receipt is for one item",
            code="receipts_exceed_items",
            field="receipts_over_threshold",
            details=details,
        )
    if receipts_over_threshold < items_over_threshold:
        raise RuleViolation(
            f"{items_over_threshold} items cost more than {format_pounds(receipt_threshold_pence)} but only "
            f"{receipts_over_threshold} have receipts: the council needs a receipt for each",
            code="receipts_missing",
            field="receipts_over_threshold",
            details=details,
        )


def spend_must_not_exceed_what_was_paid(spent_pence: int, opening_balance_pence: int, received_pence: int) -> None:
    """A return cannot report more spent than the balance held at its start plus the payments received."""
    available = opening_balance_pence + received_pence
    if spent_pence > available:
        raise RuleViolation(
            f"{format_pounds(spent_pence)} spent is more than the {format_pounds(opening_balance_pence)} held at "
            f"the start of the period plus the {format_pounds(received_pence)} paid for it "
            f"({format_pounds(available)})",
            code="spend_exceeds_payments",
            field="spent_pence",
            details={
                "spent_pence": spent_pence,
                "opening_balance_pence": opening_balance_pence,
                "received_pence": received_pence,
                "available_pence": available,
            },
        )


def stated_underspend_must_be_the_balance_held(underspend_pence: int | None, closing_balance_pence: int) -> None:
    """An underspend stated on a return is the balance the figures leave, to the penny."""
    if underspend_pence is not None and underspend_pence != closing_balance_pence:
        raise RuleViolation(
            f"the return states {format_pounds(underspend_pence)} unspent but its figures leave "
            f"{format_pounds(closing_balance_pence)} held",
            code="underspend_does_not_match_balance",
            field="underspend_pence",
            details={"underspend_pence": underspend_pence, "closing_balance_pence": closing_balance_pence},
        )


def recovery_must_keep_the_contingency_back(agreement: Agreement, amount_pence: int, contingency_pence: int) -> None:
    """s.33: only the surplus monitoring showed held, less the contingency the council lets the person
    keep, is recovered."""
    recoverable = max(0, agreement.balance_pence - contingency_pence)
    if amount_pence > recoverable:
        raise RuleViolation(
            f"{format_pounds(agreement.balance_pence)} is held under {agreement.agreement_id} and "
            f"{format_pounds(contingency_pence)} of it is the contingency the council allows: at most "
            f"{format_pounds(recoverable)} can be recovered, not {format_pounds(amount_pence)}",
            code="recovery_exceeds_underspend",
            field="amount_pence",
            details={
                "balance_pence": agreement.balance_pence,
                "contingency_pence": contingency_pence,
                "recoverable_pence": recoverable,
            },
        )


def misspent_recovery_must_not_exceed_the_reported_spend(agreement: Agreement, amount_pence: int) -> None:
    """s.33: money not used to meet the needs in the plan is recovered from what returns reported
    spent, and not recovered as misspent already."""
    recoverable = agreement.reported_spend_pence - agreement.recovered_misspent_pence
    if amount_pence > recoverable:
        raise RuleViolation(
            f"returns under {agreement.agreement_id} report {format_pounds(agreement.reported_spend_pence)} spent, "
            f"{format_pounds(agreement.recovered_misspent_pence)} of it recovered as misspent already: at most "
            f"{format_pounds(recoverable)} can be recovered as misspent, not {format_pounds(amount_pence)}",
            code="misspent_recovery_exceeds_spend",
            field="amount_pence",
            details={
                "reported_spend_pence": agreement.reported_spend_pence,
                "recovered_misspent_pence": agreement.recovered_misspent_pence,
                "recoverable_pence": recoverable,
            },
        )


def payments_must_have_stopped(agreement: Agreement) -> None:
    """Money paid after a stop is recovered only once payments are suspended or the agreement ended."""
    if agreement.status == "active":
        raise RuleViolation(
            f"payments under {agreement.agreement_id} are neither suspended nor ended",
            code="payments_not_stopped",
            field="agreement_id",
        )


# Varying a direct payment agreement (D1) ----------------------------------------------------------
# (The new terms follow the approved figure by direct_payment_must_follow_the_signed_off_plan and
# start within the council's window by agreement_must_start_within_window, as a new agreement does.)


def variation_must_start_after_the_last_paid_slot(agreement: Agreement, from_date: date) -> None:
    """Varied terms take over from a date after the last slot already paid (or scheduled, or owed
    as arrears): what has been paid keeps its terms, and a from-date on or before that slot's due
    date would pay the same days twice. A recorded slot's due date is the one it was recorded with."""
    held = {slot.slot: slot.due_on for slot in agreement.slots.values()}
    if agreement.arrears_slots and agreement.arrears_slots not in held:
        held[agreement.arrears_slots] = segment_due_date(agreement.segments(), agreement.arrears_slots)
    if not held:
        return
    last_due = max(held.values())
    last = max(slot for slot, due in held.items() if due == last_due)
    if from_date <= last_due:
        raise RuleViolation(
            f"from_date {from_date.isoformat()} is not after {last_due.isoformat()}, when slot {last} of "
            f"agreement {agreement.agreement_id} fell due and was paid (or is owed) under its terms",
            code="variation_before_last_paid_slot",
            field="from_date",
            details={"last_slot": last, "last_slot_due_on": last_due.isoformat()},
        )


def pro_rated_payment_must_be_positive(
    agreement: Agreement, from_date: date, amount_per_payment_pence: int, after_slot: int
) -> None:
    """Decision 0020 (amended): a from-date between two slots splits the period of the slot before
    it, old terms for its days before the date and new from it. Where that slot was paid in advance,
    the new terms' first payment gives back what it paid for the days from the date; a variation
    that would leave that payment (or a straddling slot's own share) at nothing is refused, naming
    the end of the period paid for, a from-date that straddles nothing."""
    segments = agreement.segments()
    straddle = straddled_slot(segments, from_date, first_varied_slot(segments, from_date, after_slot))
    if straddle is None:
        return
    paid_ahead = straddle.slot <= after_slot
    pays = amount_per_payment_pence - straddle.rest_pence if paid_ahead else straddle.share_pence
    if pays > 0:
        return
    why = (
        f"slot {straddle.slot} was paid on {straddle.due_on.isoformat()} for the period to "
        f"{straddle.period_ends_on.isoformat()}, {format_pounds(straddle.rest_pence)} of it for the days from "
        f"{from_date.isoformat()}: more than the new first payment of {format_pounds(amount_per_payment_pence)}"
        if paid_ahead
        else f"slot {straddle.slot}'s share of its period before {from_date.isoformat()} is less than a penny"
    )
    raise RuleViolation(
        f"{why}; vary from {straddle.period_ends_on.isoformat()} (the end of that period) or later",
        code="pro_rated_payment_not_positive",
        field="from_date",
        details={
            "straddling_slot": straddle.slot,
            "period_ends_on": straddle.period_ends_on.isoformat(),
            "paid_for_the_days_from_pence": straddle.rest_pence,
        },
    )


def variation_must_change_the_terms(agreement: Agreement, amount_per_payment_pence: int, frequency: Frequency) -> None:
    """A variation changes the amount or the frequency in force; the same terms again are no variation."""
    terms = agreement.current_terms()
    if (terms.amount_per_payment_pence, terms.frequency) == (amount_per_payment_pence, frequency):
        raise RuleViolation(
            f"agreement {agreement.agreement_id} already pays {format_pounds(amount_per_payment_pence)} "
            f"{frequency.value.replace('_', '-')}",
            code="variation_changes_nothing",
            field="amount_per_payment_pence",
        )


def a_finished_schedule_is_not_varied(agreement: Agreement) -> None:
    """A one-off payment that has been paid has no schedule left to vary: new payments are a new agreement."""
    last = schedule_last_slot(agreement.segments())
    if last is not None and last in agreement.slots:
        raise RuleViolation(
            f"agreement {agreement.agreement_id} has paid its last slot ({last}): there is nothing left to vary",
            code="agreement_schedule_finished",
            field="agreement_id",
        )


def recovery_must_not_begin_before_the_stop(agreement: Agreement, stopped_from: date) -> None:
    """Only what was paid after payments stopped is recovered as such: a payment due before the
    suspension or the end took effect was the person's, and is accounted for by a return."""
    if agreement.stopped_on is not None and stopped_from < agreement.stopped_on:
        raise RuleViolation(
            f"payments under {agreement.agreement_id} stopped on {agreement.stopped_on.isoformat()}; "
            f"nothing before that is recovered as paid after the stop",
            code="recovery_before_the_stop",
            field="stopped_from",
            details={"stopped_from": stopped_from.isoformat(), "stopped_on": agreement.stopped_on.isoformat()},
        )


def payments_paid_after_the_stop(agreement: Agreement, stopped_from: date) -> list[PaymentSlot]:
    """The payments issued for slots due on or after the stop, not recovered already (no refusal:
    what the rule below checks and what an auditor recomputes)."""
    return [
        slot
        for slot in sorted(agreement.slots.values(), key=lambda s: s.slot)
        if slot.status == "issued" and slot.due_on >= stopped_from and slot.slot not in agreement.recovered_slots
    ]


def payments_after_the_stop_must_exist(agreement: Agreement, stopped_from: date) -> list[PaymentSlot]:
    """The payments issued for slots due on or after the stop, not recovered already."""
    slots = payments_paid_after_the_stop(agreement, stopped_from)
    if not slots:
        raise RuleViolation(
            f"no payment under {agreement.agreement_id} due on or after {stopped_from.isoformat()} is left to recover",
            code="nothing_paid_after_stop",
            field="stopped_from",
            details={"stopped_from": stopped_from.isoformat()},
        )
    return slots


# Sign-off within delegation, variances, reductions and aligned plans (issue 18)


def decision_must_be_within_delegation(
    scheme: SchemeOfDelegation, route: SignOffRoute, amount_pence: int, *, what: str, field: str
) -> DelegatedAuthority:
    """The scheme of delegation: what a route may approve a year, checked against the amount
    approved (a sign-off, a challenge revising the budget, a revised plan), not only the plan's cost."""
    authority = scheme.for_route(route)
    if authority is None or amount_pence > authority.limit_pence:
        limit = 0 if authority is None else authority.limit_pence
        whose = f"the {route.value} route's limit" if authority is None else authority.describe()
        raise RuleViolation(
            f"{what} of {format_pounds(amount_pence)} a year is above {whose} "
            f"(scheme of delegation {scheme.version}); it needs a more senior route",
            code="beyond_delegated_authority",
            field=field,
            details={
                "amount_pence": amount_pence,
                "limit_pence": limit,
                "route": route.value,
                "role": None if authority is None else authority.role.value,
                "scheme_version": scheme.version,
            },
        )
    return authority


def approver_must_hold_delegated_authority(
    scheme: SchemeOfDelegation, actor: Actor, what: str = "revise a budget"
) -> DelegatedAuthority:
    """A decision that commits money with no sign-off route named (a challenge that revises the
    budget, urgent interim support) is made only by a role in the scheme of delegation, and only
    within its limit."""
    authority = scheme.for_role(actor.role)
    if authority is None:
        raise RuleViolation(
            f"a {actor.role.value.replace('_', ' ')} holds no delegated authority to {what} "
            f"(scheme of delegation {scheme.version})",
            code="no_delegated_authority",
            details={"role": actor.role.value, "scheme_version": scheme.version},
        )
    return authority


def interim_support_id_must_be_new(person: Person, interim_id: str) -> None:
    if interim_id in person.interim_support:
        raise RuleViolation(
            f"{person.person_id} already has interim support {interim_id!r}",
            code="interim_support_id_taken",
            field="interim_id",
        )


def interim_support_is_commissioned_from_a_start(lines: list[PlanLine]) -> date:
    """Interim support is arranged by the council (commissioned), each line from the day it starts;
    returns the first day of it."""
    for index, line in enumerate(lines):
        if line.held_as != BudgetManagement.COUNCIL_MANAGED or line.starts_on is None:
            raise InvalidInput(
                f"line {index}: interim support is a service the council commissions, from a start "
                "(held_as council_managed, with starts_on)",
                code="interim_line_not_commissioned",
                field=f"lines.{index}",
            )
    return min(line.starts_on for line in lines if line.starts_on is not None)


def interim_support_must_be_reviewed_in_time(starts_on: date, review_by: date, within_days: int) -> None:
    """Support put in place before the assessments finish is looked at again soon: its review by
    date falls after it starts and within the council's limit (six weeks unless it says otherwise)."""
    if review_by < starts_on:
        raise InvalidInput(
            f"review_by {review_by.isoformat()} is before the support starts on {starts_on.isoformat()}",
            code="interim_review_before_start",
            field="review_by",
        )
    latest = starts_on + timedelta(days=within_days)
    if review_by > latest:
        raise RuleViolation(
            f"interim support is reviewed within {within_days} days of starting: by {latest.isoformat()} at the latest",
            code="interim_review_too_late",
            field="review_by",
            details={"latest": latest.isoformat(), "within_days": within_days},
        )


def interim_support_must_be_active(person: Person, interim_id: str) -> InterimSupport:
    interim = person.interim_support.get(interim_id)
    if interim is None:
        raise NotFound(f"{person.person_id} has no interim support {interim_id!r}", code="unknown_interim_support")
    if not interim.active:
        raise RuleViolation(
            f"interim support {interim_id} ended on {interim.ended_on}",
            code="interim_support_already_ended",
            field="interim_id",
        )
    return interim


def approval_approves_the_plans_cost(outcome: SignOffOutcome, approved_pence: int | None, plan_cost_pence: int) -> None:
    """An approval approves a plan: the amount it states is that plan's cost (for an approval with
    changes, the changed plan's). A different figure needs a different plan."""
    if outcome in APPROVING_OUTCOMES and approved_pence is not None and approved_pence != plan_cost_pence:
        raise RuleViolation(
            f"{format_pounds(approved_pence)} was stated but the plan approved costs "
            f"{format_pounds(plan_cost_pence)} a year; to approve another amount, change the plan "
            "(approved_with_changes, with the changed plan)",
            code="approved_amount_not_the_plans_cost",
            field="approved_pence",
            details={"approved_pence": approved_pence, "plan_cost_pence": plan_cost_pence},
        )


def changes_must_change_the_plan(outcome: SignOffOutcome, changed: SupportPlan | None, submitted: SupportPlan) -> None:
    """``approved_with_changes`` means the plan is changed: the decision carries the changed plan,
    which differs from the one submitted; no other outcome changes a plan."""
    if outcome == SignOffOutcome.APPROVED_WITH_CHANGES:
        if changed is None:
            raise RuleViolation(
                "an approval with changes carries the changed plan", code="changed_plan_required", field="plan"
            )
        if changed == submitted:
            raise RuleViolation(
                "the plan given is the plan submitted: approve it, or change it", code="plan_not_changed", field="plan"
            )
    elif changed is not None:
        raise RuleViolation(
            f"a {outcome.value} decision changes no plan; only an approval with changes does",
            code="plan_change_without_approval_with_changes",
            field="plan",
        )


def variance_outside_tolerance_needs_a_reason(variance: PlanVariance) -> None:
    """A plan whose cost is outside the council's tolerance of the indicative budget is submitted
    with the reason for the difference."""
    if variance.outside_tolerance and not variance.reason:
        raise RuleViolation(
            variance.describe() + " Submit it with a reason for the variance.",
            code="variance_reason_required",
            field="variance_reason",
            details=variance.model_dump(mode="json", exclude={"reason"}),
        )


def reduction_needs_reassessment_and_the_gate(person: Person, new_cost_pence: int) -> datetime | None:
    """A budget is never cut without a reassessment: a plan costing less than the figure last
    signed off needs the person reassessed since that sign-off (a review's reassessment, reason
    ``review_reduction``), and their eligibility and budget worked out again on it. The gate itself
    (every carer's assessment finished) is checked by the planning command. Answers when the
    reassessment that justifies the cut was completed; None for no cut."""
    approved, signed_off_at = person.last_approved_pence, person.last_signed_off_at
    if approved is None or signed_off_at is None or new_cost_pence >= approved:
        return None
    details = {"approved_pence": approved, "revised_pence": new_cost_pence, "signed_off_at": signed_off_at.isoformat()}
    reassessed = person.assessment_completed_at
    if reassessed is None or reassessed <= signed_off_at:
        raise RuleViolation(
            f"the plan for {person.person_id} would cut the budget signed off from {format_pounds(approved)} to "
            f"{format_pounds(new_cost_pence)} a year, and {person.person_id} has not been reassessed since that "
            f"sign-off: a budget is never cut without a reassessment (request one for reason "
            f"{AssessmentRequestReason.REVIEW_REDUCTION.value}) that goes back through the gate",
            code="reduction_needs_reassessment",
            details=details,
        )
    if person.eligibility is None or person.budget is None:
        raise RuleViolation(
            f"{person.person_id} was reassessed, but eligibility and the indicative budget have not been worked "
            "out again on the new assessment: a cut goes back through the gate",
            code="reduction_needs_the_gate_again",
            details={**details, "reassessed_at": reassessed.isoformat()},
        )
    return reassessed


def aligned_people(state: CaseState, person_id: str) -> list[str]:
    """Whose plans are aligned with this person's: named by either plan's ``aligned_with``."""
    person = state.people[person_id]
    named = list(person.plan.aligned_with) if person.plan is not None else []
    for other in state.people.values():
        if other.person_id != person_id and other.plan is not None and person_id in other.plan.aligned_with:
            named.append(other.person_id)
    return list(dict.fromkeys(named))


def aligned_plans_must_be_on_the_case(state: CaseState, person: Person, plan: SupportPlan) -> None:
    """``aligned_with`` names another person on the case whose plan has been drafted."""
    for other_id in plan.aligned_with:
        other = state.people.get(other_id)
        if other_id == person.person_id or other is None or other.plan is None:
            raise NotFound(
                f"aligned_with: {other_id} names no other plan on the case",
                code="aligned_plan_not_found",
                field="plan.aligned_with",
                details={"plans": sorted(p.person_id for p in state.people.values() if p.plan is not None)},
            )


def same_line(a: PlanLine, b: PlanLine) -> bool:
    """Two plans name the same line: what, by whom, how often and at what cost (aligned plans)."""
    keys = ("category", "what", "provider_name", "frequency", "units_per_period", "unit_cost_pence")
    return all(getattr(a, k) == getattr(b, k) for k in keys)


def replacement_care_must_be_in_both_plans(state: CaseState, person: Person) -> None:
    """A replacement care line (a carer's break) is care for the adult: in a carer's plan it records
    the adult's agreement, and where the adult's and the carer's plans are aligned it appears in
    both (a carer's plan may carry it alone where the adult has no plan aligned with it: one who
    refused assessment, say)."""
    assert person.plan is not None
    for index, line in enumerate(person.plan.lines):
        if line.category != SpendCategory.REPLACEMENT_CARE_BREAK:
            continue
        if person.kind == "carer" and not line.cared_for_person_agreed:
            raise RuleViolation(
                f"line {index}: replacement care in a carer's plan is care for the adult, given with the adult's "
                "agreement: record it (cared_for_person_agreed)",
                code="replacement_care_needs_the_adults_agreement",
                field="plan.lines",
            )
        counterparts = [
            state.people[other_id]
            for other_id in aligned_people(state, person.person_id)
            if state.people[other_id].kind != person.kind
        ]
        if counterparts and not any(
            other.plan and any(same_line(line, mine) for mine in other.plan.lines) for other in counterparts
        ):
            where = "the carer's" if person.kind == "adult" else "the adult's"
            raise RuleViolation(
                f"line {index}: replacement care appears in both the adult's and the carer's plan, aligned; "
                f"it is not in {where} aligned plan",
                code="replacement_care_not_in_both_plans",
                field="plan.lines",
                details={"aligned_with": [p.person_id for p in counterparts]},
            )


# Holding a budget and the people who hold it (issue 18: ISF, managed account, mix; authorised
# persons and nominees; capacity per decision)

# Which payee each way of holding a budget pays through its money route.
PAYEES_BY_HOLDING: dict[BudgetManagement, frozenset[PaymentRecipient]] = {
    BudgetManagement.DIRECT_PAYMENT: frozenset(
        {PaymentRecipient.PERSON, PaymentRecipient.AUTHORISED_PERSON, PaymentRecipient.NOMINEE}
    ),
    BudgetManagement.MIX: frozenset(
        {PaymentRecipient.PERSON, PaymentRecipient.AUTHORISED_PERSON, PaymentRecipient.NOMINEE}
    ),
    BudgetManagement.THIRD_PARTY_MANAGED_ACCOUNT: frozenset({PaymentRecipient.MANAGED_ACCOUNT}),
    BudgetManagement.INDIVIDUAL_SERVICE_FUND: frozenset({PaymentRecipient.ISF_PROVIDER}),
    BudgetManagement.COUNCIL_MANAGED: frozenset(),
}
DIRECT_PAYEES = PAYEES_BY_HOLDING[BudgetManagement.DIRECT_PAYMENT]


def capacity_for(person: Person, decision: CapacityDecision) -> bool | None:
    """Whether the person has capacity for one decision: its own recorded assessment, else (for a
    case recorded before capacity was kept per decision) the needs assessment's one flag."""
    record = person.capacity.get(decision)
    return record.has_capacity if record is not None else person.has_capacity


def representative_id_must_be_new(state: CaseState, representative_id: str) -> None:
    if representative_id in state.representatives or representative_id in state.people:
        raise RuleViolation(
            f"{representative_id!r} is already a person on the case",
            code="representative_id_in_use",
            field="representative_id",
        )


def authorised_person_needs_an_assessed_lack_of_capacity(person: Person) -> CapacityRecord:
    """DP Regs / s.32: an authorised person receives a direct payment only for an adult assessed as
    lacking capacity to request one; the assessment of that decision is what it rests on."""
    record = person.capacity.get(CapacityDecision.CONSENT_TO_DIRECT_PAYMENT)
    if capacity_for(person, CapacityDecision.CONSENT_TO_DIRECT_PAYMENT) is True:
        raise RuleViolation(
            f"{person.person_id} has capacity to consent to a direct payment: an authorised person is only for "
            "an adult who lacks it (a nominee is for an adult who has capacity and asks)",
            code="authorised_person_for_adult_with_capacity",
            field="person_id",
        )
    if record is None:
        raise RuleViolation(
            f"record the assessment of {person.person_id}'s capacity to consent to a direct payment (who assessed "
            "it and when) before an authorised person is recorded",
            code="capacity_not_assessed_for_decision",
            field="person_id",
            details={"decision": CapacityDecision.CONSENT_TO_DIRECT_PAYMENT.value},
        )
    return record


def best_interests_decision_must_follow_the_capacity_assessment(decided_on: date, capacity: CapacityRecord) -> None:
    if decided_on < capacity.assessed_on:
        raise RuleViolation(
            f"the best-interests decision ({decided_on.isoformat()}) comes before the capacity assessment it "
            f"rests on ({capacity.assessed_on.isoformat()})",
            code="best_interests_before_capacity_assessment",
            field="best_interests_decided_on",
        )


def nominee_needs_capacity_and_the_persons_request(person: Person, requested_by_person: bool) -> None:
    """s.31: a nominee receives a direct payment for an adult who has capacity and asks for it."""
    capable = capacity_for(person, CapacityDecision.CONSENT_TO_DIRECT_PAYMENT)
    if person.kind == "adult" and capable is not True:
        raise RuleViolation(
            f"{person.person_id} is not recorded as having capacity to consent to a direct payment: a nominee is "
            "for an adult who has capacity and asks (an authorised person is for one who lacks it)",
            code="nominee_needs_capacity",
            field="person_id",
        )
    if not requested_by_person:
        raise RuleViolation(
            f"a nominee is named at {person.person_id}'s own request",
            code="nominee_not_requested",
            field="requested_by_person",
        )


def representative_must_consent(consented: bool) -> None:
    if not consented:
        raise RuleViolation(
            "a direct payment is made to an authorised person or nominee only with their consent",
            code="representative_consent_missing",
            field="consented",
        )


def representative_must_pass_the_councils_checks(details: RepresentativeDetails, required: RequiredChecks) -> None:
    """The checks the council requires of a representative (policy), e.g. a DBS check of a paid manager."""
    needed = [*required.of_everyone, *(required.of_paid_managers if details.paid_manager else [])]
    missing = sorted({check.value for check in needed} - {made.check.value for made in details.checks})
    if missing:
        raise RuleViolation(
            f"the council requires {', '.join(m.replace('_', ' ') for m in missing)} of this representative first",
            code="representative_checks_missing",
            field="checks",
            details={"missing": missing, "paid_manager": details.paid_manager},
        )


def representative_must_be_fit_to_hold_the_payment(details: RepresentativeDetails, required: RequiredChecks) -> None:
    """Anyone who holds a direct payment for another consents to it and passes the council's checks."""
    representative_must_consent(details.consented)
    representative_must_pass_the_councils_checks(details, required)


def representative_must_exist(state: CaseState, representative_id: str, field: str) -> Representative:
    representative = state.representatives.get(representative_id)
    if representative is None:
        raise NotFound(
            f"{representative_id!r} is not an authorised person or nominee recorded on the case",
            code="unknown_representative",
            field=field,
        )
    return representative


def direct_payment_request_comes_from_the_person_or_their_authorised_person(
    state: CaseState, person: Person, requested_by_id: str
) -> None:
    """s.31/s.32: the adult with capacity asks (or consents) themselves; for one who lacks it, their
    authorised person asks."""
    if requested_by_id == person.person_id:
        if capacity_for(person, CapacityDecision.CONSENT_TO_DIRECT_PAYMENT) is False:
            raise RuleViolation(
                f"{person.person_id} lacks capacity to request a direct payment: their authorised person asks",
                code="direct_payment_request_needs_capacity",
                field="requested_by_id",
            )
        return
    representative = representative_must_exist(state, requested_by_id, "requested_by_id")
    if representative.person_id != person.person_id or representative.role != RepresentativeRole.AUTHORISED_PERSON:
        raise RuleViolation(
            f"{requested_by_id!r} is not {person.person_id}'s authorised person: the person asks themselves, or "
            "their authorised person for them",
            code="direct_payment_request_by_someone_else",
            field="requested_by_id",
        )


def payee_must_fit_how_the_budget_is_held(plan: SupportPlan, recipient: PaymentRecipient) -> None:
    allowed = PAYEES_BY_HOLDING[plan.management]
    if recipient not in allowed:
        raise RuleViolation(
            f"a budget held as {plan.management.value.replace('_', ' ')} is paid to "
            f"{' or '.join(sorted(p.value.replace('_', ' ') for p in allowed)) or 'nobody'}, "
            f"not to a {recipient.value.replace('_', ' ')}",
            code="payee_does_not_fit_budget_holding",
            field="recipient",
            details={"management": plan.management.value, "allowed": sorted(p.value for p in allowed)},
        )


def latest_authorised_person(state: CaseState, person: Person) -> Representative | None:
    """The authorised person recorded last for a person (a new one replaces the one before)."""
    found = None
    for representative in state.representatives.values():
        if representative.person_id == person.person_id and representative.role == RepresentativeRole.AUTHORISED_PERSON:
            found = representative
    return found


def why_the_latest_direct_payment_request_does_not_stand(
    state: CaseState, person: Person, latest: DirectPaymentRequest
) -> str:
    """Why the request recorded last no longer stands ("" when it does): the adult's own lapses once
    they are assessed as lacking capacity for the decision; an authorised person's lapses once the
    adult is assessed as having it, or once a new authorised person is recorded."""
    has_capacity = capacity_for(person, CapacityDecision.CONSENT_TO_DIRECT_PAYMENT)
    if latest.requested_by_id == person.person_id:
        return "the person has since been assessed as lacking capacity to request it" if has_capacity is False else ""
    current = latest_authorised_person(state, person)
    if has_capacity is True:
        return "the person has since been assessed as having capacity: they ask themselves"
    if current is None or current.representative_id != latest.requested_by_id:
        return "a new authorised person has been recorded since: they ask again"
    return ""


def direct_payment_must_have_been_requested(
    state: CaseState, person: Person, recipient: PaymentRecipient
) -> DirectPaymentRequest | None:
    """s.31/s.32: a direct payment is made only on request: the adult's own, while they have
    capacity to make it, or their authorised person's for an adult who lacks it.

    The request recorded last stands (a withdrawal is recorded as one), and only while its maker
    may still make it. A budget held through a third-party managed account or an ISF is not a
    direct payment to the person (decision 0038) and needs none; the direct-payment part of a mix
    does. Answers the request the agreement rests on (None for a managed account or an ISF)."""
    if recipient not in DIRECT_PAYEES:
        return None
    latest = person.direct_payment_requests[-1] if person.direct_payment_requests else None
    if latest is None or latest.withdrawn:
        withdrawn = f" (the request recorded last, on {latest.requested_on.isoformat()}, withdrew it)" if latest else ""
        raise RuleViolation(
            f"a direct payment is made only on request: record {person.person_id}'s request (or their authorised "
            f"person's) first{withdrawn}",
            code="direct_payment_not_requested",
            field="person_id",
            details={"withdrawn_on": latest.requested_on.isoformat() if latest else None},
        )
    lapsed = why_the_latest_direct_payment_request_does_not_stand(state, person, latest)
    if lapsed:
        raise RuleViolation(
            f"the direct payment request by {latest.requested_by_id!r} on {latest.requested_on.isoformat()} no "
            f"longer stands: {lapsed}",
            code="direct_payment_request_lapsed",
            field="person_id",
            details={"requested_by_id": latest.requested_by_id, "requested_on": latest.requested_on.isoformat()},
        )
    return latest


def payee_must_be_on_the_case_or_in_the_plan(
    state: CaseState, person: Person, plan: SupportPlan, recipient: PaymentRecipient, recipient_id: str | None
) -> tuple[str | None, str, str | None]:
    """Who is paid: the person themselves, or an authorised person or nominee recorded on the case
    for them, each by id; for a managed account or an ISF, the holder the signed-off plan names.
    Answers (recipient id, payee's name, payee's reference)."""
    if recipient == PaymentRecipient.MANAGED_ACCOUNT or recipient == PaymentRecipient.ISF_PROVIDER:
        if recipient_id is not None:
            raise InvalidInput(
                "recipient_id: a managed account or an ISF provider is the one the signed-off plan names",
                code="payee_named_by_the_plan",
                field="recipient_id",
            )
        if recipient == PaymentRecipient.MANAGED_ACCOUNT:
            assert plan.account_holder is not None  # the plan's own validation
            return None, plan.account_holder, plan.account_reference
        assert plan.isf_provider is not None
        return None, plan.isf_provider, plan.isf_reference
    if recipient == PaymentRecipient.PERSON:
        if recipient_id in (None, person.person_id):
            return person.person_id, person.name, None
        if recipient_id in state.people or recipient_id in state.representatives:
            raise RuleViolation(
                f"a direct payment to the person is paid to {person.person_id}, not {recipient_id!r}",
                code="payee_is_not_the_person",
                field="recipient_id",
            )
        raise NotFound(
            f"{recipient_id!r} is not a person recorded on the case", code="payee_not_on_the_case", field="recipient_id"
        )
    if recipient_id is None:
        raise InvalidInput(
            f"recipient_id: name the {recipient.value.replace('_', ' ')} recorded on the case",
            code="payee_id_required",
            field="recipient_id",
        )
    representative = state.representatives.get(recipient_id)
    if representative is None:
        raise NotFound(
            f"{recipient_id!r} is not a person recorded on the case", code="payee_not_on_the_case", field="recipient_id"
        )
    if representative.person_id != person.person_id or representative.role.value != recipient.value:
        raise RuleViolation(
            f"{recipient_id!r} is {representative.person_id}'s {representative.role.value.replace('_', ' ')}, not "
            f"{person.person_id}'s {recipient.value.replace('_', ' ')}",
            code="payee_is_not_that_representative",
            field="recipient_id",
        )
    return representative.representative_id, representative.name, None


def payment_must_follow_the_varied_schedule(agreement: Agreement, slot: int, due_on: date, amount_pence: int) -> None:
    """Once an agreement has been varied, a slot is scheduled only on the date and for the amount
    its schedule gives it: a payment worked out on the terms before a variation that has since been
    recorded is refused, and worked out again on the new ones."""
    if not agreement.schedule:
        return
    segments = agreement.segments()
    try:
        expected: tuple[date | None, int] = (segment_due_date(segments, slot), segment_amount(segments, slot))
    except (ValueError, OverflowError):  # a slot whose date the calendar cannot hold
        expected = (None, segment_amount(segments, slot))
    if expected != (due_on, amount_pence):
        raise RuleViolation(
            f"slot {slot} of agreement {agreement.agreement_id} falls due on "
            f"{expected[0].isoformat() if expected[0] else 'no date'} for {format_pounds(expected[1])} "
            "under its varied schedule",
            code="payment_off_the_varied_schedule",
            field="slot",
            details={
                "due_on": expected[0].isoformat() if expected[0] else None,
                "amount_pence": expected[1],
                "first_varied_slot": agreement.schedule[-1].first_slot,
            },
        )


# Safeguarding (issue 19; domain/case/safeguarding.py)


def safeguarding_concern_id_must_be_new(state: CaseState, concern_id: str) -> None:
    if concern_id in state.safeguarding:
        raise RuleViolation(
            f"safeguarding concern {concern_id!r} is already recorded", code="safeguarding_concern_id_taken"
        )


def safeguarding_concern_must_be_open(state: CaseState, concern_id: str) -> SafeguardingConcern:
    concern = state.safeguarding.get(concern_id)
    if concern is None:
        raise NotFound(
            f"no safeguarding concern {concern_id!r} on this case",
            code="unknown_safeguarding_concern",
            field="concern_id",
        )
    if not concern.open:
        raise RuleViolation(
            f"safeguarding concern {concern_id} is closed", code="safeguarding_concern_closed", field="concern_id"
        )
    return concern


def section_42_is_decided_once(concern: SafeguardingConcern) -> None:
    if concern.enquiry_needed is not None:
        raise RuleViolation(
            f"whether concern {concern.concern_id} needs a s.42 enquiry is already decided",
            code="section_42_already_decided",
            field="concern_id",
        )


def enquiry_outcome_follows_a_section_42_decision(concern: SafeguardingConcern) -> None:
    """An enquiry's outcome is recorded once it was decided that an enquiry is needed."""
    if concern.enquiry_needed is not True:
        raise RuleViolation(
            f"no s.42 enquiry has been decided on for concern {concern.concern_id}",
            code="no_section_42_enquiry",
            field="concern_id",
        )


def fast_track_needs_its_conditions(state: CaseState, person: Person, plan: SupportPlan) -> None:
    """A fast-track plan is for a person whose wishes are clear and who is not at risk: refused
    while a safeguarding concern about them is open, or while they need an independent advocate or
    lack capacity for their care and support arrangements (the conditions are checked, not assumed)."""
    if plan.kind != PlanKind.FAST_TRACK:
        return
    concerns = sorted(c.concern_id for c in state.safeguarding.values() if c.open and c.person_id == person.person_id)
    if concerns:
        raise RuleViolation(
            f"a fast-track plan is not for a person with an open safeguarding concern ({', '.join(concerns)})",
            code="fast_track_barred_by_safeguarding",
            field="plan.kind",
            details={"concerns": concerns},
        )
    if person.advocate_needed_at(AdvocacyStage.PLANNING) or (
        capacity_for(person, CapacityDecision.CARE_AND_SUPPORT_ARRANGEMENTS) is False
    ):
        raise RuleViolation(
            f"a fast-track plan needs {person.person_id}'s wishes to be clear: not while they need an advocate "
            "or lack capacity for their care arrangements",
            code="fast_track_needs_clear_wishes",
            field="plan.kind",
        )


# Corrections of facts recorded about a person (UK GDPR Art. 16). A refusal never repeats the value
# sent or the value held: refusals are logged, and both are personal.


def corrected_event_must_be_on_the_case(case_version: int, version: int) -> None:
    if version > case_version:
        raise NotFound(
            f"the case has no event at version {version}: its latest is version {case_version}",
            code="no_event_at_version",
            field="event_version",
            details={"latest_version": case_version},
        )


def fact_must_be_correctable(state: CaseState, version: int, field: str) -> tuple[RecordedFactSource, CorrectableFact]:
    source = state.recorded_facts.get(version)
    if source is None:
        raise RuleViolation(
            f"version {version} records no fact about a person that a correction may change: figures, "
            "decisions, actors, times and ids change only by the process's own commands (a reassessment, "
            "a challenge, a review)",
            code="fact_not_correctable",
            field="event_version",
            details={"versions_with_correctable_facts": sorted(state.recorded_facts)},
        )
    fact = CORRECTABLE_FACTS.get((source.event_type, field))
    if fact is None:
        allowed = correctable_fields(source.event_type)
        raise RuleViolation(
            f"{field!r} of {source.event_type} (version {version}) cannot be corrected; "
            f"the fields that can be are {', '.join(allowed)}",
            code="fact_not_correctable",
            field="field",
            details={"event_type": source.event_type, "correctable_fields": allowed},
        )
    return source, fact


_ISO_DATE = re.compile(r"[0-9]{4}-[0-9]{2}-[0-9]{2}")
_NAME: TypeAdapter[str] = TypeAdapter(Name)
_TEXT: TypeAdapter[str] = TypeAdapter(Reason)
_DATE: TypeAdapter[date] = TypeAdapter(CaseDate)


def corrected_value_must_fit_the_fact(fact: CorrectableFact, source: RecordedFactSource, value: str) -> str:
    """The value as the original command would have held it (trimmed, normalised; a date as
    YYYY-MM-DD), within the same bounds; a date of birth no later than the day of the event."""
    if fact.kind == FactKind.DATE_OF_BIRTH and not _ISO_DATE.fullmatch(value):
        raise InvalidInput(
            f"corrected_value: {fact.field} of {fact.event_type} is a date, written YYYY-MM-DD",
            code="corrected_value_wrong_type",
            field="corrected_value",
            details={"kind": fact.kind.value},
        )
    rule, problem = "", ""
    corrected = value
    if fact.kind == FactKind.DATE_OF_BIRTH:
        try:
            born = _DATE.validate_python(date.fromisoformat(value))
        except ValidationError as error:
            rule, problem = error.errors()[0]["type"], "not a date in the case calendar"
        except ValueError:
            rule, problem = "no_such_date", "no such day in the calendar"
        else:
            corrected = born.isoformat()
            if born > source.recorded_on:
                rule = "born_after_the_event"
                problem = (
                    f"a date of birth is no later than the day the event recorded it ({source.recorded_on.isoformat()})"
                )
    else:
        try:
            corrected = (_NAME if fact.kind == FactKind.NAME else _TEXT).validate_python(value)
        except ValidationError as error:
            first = error.errors()[0]
            rule, problem = first["type"], f"{first['msg']} ({fact.kind.value})"
    if rule:
        raise InvalidInput(
            f"corrected_value: {problem}",
            code="corrected_value_out_of_bounds",
            field="corrected_value",
            details={"kind": fact.kind.value, "rule": rule},
        )
    return corrected


def correction_must_change_the_value(current: str, corrected: str, fact: CorrectableFact, version: int) -> None:
    """The latest value wins: a fact corrected before may be corrected again, but not to what it says now."""
    if current == corrected:
        raise RuleViolation(
            f"{fact.field} of {fact.event_type} (version {version}) already says that; a correction changes it",
            code="correction_changes_nothing",
            field="corrected_value",
        )


# Retention: personal data erased at the end of the council's retention period (decision 0026) ---


def personal_data_is_erased_only_once_retention_has_ended(state: CaseState, now: datetime, retention_days: int) -> None:
    """The council keeps a case's personal data for its retention period after closure, then erases it."""
    if not state.closed:
        raise RuleViolation(
            "the case is open: its personal data is kept while the council works with the person",
            code="retention_case_open",
        )
    closed_at = state.closed_at or state.last_recorded_at
    ends = closed_at + timedelta(days=retention_days)
    if now < ends:
        raise RuleViolation(
            f"the retention period after closure ends on {ends.date().isoformat()}",
            code="retention_period_not_ended",
            details={"closed_at": closed_at.isoformat(), "retention_days": retention_days, "ends": ends.isoformat()},
        )


def personal_data_must_not_already_be_erased(state: CaseState) -> None:
    if state.personal_data_erased_at is not None:
        raise RuleViolation(
            f"the case's personal data was erased at {state.personal_data_erased_at.isoformat()}",
            code="personal_data_already_erased",
        )


# Endings per person, and money after them (domain/case/endings.py)

# Who may close a case while a challenge is open or payments are due.
CLOSURE_AUTHORITY = frozenset({Role.TEAM_MANAGER, Role.HEAD_OF_SERVICE})
# Reasons that end only a carer's involvement, and reasons that end only the adult's.
CARER_ONLY_ENDINGS = frozenset({InvolvementEndReason.CARER_STOPPED_CARING, InvolvementEndReason.CARER_DIED})
ADULT_ONLY_ENDINGS = frozenset({InvolvementEndReason.MOVED_TO_RESIDENTIAL_CARE})
# A review that closes the plan ends it for one of these reasons.
REVIEW_ENDINGS = frozenset({InvolvementEndReason.NEEDS_MET, InvolvementEndReason.NO_LONGER_ELIGIBLE})


def involvement_must_not_have_ended(person: Person, field: str = "person_id") -> None:
    if person.involvement_ended_on is not None:
        raise RuleViolation(
            f"{person.kind} {person.person_id}'s involvement ended on {person.involvement_ended_on.isoformat()}",
            code="involvement_already_ended",
            field=field,
        )


def end_reason_must_fit_the_person(person: Person, reason: InvolvementEndReason) -> None:
    if person.kind == "adult" and reason in CARER_ONLY_ENDINGS:
        raise InvalidInput(
            f"reason: {reason.value} ends a carer's involvement, and {person.person_id} is the adult",
            code="end_reason_not_for_this_person",
            field="reason",
        )
    if person.kind == "carer" and reason in ADULT_ONLY_ENDINGS:
        raise InvalidInput(
            f"reason: {reason.value} ends the adult's involvement, and {person.person_id} is a carer",
            code="end_reason_not_for_this_person",
            field="reason",
        )


def ending_must_not_be_before_the_case_began(state: CaseState, ended_on: date) -> None:
    began = state.case_began_at.date()
    if ended_on < began:
        raise InvalidInput(
            f"ended_on: {ended_on.isoformat()} is before the case began on {began.isoformat()}",
            code="ending_before_case_began",
            field="ended_on",
        )


def closing_with_a_challenge_open_or_payments_due_needs_a_team_manager(state: CaseState, actor: Actor) -> None:
    """Closing a case that still has a budget challenged, or direct payments running or a final
    payment unpaid, is a team manager's decision: a social worker alone is refused."""
    if actor.role in CLOSURE_AUTHORITY:
        return
    open_challenges = [c.challenge_id for p in state.people.values() for c in p.challenges if not c.resolved]
    running = [
        a.agreement_id
        for a in state.agreements.values()
        if a.status != "stopped" or (a.final_payment_pence and not a.final_payment_paid)
    ]
    if open_challenges or running:
        raise RuleViolation(
            "closing a case with a challenge open or direct payments due needs a team manager",
            code="closure_needs_team_manager",
            details={"open_challenges": open_challenges, "agreements_paying": running},
        )


def case_may_close(state: CaseState, reason: ClosureReason, actor: Actor, day: date) -> None:
    """Every rule of closing a case, checked before anything of the closure is recorded."""
    case_must_be_open(state)
    written_advice_must_be_given_before_closing(state, reason)
    closing_with_a_challenge_open_or_payments_due_needs_a_team_manager(state, actor)
    ending_must_not_be_before_the_case_began(state, day)


def review_end_reason_must_fit_the_outcome(outcome: ReviewOutcome, end_reason: InvolvementEndReason | None) -> None:
    if end_reason is not None and outcome != ReviewOutcome.CLOSE:
        raise InvalidInput(
            "end_reason: only a review that closes the plan gives a reason for ending it",
            code="review_end_reason_invalid",
            field="end_reason",
        )
    if end_reason is not None and end_reason not in REVIEW_ENDINGS:
        raise InvalidInput(
            f"end_reason: a review ends a plan as needs_met or no_longer_eligible, not {end_reason.value}",
            code="review_end_reason_invalid",
            field="end_reason",
        )


def direct_payment_account_must_be_open(state: CaseState, agreement: Agreement) -> None:
    """Money under an agreement stays reconcilable after the person's ending and after the case
    closes: monitoring returns, recoveries and the final payment are accepted until a finance
    officer closes the account. An agreement that never ended on a case still open follows the
    case as before."""
    if agreement.account_closed:
        raise RuleViolation(
            f"the direct payment account of {agreement.agreement_id} is closed", code="direct_payment_account_closed"
        )


def final_payment_is_paid_once(agreement: Agreement) -> None:
    if not agreement.settled or agreement.final_payment_pence == 0:
        raise RuleViolation(f"no final payment is due under {agreement.agreement_id}", code="no_final_payment_due")
    if agreement.final_payment_paid:
        raise RuleViolation(
            f"the final payment under {agreement.agreement_id} has already been paid", code="final_payment_already_paid"
        )


def overpayment_recovery_must_not_exceed_the_overpayment(agreement: Agreement, amount_pence: int) -> None:
    left = agreement.overpayment_pence - agreement.recovered_overpayment_pence
    if amount_pence > left:
        raise RuleViolation(
            f"{format_pounds(amount_pence)} is more than the {format_pounds(left)} overpaid under "
            f"{agreement.agreement_id} and not yet recovered",
            code="recovery_exceeds_overpayment",
            field="amount_pence",
            details={"overpayment_pence": agreement.overpayment_pence, "outstanding_pence": left},
        )


def payments_after_an_ending_are_recovered_as_its_overpayment(agreement: Agreement) -> None:
    if agreement.settled:
        raise RuleViolation(
            f"{agreement.agreement_id} ended with a person's involvement: what was paid after the ending is its "
            "overpayment, recovered with recover-overpayment",
            code="recovered_as_the_overpayment",
        )


def recovery_from_an_estate_needs_a_death(
    state: CaseState, agreement: Agreement, recovered_from: RecoveredFrom
) -> None:
    if recovered_from == RecoveredFrom.ESTATE:
        person = state.people[agreement.person_id]
        died = (person.kind == "adult" and person.involvement_end_reason == InvolvementEndReason.ADULT_DIED) or (
            person.involvement_end_reason == InvolvementEndReason.CARER_DIED
        )
        if not died:
            raise RuleViolation(
                f"{agreement.person_id}'s death is not recorded: there is no estate to recover from",
                code="no_estate_to_recover_from",
                field="recovered_from",
            )
    if recovered_from == RecoveredFrom.REPRESENTATIVE and agreement.recipient_id not in state.representatives:
        raise RuleViolation(
            f"{agreement.agreement_id} does not pay a representative",
            code="no_representative_paid",
            field="recovered_from",
        )


def account_closes_after_the_agreement_ends(agreement: Agreement) -> None:
    if agreement.status != "stopped":
        raise RuleViolation(
            f"{agreement.agreement_id} is still {agreement.status}: end it before closing its account",
            code="agreement_still_running",
        )


def account_must_be_settled_to_close(agreement: Agreement, write_off_pence: int) -> None:
    """Nothing may be left outstanding: the final payment paid, and what the council is owed (the
    overpayment not recovered, the balance held unspent) recovered or written off exactly."""
    unpaid = 0 if agreement.final_payment_paid else agreement.final_payment_pence
    owed = agreement.overpayment_pence - agreement.recovered_overpayment_pence + agreement.balance_pence
    if unpaid or write_off_pence != owed:
        raise RuleViolation(
            f"the account of {agreement.agreement_id} has {format_pounds(unpaid)} of final payment unpaid and "
            f"{format_pounds(owed)} owed to the council; {format_pounds(write_off_pence)} was offered as written off",
            code="account_amount_outstanding",
            field="write_off_pence",
            details={"final_payment_unpaid_pence": unpaid, "owed_pence": owed, "write_off_pence": write_off_pence},
        )


def write_off_needs_a_reason_within_delegated_authority(
    actor: Actor, write_off_pence: int, reason: str | None, limit_pence: int
) -> None:
    if write_off_pence and not (reason or "").strip():
        raise InvalidInput(
            "write_off_reason: a write-off needs its reason", code="write_off_reason_required", field="write_off_reason"
        )
    if write_off_pence > limit_pence and actor.role != Role.HEAD_OF_SERVICE:
        raise RuleViolation(
            f"writing off {format_pounds(write_off_pence)} is beyond a {actor.role.value.replace('_', ' ')}'s "
            f"limit of {format_pounds(limit_pence)}: a head of service decides it",
            code="write_off_beyond_delegated_authority",
            field="write_off_pence",
            details={"limit_pence": limit_pence},
        )


# Reablement (issue 19; domain/case/reablement.py)

# Reablement is free of charge for up to six weeks (Care and Support (Preventing Needs for Care and
# Support) Regulations 2014); a longer period is the council's exception, and never beyond twelve.
REABLEMENT_FREE_DAYS = 42
REABLEMENT_LONGEST_DAYS = 84
REABLEMENT_EXTENSION_AUTHORITY = frozenset({Role.TEAM_MANAGER, Role.HEAD_OF_SERVICE})


def referral_must_be_screened_to_reablement(state: CaseState) -> None:
    if state.screening != ScreeningOutcome.REABLEMENT:
        raise RuleViolation(
            "reablement follows a screening to reablement "
            f"(this referral was {'not screened' if state.screening is None else state.screening.value})",
            code="referral_not_screened_for_reablement",
        )


def reablement_must_not_already_have_started(person: Person) -> None:
    if person.reablement is not None:
        raise RuleViolation(
            f"reablement for {person.person_id} started on {person.reablement.starts_on.isoformat()}",
            code="reablement_already_started",
        )


def reablement_must_last_at_most_six_weeks(
    starts_on: date, planned_end_on: date, extension_reason: str | None, actor: Actor
) -> None:
    """Reablement runs from its start to a planned end at most six weeks on. A longer period needs
    the reason recorded and a team manager (or head of service) to agree it, and ends within
    twelve weeks; a reason given for a period of six weeks or less is not an extension."""
    if planned_end_on < starts_on:
        raise InvalidInput(
            f"planned_end_on {planned_end_on.isoformat()} is before reablement starts on {starts_on.isoformat()}",
            code="reablement_ends_before_it_starts",
            field="planned_end_on",
        )
    days = (planned_end_on - starts_on).days
    six_weeks = (starts_on + timedelta(days=REABLEMENT_FREE_DAYS)).isoformat()
    if days <= REABLEMENT_FREE_DAYS:
        if extension_reason is not None:
            raise InvalidInput(
                f"extension_reason: reablement ending by {six_weeks} is not extended beyond six weeks",
                code="reablement_extension_not_needed",
                field="extension_reason",
            )
        return
    if days > REABLEMENT_LONGEST_DAYS:
        latest = (starts_on + timedelta(days=REABLEMENT_LONGEST_DAYS)).isoformat()
        raise RuleViolation(
            f"reablement is never planned beyond twelve weeks: it ends by {latest} at the latest",
            code="reablement_too_long",
            field="planned_end_on",
            details={"latest": latest},
        )
    if extension_reason is None:
        raise RuleViolation(
            f"reablement is for up to six weeks (to {six_weeks}): a longer period records its reason "
            "(extension_reason) and is agreed by a team manager",
            code="reablement_longer_than_six_weeks",
            field="planned_end_on",
            details={"six_weeks_end": six_weeks, "planned_days": days},
        )
    if actor.role not in REABLEMENT_EXTENSION_AUTHORITY:
        raise RuleViolation(
            "reablement beyond six weeks is agreed by a team manager or head of service",
            code="reablement_extension_needs_a_team_manager",
            field="planned_end_on",
            details={"role": actor.role.value},
        )


def reablement_must_be_active(person: Person) -> None:
    if person.reablement is None:
        raise RuleViolation(f"reablement for {person.person_id} has not started", code="reablement_not_started")
    if not person.reablement.active:
        raise RuleViolation(
            f"reablement for {person.person_id} ended on {person.reablement.ended_on}",
            code="reablement_already_ended",
        )


def reablement_must_not_end_before_it_starts(person: Person, ended_on: date) -> None:
    assert person.reablement is not None
    if ended_on < person.reablement.starts_on:
        raise InvalidInput(
            f"ended_on {ended_on.isoformat()} is before reablement started on "
            f"{person.reablement.starts_on.isoformat()}",
            code="reablement_ended_before_it_started",
            field="ended_on",
        )


# Continuity of care when a person moves to another council (Care Act 2014 s.37-38; domain/case/moves.py)


def receiving_council_must_be_another_council(state: CaseState, receiving_council_code: str) -> None:
    if receiving_council_code == state.council_code:
        raise InvalidInput(
            f"receiving_council_code: {receiving_council_code} is this council; a move to another council names "
            "the council the person is moving to",
            code="receiving_council_is_this_council",
            field="receiving_council_code",
        )


def move_must_be_notified(person: Person) -> CouncilMove:
    if person.move is None:
        raise RuleViolation(
            f"no move to another council has been notified for {person.kind} {person.person_id}",
            code="move_not_notified",
            field="person_id",
        )
    return person.move


def move_must_not_be_before_it_was_notified(notified_on: date, move_on: date) -> None:
    if move_on < notified_on:
        raise InvalidInput(
            f"move_on: {move_on.isoformat()} is before the move was notified ({notified_on.isoformat()})",
            code="move_before_notification",
            field="move_on",
        )


def shared_records_must_be_on_the_case(state: CaseState, person: Person, kinds: list[SharedRecordKind]) -> None:
    """Only what the case holds can be shared: an assessment completed, a plan, a budget."""
    held = records_held(state, person)
    missing = [kind.value for kind in kinds if not held.get(kind)]
    if missing:
        raise RuleViolation(
            f"the case holds no {', '.join(missing)} to share for {person.kind} {person.person_id}",
            code="shared_record_not_on_the_case",
            field="kinds",
            details={"missing": missing},
        )


def records_held(state: CaseState, person: Person) -> dict[SharedRecordKind, list[str]]:
    """Whose record of each kind the case holds for a person who moves: the person's own, and for a
    carer's assessment each carer on the case with one completed (s.37(7)(b))."""
    carers = [c.person_id for c in state.carers() if c.assessment == AssessmentStatus.COMPLETED]
    own = [person.person_id]
    return {
        SharedRecordKind.NEEDS_ASSESSMENT: own if person.assessment == AssessmentStatus.COMPLETED else [],
        SharedRecordKind.CARERS_ASSESSMENT: carers if person.kind == "adult" else [],
        SharedRecordKind.ELIGIBILITY: own if person.eligibility is not None else [],
        SharedRecordKind.SUPPORT_PLAN: own if person.plan is not None else [],
        SharedRecordKind.PERSONAL_BUDGET: own if person.budget is not None or person.sign_off is not None else [],
        SharedRecordKind.FINANCIAL_ASSESSMENT: own if person.statement is not None else [],
    }


def receiving_council_must_not_have_assessed(move: CouncilMove) -> None:
    if move.receiving_assessed_on is not None:
        raise RuleViolation(
            f"the receiving council assessed on {move.receiving_assessed_on.isoformat()}",
            code="receiving_council_already_assessed",
        )


def needs_met_past_the_move_is_recorded_once(move: CouncilMove) -> None:
    if move.needs_met_until_receiving_assessment:
        raise RuleViolation(
            "it is already recorded that this council goes on meeting the needs until the receiving council assesses",
            code="needs_met_past_the_move_already_recorded",
        )


def receiving_assessment_must_not_be_before_notification(move: CouncilMove, assessed_on: date) -> None:
    if assessed_on < move.notified_on:
        raise InvalidInput(
            f"assessed_on: {assessed_on.isoformat()} is before the move was notified ({move.notified_on.isoformat()})",
            code="receiving_assessment_before_notification",
            field="assessed_on",
        )


def an_ending_for_a_move_waits_for_the_receiving_council(
    person: Person, reason: InvolvementEndReason, ended_on: date
) -> None:
    """Every ending for a move to another council (its own, or the case's closure as moved away)
    keeps s.38 once the move was notified."""
    if reason == InvolvementEndReason.MOVED_TO_ANOTHER_COUNCIL and person.move is not None:
        a_move_ends_involvement_only_once_the_receiving_council_has_assessed(person, ended_on)


def a_move_ends_involvement_only_once_the_receiving_council_has_assessed(person: Person, ended_on: date) -> None:
    """s.38: this council meets the person's needs until the receiving council has assessed them.
    An ending for the move is not before the move date, waits for the receiving council's
    assessment, and where this council went on meeting the needs past the move date (a team
    manager's record), it is not before that assessment either."""
    move = move_must_be_notified(person)
    if ended_on < move.move_on:
        raise RuleViolation(
            f"ended_on: {ended_on.isoformat()} is before the move on {move.move_on.isoformat()}",
            code="ending_before_the_move",
            field="ended_on",
        )
    if move.receiving_assessed_on is None:
        raise RuleViolation(
            f"the receiving council ({move.receiving_council_code}) has not assessed {person.person_id} yet: this "
            "council goes on meeting the needs until it has (s.38)",
            code="receiving_council_has_not_assessed",
            field="reason",
            details={"move_on": move.move_on.isoformat(), "receiving_council_code": move.receiving_council_code},
        )
    if move.needs_met_until_receiving_assessment and ended_on < move.receiving_assessed_on:
        raise RuleViolation(
            f"ended_on: this council went on meeting the needs until the receiving council assessed on "
            f"{move.receiving_assessed_on.isoformat()}; the ending is not before it",
            code="ending_before_the_receiving_assessment",
            field="ended_on",
        )


# The NHS continuing healthcare boundary (issue 19; domain/case/continuing_healthcare.py)


def continuing_healthcare_referral_must_not_be_pending(person: Person) -> None:
    chc = person.continuing_healthcare
    if chc is not None and chc.outcome == ContinuingHealthcareOutcome.PENDING:
        raise RuleViolation(
            f"{person.person_id} was referred for NHS continuing healthcare on {chc.referred_on.isoformat()} "
            "and the NHS has not decided yet",
            code="continuing_healthcare_referral_pending",
        )


def continuing_healthcare_referral_must_be_pending(person: Person) -> ContinuingHealthcare:
    chc = person.continuing_healthcare
    if chc is None or chc.outcome != ContinuingHealthcareOutcome.PENDING:
        raise RuleViolation(
            f"{person.person_id} has no NHS continuing healthcare referral awaiting a decision",
            code="no_continuing_healthcare_referral_pending",
        )
    return chc


def continuing_healthcare_dates_must_follow_each_other(first: date, then: date, field: str) -> None:
    if then < first:
        raise InvalidInput(
            f"{field} {then.isoformat()} is before {first.isoformat()}",
            code="continuing_healthcare_dates_out_of_order",
            field=field,
        )


def council_must_not_fund_what_the_nhs_meets(person: Person, plan: SupportPlan) -> None:
    """s.22: a person found eligible for NHS continuing healthcare has their package funded by the
    NHS; the council does not fund a plan for them, drafted, revised or approved (a joint package
    is not full eligibility)."""
    if person.fully_funded_by_the_nhs() and plan.annual_cost_pence > 0:
        raise RuleViolation(
            f"{person.person_id} is eligible for NHS continuing healthcare: the NHS funds their care, so "
            f"the council does not fund a plan costing it {format_pounds(plan.annual_cost_pence)} a year "
            "(each line's funding names the NHS for its whole cost)",
            code="fully_funded_by_the_nhs",
            field="plan.lines",
        )


def record_version_must_be_on_the_case(version: int, case_version: int) -> None:
    if version > case_version:
        raise InvalidInput(
            f"version: the case is at version {case_version}; an export cannot have been made at {version}",
            code="record_version_not_on_the_case",
            field="version",
        )


# Documents for the person (decision 0044)


def documents_given_must_be_ones_the_case_can_give(state: CaseState, kind: DocumentKind, person_id: str) -> None:
    """A document issued to a person is one the case can give them as it stands: its decision is
    recorded (domain/documents/availability.py says which)."""
    if not can_give(state, kind, person_id):
        raise RuleViolation(
            f"kind: the case has no {kind.value.replace('_', ' ')} for {person_id} to give: nothing recorded to make "
            "it from",
            code="no_such_document_to_give",
            field="kind",
            details={"kinds": [k.value for k in kinds_for(state, person_id)]},
        )


def document_sources_must_be_on_the_case(source_versions: list[int], case_version: int) -> None:
    beyond = sorted(v for v in source_versions if v > case_version)
    if beyond:
        raise InvalidInput(
            f"source_versions: the case is at version {case_version}; a document cannot have been made from "
            f"{', '.join(str(v) for v in beyond)}",
            code="document_source_not_on_the_case",
            field="source_versions",
            details={"case_version": case_version},
        )
