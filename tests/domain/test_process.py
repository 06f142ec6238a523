"""What the process does of its own accord when a fact is recorded: the pure reactions of
``domain.case.process``, told as stories of a case kept in memory (no store, no Temporal)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import Any

import pytest

from domain.case.aggregate import Case
from domain.case.base import CaseEvent
from domain.case.process import (
    CycleEnded,
    Reaction,
    Record,
    ResumePayments,
    Situation,
    StartPayments,
    StopPayments,
    SuspendPayments,
    next_deadline,
    overdue,
    react,
)
from domain.commands import (
    CaseCommand,
    CouncilSettings,
    EndInvolvement,
    IssueFinalPayment,
    RecordStageOverdue,
    RequestReview,
    ScheduleReview,
    Services,
)
from domain.service_levels import ServiceLevels
from domain.vocabulary import Frequency, ReviewKind, ReviewReason
from policy.catalogue import RuleSetCatalogue
from tests.builders import ADULT, Scenario, plan_for
from tests.rule_sets import TEST_COUNCILS

pytestmark = pytest.mark.unit

NOW = datetime(2026, 2, 2, 9, tzinfo=UTC)
# The process's own clock: a due date it sets runs from here, whatever the record's clock said.
TODAY = date(2026, 2, 10)
SERVICES = Services(council=CouncilSettings(), rule_sets=RuleSetCatalogue(TEST_COUNCILS))
LEVELS = ServiceLevels()
ADULT_PAYMENT_PENCE = 7 * 2_300 * 4  # the adult's plan: 7 hours a week at £23.00, paid four-weekly
CARER_PLAN = plan_for("carer-1", weekly_hours=1, unit_cost_pence=9_000, management="council_managed")


class Story:
    """A case kept in memory: each command runs its aggregate method, as the case record would."""

    def __init__(self) -> None:
        self.s = Scenario()
        self.case: Case | None = None
        self.last: list[CaseEvent] = []

    def given(self, *commands: CaseCommand | list[CaseCommand]) -> Story:
        for step in commands:
            for command in step if isinstance(step, list) else [step]:
                ctx = command.context(NOW)
                if command.creates_case:
                    self.case = command.create(ctx, SERVICES)  # type: ignore[attr-defined]
                else:
                    command.execute(self.the_case, ctx, SERVICES)
                self.last = [e for e in self.the_case.collect_events() if isinstance(e, CaseEvent)]
        return self

    @property
    def the_case(self) -> Case:
        assert self.case is not None, "a story begins with the referral"
        return self.case

    def event(self, kind: type[CaseEvent]) -> CaseEvent:
        """The event of that class the last command recorded."""
        found = [e for e in self.last if isinstance(e, kind)]
        assert found, f"the last command recorded no {kind.__qualname__}"
        return found[-1]

    def situation(self, payments: tuple[str, ...] = (), reviews_scheduled: int = 0) -> Situation:
        return Situation(
            case=self.the_case.state,
            service_levels=LEVELS,
            today=TODAY,
            payments=payments,
            reviews_scheduled=reviews_scheduled,
        )

    def react(self, kind: type[CaseEvent], **situation: Any) -> Reaction:
        return react(self.event(kind), self.situation(**situation))


def family_before_the_panel(story: Story) -> Story:
    """The adult's direct payment plan and carer-1's council-managed plan, both submitted."""
    s = story.s
    return story.given(
        s.up_to_planning(carers=("carer-1",)),
        s.draft(plan=plan_for(ADULT, weekly_hours=7)),
        s.draft("carer-1", plan=CARER_PLAN),
        s.submit(),
        s.submit("carer-1"),
    )


def family_signed_off(story: Story) -> Story:
    """Both plans approved."""
    return family_before_the_panel(story).given(story.s.sign_off(), story.s.sign_off("carer-1"))


def agreement(story: Story, **kw: Any) -> CaseCommand:
    return story.s.agreement(amount_per_payment_pence=ADULT_PAYMENT_PENCE, **kw)


def scheduled(kind: ReviewKind, number: int, due_on: date, people: list[str]) -> Record:
    return Record(
        ScheduleReview, {"review_id": f"{kind.value}-{number}", "person_ids": people, "kind": kind, "due_on": due_on}
    )


# Sign-off and the family's first review ---------------------------------------------------------


def test_the_last_plan_approved_asks_for_one_first_review_for_the_whole_family_eight_weeks_on():
    story = family_signed_off(Story())

    reaction = story.react(Case.SignOffDecisionRecorded)

    assert reaction == Reaction(
        (scheduled(ReviewKind.PLANNED_FIRST, 1, TODAY + timedelta(weeks=8), [ADULT, "carer-1"]),),
        reviews_scheduled=1,
    )


def test_an_approval_while_another_plan_is_still_before_the_panel_waits_for_it():
    story = family_before_the_panel(Story())
    story.given(story.s.sign_off())

    assert story.react(Case.SignOffDecisionRecorded, reviews_scheduled=3) == Reaction(reviews_scheduled=3)


def test_a_declined_plan_asks_for_no_review():
    story = Story()
    s = story.s
    story.given(s.up_to_planning(carers=()), s.draft(), s.submit(), s.sign_off(outcome="declined"))

    assert story.react(Case.SignOffDecisionRecorded).intents == ()


def test_a_plan_revised_after_a_review_and_approved_again_keeps_the_planned_review_already_booked():
    story = family_signed_off(Story())
    s = story.s
    story.given(
        s.schedule_review(review_id="planned_first-1"),
        s.schedule_review(review_id="planned_annual-2", kind="planned_annual", due_on="2027-02-10"),
        s.complete_review(review_id="planned_first-1", outcome="revise_plan"),
        s.revise(plan=plan_for(ADULT, weekly_hours=8)),
        s.submit(),
        s.sign_off(),
    )

    assert story.react(Case.SignOffDecisionRecorded, reviews_scheduled=2) == Reaction(reviews_scheduled=2)


# Direct payments ---------------------------------------------------------------------------------


def test_an_agreement_gets_its_payments_and_its_own_review_within_six_months_of_its_start():
    story = family_signed_off(Story())
    story.given(agreement(story))

    reaction = story.react(Case.DirectPaymentAgreementMade, reviews_scheduled=1)

    start = date(2026, 2, 2)
    assert reaction == Reaction(
        (
            StartPayments("dp-1", Frequency.FOUR_WEEKLY, ADULT_PAYMENT_PENCE, start, first_slot=1),
            scheduled(ReviewKind.DIRECT_PAYMENT_FIRST, 2, start + timedelta(days=182), [ADULT, "carer-1"]),
        ),
        reviews_scheduled=2,
    )


def test_an_individual_service_fund_gets_its_payments_but_no_direct_payment_review():
    story = Story()
    s = story.s
    story.given(
        s.up_to_planning(carers=()),
        s.draft(plan=plan_for(ADULT, management="individual_service_fund")),
        s.submit(),
        s.sign_off(),
        s.agreement(recipient="isf_provider", amount_per_payment_pence=92_000),
    )

    reaction = story.react(Case.DirectPaymentAgreementMade, reviews_scheduled=1)

    assert reaction == Reaction(
        (StartPayments("dp-1", Frequency.FOUR_WEEKLY, 92_000, date(2026, 2, 2), first_slot=1),), reviews_scheduled=1
    )


def test_a_back_dated_agreement_pays_from_the_first_slot_not_yet_due():
    story = family_signed_off(Story())
    story.given(agreement(story, start_date=(NOW.date() - timedelta(days=60)).isoformat()))
    made = story.event(Case.DirectPaymentAgreementMade)
    assert made.arrears_slots == 3  # type: ignore[attr-defined]

    start = story.react(Case.DirectPaymentAgreementMade).intents[0]

    assert isinstance(start, StartPayments) and start.first_slot == 4


def test_an_agreement_whose_payments_are_running_starts_nothing_again():
    story = family_signed_off(Story())
    story.given(agreement(story))

    assert story.react(Case.DirectPaymentAgreementMade, payments=("dp-1",)).intents == ()


def test_payments_are_suspended_resumed_and_stopped_as_the_agreement_is():
    story = family_signed_off(Story())
    s = story.s
    story.given(agreement(story), s.suspend())
    assert story.react(Case.DirectPaymentsSuspended, payments=("dp-1",)).intents == (SuspendPayments("dp-1"),)
    story.given(s.resume())
    assert story.react(Case.DirectPaymentsResumed, payments=("dp-1",)).intents == (ResumePayments("dp-1"),)
    story.given(s.end_agreement())
    assert story.react(Case.DirectPaymentAgreementEnded, payments=("dp-1",)).intents == (StopPayments("dp-1"),)


def test_an_agreement_without_payments_running_has_nothing_to_tell():
    story = family_signed_off(Story())
    story.given(agreement(story), story.s.suspend())

    assert story.react(Case.DirectPaymentsSuspended).intents == ()


def test_closing_the_case_stops_every_agreement_s_payments():
    story = family_signed_off(Story())
    story.given(story.s.close())

    assert story.react(Case.CaseClosed, payments=("dp-1", "dp-2")).intents == (
        StopPayments("dp-1"),
        StopPayments("dp-2"),
    )


# Reviews -----------------------------------------------------------------------------------------


def test_a_completed_planned_review_ends_a_cycle_and_asks_for_the_annual_review():
    story = family_signed_off(Story())
    story.given(story.s.schedule_review(review_id="planned_first-1"))
    story.given(story.s.complete_review(review_id="planned_first-1"))

    reaction = story.react(Case.ReviewCompleted, reviews_scheduled=1)

    annual = scheduled(ReviewKind.PLANNED_ANNUAL, 2, TODAY + timedelta(days=365), [ADULT, "carer-1"])
    assert reaction == Reaction((CycleEnded(), annual), reviews_scheduled=2)


def test_a_review_that_closes_everyones_plan_asks_for_nothing_more():
    story = family_signed_off(Story())
    story.given(story.s.schedule_review(review_id="rv-1", person_ids=[ADULT, "carer-1"]))
    story.given(story.s.complete_review(review_id="rv-1", outcome="close"))

    assert story.react(Case.ReviewCompleted, reviews_scheduled=1) == Reaction(reviews_scheduled=1)


def test_a_review_that_closes_the_adults_plan_asks_for_the_next_review_of_the_carer_alone():
    story = family_signed_off(Story())
    story.given(story.s.schedule_review(review_id="planned_first-1"))
    story.given(story.s.complete_review(review_id="planned_first-1", outcome="close"))

    reaction = story.react(Case.ReviewCompleted, reviews_scheduled=1)

    annual = scheduled(ReviewKind.PLANNED_ANNUAL, 2, TODAY + timedelta(days=365), ["carer-1"])
    assert reaction == Reaction((CycleEnded(), annual), reviews_scheduled=2)


# Endings ----------------------------------------------------------------------------------------


def test_an_ending_stops_the_persons_payments_and_pays_a_final_payment_due_once():
    story = family_signed_off(Story())
    s = story.s
    story.given(agreement(story, start_date="2026-01-05"))
    story.given(s._make(EndInvolvement, {"person_id": ADULT, "reason": "adult_died", "ended_on": "2026-02-02"}, {}))

    # Slot 1 (due 5 Jan, in arrears and never paid) is owed in full: all its 28 days came before the death.
    settled = story.event(Case.FinalSettlementWorkedOut)
    assert settled.final_payment_pence == ADULT_PAYMENT_PENCE
    assert story.react(Case.FinalSettlementWorkedOut) == Reaction(
        (Record(IssueFinalPayment, {"agreement_id": "dp-1"}),)
    )
    assert story.react(Case.DirectPaymentAgreementEnded, payments=("dp-1",)) == Reaction((StopPayments("dp-1"),))
    assert story.react(Case.InvolvementEnded, payments=("dp-1",)) == Reaction()


def test_an_ending_that_leaves_an_overpayment_pays_nothing_more():
    story = family_signed_off(Story())
    s = story.s
    amount = {"amount_pence": ADULT_PAYMENT_PENCE}
    story.given(agreement(story), s.schedule_payment(1, **amount), s.issue_payment(1))
    story.given(s._make(EndInvolvement, {"person_id": ADULT, "reason": "adult_died", "ended_on": "2026-02-02"}, {}))

    # Slot 1 was paid in advance on the day of the death: all of it is overpaid.
    assert story.event(Case.FinalSettlementWorkedOut).overpayment_pence == ADULT_PAYMENT_PENCE
    assert story.react(Case.FinalSettlementWorkedOut) == Reaction()


def test_an_unplanned_review_completed_keeps_the_planned_one_already_open():
    story = family_signed_off(Story())
    s = story.s
    story.given(s.schedule_review(review_id="planned_first-1"), s.request_review(review_id="rv-9"))
    story.given(s.complete_review(review_id="rv-9"))

    assert story.react(Case.ReviewCompleted).intents == ()


def test_a_review_requested_for_one_person_prompts_a_linked_review_of_the_others():
    story = family_signed_off(Story())
    story.given(story.s.request_review(review_id="rv-9", person_ids=[ADULT], due_on="2026-05-01"))

    reaction = story.react(Case.ReviewRequested, reviews_scheduled=1)

    linked = Record(
        RequestReview,
        {
            "review_id": "linked-2",
            "person_ids": ["carer-1"],
            "reason": ReviewReason.LINKED_PERSON_CHANGED,
            "due_on": date(2026, 5, 1),
            "details": "linked to review rv-9",
        },
    )
    assert reaction == Reaction((linked,), reviews_scheduled=2)


def test_a_linked_review_prompts_no_further_linked_review():
    story = family_signed_off(Story())
    story.given(story.s.request_review(review_id="linked-1", person_ids=["carer-1"], reason="linked_person_changed"))

    assert story.react(Case.ReviewRequested).intents == ()


def test_a_fact_the_process_does_not_act_on_asks_for_nothing():
    story = Story()
    story.given(story.s.referral())

    assert story.react(Case.ReferralReceived, reviews_scheduled=4) == Reaction(reviews_scheduled=4)


# Service levels ----------------------------------------------------------------------------------


def test_a_stage_past_its_service_level_is_flagged_overdue_once():
    story = Story()
    story.given(story.s.referral(), story.s.screen())
    case = story.the_case.state
    due = next_deadline(case, LEVELS)
    assert due == case.stage_entered_at + timedelta(days=28)  # the assessment's 28 days

    assert overdue(case, LEVELS, due - timedelta(seconds=1)) == []
    assert overdue(case, LEVELS, due) == [Record(RecordStageOverdue, {"stage": "assessment", "due_at": due})]

    story.given(story.s.overdue(stage="assessment", due_at=due.isoformat()))
    assert overdue(story.the_case.state, LEVELS, due + timedelta(days=1)) == []


def test_no_case_has_no_deadline():
    assert next_deadline(None, LEVELS) is None and overdue(None, LEVELS, NOW) == []
