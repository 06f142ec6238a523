"""Money nobody approved is never paid, and a back-dated start is never a burst of payments.

Seen before: an agreement of 9,200,000 pence weekly accepted against a plan of 92,000 four-weekly
(see test_bounded_input), and a back-dated start that paid every slot already due at once (205
payments in about a minute). Now the slots already due are one catch-up payment that a finance
officer confirms, to the penny, and the schedule carries on from the first slot not yet due.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from api.backend import Backend
from domain.application import CaseRecord
from domain.case.work import work_items
from tests.builders import ADULT, Scenario, plan_for
from tests.clock import SteppingClock
from tests.domain.story import given, last, refused, state, when
from tests.reliability.driving import FOUR_WEEKLY, Caller, to_sign_off
from tests.temporal_fixtures import bring_todays_slot_due
from workflows.case_workflow import case_workflow_id
from workflows.payments import PaymentsWorkflow

WEEKLY = FOUR_WEEKLY // 4


def signed_off_weekly(s: Scenario) -> list[Any]:
    """The adult's plan paid weekly, signed off (the carer's plan council-managed)."""
    return [
        s.up_to_planning(carers=("carer-1",)),
        s.draft(plan=plan_for(ADULT, weekly_hours=7, direct_payment_pence=WEEKLY, direct_payment_frequency="weekly")),
        s.draft(
            "carer-1", plan=plan_for("carer-1", weekly_hours=1, unit_cost_pence=9_000, management="council_managed")
        ),
        s.submit(),
        s.submit("carer-1"),
        s.sign_off(),
        s.sign_off("carer-1"),
    ]


def back_dated(s: Scenario, clock: SteppingClock, days: int) -> Any:
    start = clock.now.date() - timedelta(days=days)
    return s.agreement(start_date=start.isoformat(), frequency="weekly", amount_per_payment_pence=WEEKLY)


# The case record, on both stores -------------------------------------------------------------


def test_a_back_dated_start_records_its_arrears_and_pays_none_of_them_slot_by_slot(
    record: CaseRecord, clock: SteppingClock
):
    s = Scenario()
    given(record, signed_off_weekly(s))
    # 182 days back, weekly: slots due 182, 175, … 7 days ago are arrears; slot 27 is due today.
    assert when(record, back_dated(s, clock, 182)) == ["DirectPaymentAgreementMade"]
    made = last(record, s.case_id, "DirectPaymentAgreementMade")
    assert (made.arrears_slots, made.arrears_pence) == (26, 26 * WEEKLY)
    agreement = state(record, s.case_id).agreements["dp-1"]
    assert agreement.arrears_status == "awaiting_confirmation"

    for slot in (1, 26):
        refused(
            record,
            s.schedule_payment(slot, due_on=clock.now.date().isoformat(), amount_pence=WEEKLY),
            "slot_in_arrears",
        )
    work = work_items(state(record, s.case_id))
    assert [(w.kind, w.role.value, w.ref) for w in work if w.kind == "confirm_arrears"] == [
        ("confirm_arrears", "finance_officer", "dp-1")
    ]


def test_finance_confirms_the_catch_up_to_the_penny_and_it_is_one_instruction(record: CaseRecord, clock: SteppingClock):
    s = Scenario()
    given(record, signed_off_weekly(s), back_dated(s, clock, 20))  # slots 20 and 13 and 6 days ago
    error = refused(record, s.confirm_arrears(amount_pence=2 * WEEKLY), "arrears_amount_mismatch")
    assert error.details == {"arrears_pence": 3 * WEEKLY, "confirmed_pence": 2 * WEEKLY, "arrears_slots": 3}
    assert "£483.00" in error.message and "£322.00" in error.message

    assert when(record, s.confirm_arrears(amount_pence=3 * WEEKLY)) == ["ArrearsPaymentIssued"]
    agreement = state(record, s.case_id).agreements["dp-1"]
    assert agreement.arrears_status == "paid" and agreement.paid_pence == 3 * WEEKLY
    assert sorted(agreement.slots) == [1, 2, 3] and {x.status for x in agreement.slots.values()} == {"issued"}
    instructions = [i for i in record.payment_instructions() if i.case_id == s.case_id]
    assert [(i.slot, i.amount_pence, i.payment_reference) for i in instructions] == [(1, 3 * WEEKLY, "dp-1-arrears")]

    refused(record, s.confirm_arrears(amount_pence=3 * WEEKLY, command_id="again"), "no_arrears_to_confirm")
    refused(record, s.issue_payment(2), "payment_already_issued")
    # The schedule goes on from the first slot not yet due.
    when(record, s.schedule_payment(4, due_on=(clock.now.date() + timedelta(days=1)).isoformat(), amount_pence=WEEKLY))


def test_an_agreement_starting_today_or_later_has_no_arrears(record: CaseRecord, clock: SteppingClock):
    s = Scenario()
    given(record, signed_off_weekly(s), back_dated(s, clock, 0))
    assert last(record, s.case_id, "DirectPaymentAgreementMade").arrears_slots == 0
    refused(record, s.confirm_arrears(amount_pence=WEEKLY), "no_arrears_to_confirm")


def test_no_agreement_starts_further_back_than_the_council_allows(record: CaseRecord, clock: SteppingClock):
    s = Scenario()
    given(record, signed_off_weekly(s))
    refused(record, back_dated(s, clock, 183), "agreement_start_out_of_window")


def test_an_agreement_never_pays_more_a_year_than_the_sign_off_approved(record: CaseRecord):
    s = Scenario()
    # Signed off with changes to a plan of 5 hours (£5,980.00 a year) whose direct payment still
    # says seven hours' worth: an agreement at that payment is more than was approved.
    changed = plan_for(ADULT, weekly_hours=5, direct_payment_pence=FOUR_WEEKLY)
    given(
        record,
        s.up_to_planning(carers=("carer-1",)),
        s.draft(plan=plan_for(ADULT, weekly_hours=7)),
        s.submit(),
        s.sign_off(outcome="approved_with_changes", plan=changed, approved_pence=598_000),
    )
    error = refused(record, s.agreement(amount_per_payment_pence=FOUR_WEEKLY), "agreement_exceeds_approved_budget")
    assert error.details["agreed_yearly_pence"] == 13 * FOUR_WEEKLY
    assert error.details["approved_budget_pence"] == 598_000


# Through the workflow, over HTTP ---------------------------------------------------------------


@pytest.fixture
def caller(http: httpx.AsyncClient, tokens: tuple[Any, dict[str, str]], backend: Backend) -> Caller:
    return Caller(http, tokens[1], backend)


def issued(backend: Backend, case_id: Any) -> list[str]:
    return [
        f"{type(e).__name__}:{getattr(e, 'slot', getattr(e, 'first_slot', ''))}"
        for e in backend.record.stored_events(case_id)
        if type(e).__name__ in ("PaymentIssued", "ArrearsPaymentIssued")
    ]


@pytest.mark.api
async def test_a_back_dated_agreement_pays_the_slot_due_today_and_waits_for_finance_for_the_rest(
    caller: Caller, backend: Backend, temporal_env: WorkflowEnvironment
):
    story = Scenario()
    await to_sign_off(caller, story)
    today = datetime.now(UTC).date()
    # Four-weekly from 168 days ago: slots 1-6 are arrears, slot 7 falls due today.
    await caller.do(
        story.agreement(start_date=(today - timedelta(days=168)).isoformat(), amount_per_payment_pence=FOUR_WEEKLY)
    )
    case_id = caller.case_id(story)
    payments = backend.temporal.get_workflow_handle_for(
        PaymentsWorkflow.run, f"{case_workflow_id(case_id)}/payments/dp-1"
    )
    await bring_todays_slot_due(temporal_env, payments)
    # The record has the payment as soon as the activity commits; the payments workflow counts the
    # slot when it next runs, a moment later. Wait for both (bounded), then check each.
    for _ in range(300):
        schedule = await payments.query(PaymentsWorkflow.schedule)
        if issued(backend, case_id) == ["PaymentIssued:7"] and schedule.issued_slots:
            break
        await asyncio.sleep(0.05)
    assert issued(backend, case_id) == ["PaymentIssued:7"]
    assert schedule.issued_slots == [7] and schedule.next_slot == 8

    # A team manager may not release money; finance may, stating the amount.
    confirm = story.confirm_arrears(amount_pence=6 * FOUR_WEEKLY)
    await caller.refused(confirm, status=403, role="team_manager")
    await caller.refused(
        story.confirm_arrears(amount_pence=FOUR_WEEKLY),
        status=409,
        code="arrears_amount_mismatch",
        field="amount_pence",
    )
    result = await caller.do(confirm)
    assert [e["type"] for e in result["events"]] == ["ArrearsPaymentIssued"]
    assert issued(backend, case_id) == ["PaymentIssued:7", "ArrearsPaymentIssued:1"]
    outbox = [(i.slot, i.amount_pence) for i in backend.record.payment_instructions() if i.case_id == case_id]
    assert outbox == [(7, FOUR_WEEKLY), (1, 6 * FOUR_WEEKLY)]
