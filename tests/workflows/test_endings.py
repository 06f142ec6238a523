"""Endings under the workflow: a review that closes the adult's plan ends her direct payment, so no
slot is paid after the ending, its final payment is paid once, and no further review is scheduled
for her; after the case closes, its workflow runs on for the money until finance closes the account."""

from __future__ import annotations

from datetime import date, timedelta

from temporalio.client import WorkflowExecutionStatus
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from domain import commands as c
from domain.application import CaseRecord
from tests.builders import ADULT, FINANCE, MANAGER, Scenario
from tests.workflows.driving import eventually, payments_of, send, start, to_sign_off
from workflows.case_workflow import case_workflow_id

FOUR_WEEKLY = 7 * 2_300 * 4


def events_named(case_record: CaseRecord, story: Scenario, name: str) -> list:
    return [e for e in case_record.stored_events(story.case_id) if type(e).__name__ == name]


async def _paying_from_a_fortnight_ago(temporal_env: WorkflowEnvironment, story: Scenario, task_queue: str) -> None:
    """Both plans signed off; the adult's direct payment started 14 days ago, so slot 1 was due
    before the agreement was made (arrears, never confirmed) and slot 2 falls due in 14 days."""
    client = temporal_env.client
    with temporal_env.with_time_skipping_disabled():
        await start(client, story.case_id, task_queue)
    await to_sign_off(client, story)
    start_date = (date.today() - timedelta(days=14)).isoformat()
    await send(client, story.agreement(start_date=start_date, amount_per_payment_pence=FOUR_WEEKLY))


async def test_a_review_that_closes_the_adults_plan_ends_her_direct_payment_and_schedules_no_further_review(
    temporal_env: WorkflowEnvironment, worker: Worker, case_record: CaseRecord, task_queue: str
) -> None:
    client, story = temporal_env.client, Scenario()
    await _paying_from_a_fortnight_ago(temporal_env, story, task_queue)
    payments = payments_of(client, story.case_id)
    await send(client, story.request_review(review_id="rv-9", person_ids=[ADULT], reason="change_of_circumstances"))
    reviews_before = set(case_record.get_case(story.case_id).state.reviews)

    await send(client, story.complete_review(review_id="rv-9", outcome="close", end_reason="needs_met"))

    # Her payments workflow is told to stop and ends without paying slot 2.
    stopped = await payments.result()
    assert (stopped.stopped, stopped.issued_slots) == (True, [])
    case = case_record.get_case(story.case_id).state
    ended_on = case.agreements["dp-1"].ended_on
    assert ended_on == case.adult.involvement_ended_on and ended_on is not None
    assert events_named(case_record, story, "PaymentIssued") == []
    # Slot 1 (due 14 days before the ending, never paid) is owed for those 14 of its 28 days: the
    # process pays that final payment, once.
    settled = events_named(case_record, story, "FinalSettlementWorkedOut")
    assert [(s.agreement_id, s.final_payment_pence) for s in settled] == [("dp-1", FOUR_WEEKLY * 14 // 28)]
    await eventually(lambda: len(events_named(case_record, story, "FinalPaymentIssued")) == 1, "the final payment")
    instructions = case_record.recorder.payment_instructions()  # type: ignore[attr-defined]
    assert sorted((i.kind, i.agreement_id, i.amount_pence) for i in instructions if i.case_id == story.case_id) == [
        ("payment", "dp-1", FOUR_WEEKLY // 2),
        ("stop", "dp-1", 0),
    ]

    # No further review for her: none was scheduled by the close, and none still open names her.
    case = case_record.get_case(story.case_id).state
    assert set(case.reviews) == reviews_before
    assert [r.review_id for r in case.reviews.values() if r.status == "scheduled" and ADULT in r.person_ids] == []
    # The carer's plan goes on, and so does the case.
    assert (case.people["carer-1"].plan_status.value, case.closed) == ("approved", False)


async def test_after_the_case_closes_its_workflow_takes_the_money_until_finance_closes_the_account(
    temporal_env: WorkflowEnvironment, worker: Worker, case_record: CaseRecord, task_queue: str
) -> None:
    client, story = temporal_env.client, Scenario()
    await _paying_from_a_fortnight_ago(temporal_env, story, task_queue)
    handle = client.get_workflow_handle(case_workflow_id(story.case_id))

    await send(client, story.close(reason="deceased", actor=MANAGER))
    await eventually(lambda: len(events_named(case_record, story, "FinalPaymentIssued")) == 1, "the final payment")
    description = await handle.describe()
    assert description.status == WorkflowExecutionStatus.RUNNING

    # The final return after her death, then the account is closed with the balance recovered.
    received = FOUR_WEEKLY // 2
    today = date.today().isoformat()
    start_date = (date.today() - timedelta(days=14)).isoformat()
    await send(
        client,
        story.monitoring_return(
            period_start=start_date, period_end=today, spent_pence=received - 1_000, underspend_pence=None
        ),
    )
    await send(client, story.recover(amount_pence=1_000, recovered_from="estate", reason="unspent at her death"))
    closing = c.CloseDirectPaymentAccount.model_validate(
        {"case_id": story.case_id, "command_id": "close-account", "actor": FINANCE, "agreement_id": "dp-1"}
    )
    await send(client, closing)

    await handle.result()
    assert events_named(case_record, story, "DirectPaymentAccountClosed")[0].agreement_id == "dp-1"


async def test_with_the_needs_met_past_the_move_date_the_payments_go_on_until_the_receiving_council_assesses(
    temporal_env: WorkflowEnvironment, worker: Worker, case_record: CaseRecord, task_queue: str
) -> None:
    client, story = temporal_env.client, Scenario()
    await _paying_from_a_fortnight_ago(temporal_env, story, task_queue)
    payments = payments_of(client, story.case_id)
    today = date.today().isoformat()
    await send(client, story.notify_move(move_on=today, notified_on=today))
    await send(client, story.continue_after_move())

    # Slot 2 falls due a fortnight after the move date and is paid: this council still meets the needs.
    assert await temporal_env.fast_forward(payments, timedelta(days=15))
    await eventually(lambda: [e.slot for e in events_named(case_record, story, "PaymentIssued")] == [2], "slot 2")

    # Once the receiving council has assessed, the involvement ends for the move and payments stop.
    await send(client, story.receiving_assessed(assessed_on=today))
    await send(client, story.end_involvement(reason="moved_to_another_council", ended_on=today))
    stopped = await payments.result()
    assert (stopped.stopped, stopped.issued_slots) == (True, [2])
    assert case_record.get_case(story.case_id).state.adult.involvement_end_reason.value == "moved_to_another_council"
