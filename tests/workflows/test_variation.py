"""A varied direct payment under the workflows, with the worker killed (SIGKILL) across the change:
the old amount is paid up to the change date and the new amount after it, each slot exactly once,
none skipped, in the case record and in the finance outbox alike."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
from datetime import date, timedelta
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from domain import commands as c
from domain.application import CaseRecord
from domain.vocabulary import Frequency
from policy.catalogue import RuleSetCatalogue
from tests.builders import ADULT, FINANCE, Scenario, plan_for
from tests.domain.story import adult_only_signed_off
from tests.rule_sets import TEST_COUNCILS
from tests.workflows.driving import (
    eventually,
    payments_of,
    send,
    start,
    start_worker_process,
    to_sign_off,
    worker_process_env,
)
from workflows.payments import PaymentsInput, PaymentsWorkflow

FOUR_WEEKLY = 7 * 2_300 * 4  # the plan as first signed off: 7 hours a week at £23.00, four-weekly
WEEKLY = 10 * 2_300  # after the review: 10 hours a week, paid weekly (the revised plan's £920 four-weekly)


def _outbox(store: Path, story: Scenario) -> list[tuple[int, int]]:
    """The finance system's instructions for the case, as (slot, amount), in the order written."""
    try:
        with sqlite3.connect(store) as conn:
            rows = conn.execute(
                "SELECT slot, amount_pence FROM payment_outbox WHERE case_id=? AND kind IN ('payment', 'reissue') "
                "ORDER BY instruction_id",
                (story.case_id.hex,),
            ).fetchall()
    except sqlite3.Error:
        return []
    return [(int(slot), int(amount)) for slot, amount in rows]


@pytest.mark.workflow_timeout(300)
async def test_a_varied_agreement_pays_the_old_amount_to_the_change_date_and_the_new_after_it(
    temporal_env: WorkflowEnvironment, task_queue: str, tmp_path: Path
) -> None:
    store = tmp_path / "store.sqlite"
    env = worker_process_env(temporal_env, task_queue, store)
    client, story = temporal_env.client, Scenario()
    today = date.today()
    change = today + timedelta(days=42)  # between slot 2 (day 28) and slot 3 (day 56) of the old terms
    worker = start_worker_process(env)
    try:
        with temporal_env.with_time_skipping_disabled():
            await start(client, story.case_id, task_queue)
        await to_sign_off(client, story)
        await send(client, story.agreement(start_date=today.isoformat(), amount_per_payment_pence=FOUR_WEEKLY))
        payments = payments_of(client, story.case_id)
        # A day on: slot 1 (due at 09:00 today) has fallen due whatever the hour now.
        assert await temporal_env.fast_forward(payments, timedelta(days=1))
        await eventually(lambda: _outbox(store, story) == [(1, FOUR_WEEKLY)], "slot 1 on the terms as made")

        # The review revises the plan to 10 hours a week; once it is signed off, finance varies the
        # agreement to follow it: weekly from the change date.
        await send(client, story.complete_review(review_id="planned_first-1", outcome="revise_plan"))
        await send(client, story.revise(plan=plan_for(ADULT, weekly_hours=10)))
        await send(client, story.submit())
        await send(client, story.sign_off())
        varied = c.VaryDirectPaymentAgreement.model_validate(
            {
                "case_id": story.case_id,
                "command_id": "vary-1",
                "actor": FINANCE,
                "agreement_id": "dp-1",
                "amount_per_payment_pence": WEEKLY,
                "frequency": "weekly",
                "from_date": change.isoformat(),
                "reason": "the plan was revised at review: ten hours a week, paid weekly",
            }
        )
        await send(client, varied)

        # The worker dies before it can have told the payments of the variation, and slot 2 falls
        # due while no worker runs (worked out on the old terms, it is refused by the record and
        # paid pro-rated once the variation reaches the payments).
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        forward = asyncio.create_task(temporal_env.fast_forward(payments, timedelta(days=28)))
        await asyncio.sleep(1)
        worker = start_worker_process(env)
        assert await forward
        await eventually(lambda: len(_outbox(store, story)) == 2, "slot 2, due before the change", seconds=60)

        # Past the change: slots 3, 4 and 5 fall due on days 42, 49 and 56, on the new terms; the
        # worker is killed again once the first of them is paid.
        forward = asyncio.create_task(temporal_env.fast_forward(payments, timedelta(days=28)))
        await eventually(lambda: len(_outbox(store, story)) >= 3, "slot 3, the first after the change", seconds=60)
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        worker = start_worker_process(env)
        assert await forward
        await eventually(lambda: len(_outbox(store, story)) == 5, "slots 3 to 5, after the change", seconds=60)

        await send(client, story.end_agreement(reason="moved to a council-managed service"))
        final = await payments.result()
    finally:
        worker.terminate()
        worker.wait(timeout=30)

    # Slot 2's period (days 28 to 56) is split by the change on day 42: it pays its 14 days of 28
    # before it on the old terms (decision 0020, amended), and the weekly terms pay from the change.
    paid = [(1, FOUR_WEEKLY), (2, FOUR_WEEKLY // 2), (3, WEEKLY), (4, WEEKLY), (5, WEEKLY)]
    assert _outbox(store, story) == paid
    assert final.issued_slots == [1, 2, 3, 4, 5] and final.skipped_slots == []
    record = CaseRecord(
        {"PERSISTENCE_MODULE": "eventstore.sqlite", "SQLITE_DBNAME": str(store)},
        rule_sets=RuleSetCatalogue(TEST_COUNCILS),
    )
    try:
        events = record.stored_events(story.case_id)
        scheduled = [(e.slot, e.due_on, e.amount_pence) for e in events if type(e).__name__ == "PaymentScheduled"]
        assert scheduled == [
            (1, today, FOUR_WEEKLY),
            (2, today + timedelta(days=28), FOUR_WEEKLY // 2),
            (3, change, WEEKLY),
            (4, change + timedelta(days=7), WEEKLY),
            (5, change + timedelta(days=14), WEEKLY),
        ]
        assert [(e.slot, e.amount_pence) for e in events if type(e).__name__ == "PaymentIssued"] == paid
        assert [e.first_slot for e in events if type(e).__name__ == "DirectPaymentAgreementVaried"] == [3]
        assert record.verify_chain(story.case_id).intact
    finally:
        record.close()


async def test_a_slot_worked_out_before_the_variations_signal_came_is_paid_on_the_new_terms(
    temporal_env: WorkflowEnvironment, worker: Worker, case_record: CaseRecord, task_queue: str
) -> None:
    """The record is varied while the payments workflow has not been told: its slot, worked out on
    the old terms, is refused by the record, and paid on the new ones once the signal comes."""
    story, today = Scenario(), date.today()
    for command in [*adult_only_signed_off(story), story.agreement(start_date=today.isoformat())]:
        case_record.handle(command)
    weekly = c.VaryDirectPaymentAgreement.model_validate(
        {
            "case_id": story.case_id,
            "command_id": "vary-1",
            "actor": FINANCE,
            "agreement_id": "dp-1",
            "amount_per_payment_pence": 92_000 // 4,
            "frequency": "weekly",
            "from_date": today.isoformat(),
            "reason": "paid weekly at the person's request",
        }
    )
    case_record.handle(weekly)
    schedule = case_record.get_case(story.case_id).state.agreements["dp-1"].segments()
    payments = await temporal_env.client.start_workflow(
        PaymentsWorkflow.run,
        PaymentsInput(
            case_id=story.case_id.hex,
            agreement_id="dp-1",
            frequency=Frequency.FOUR_WEEKLY,
            amount_per_payment_pence=92_000,
            start_date=today,
        ),
        id=f"payments-race-{story.case_id.hex}",
        task_queue=task_queue,
    )

    def scheduled() -> list[tuple[int, date, int]]:
        events = case_record.stored_events(story.case_id)
        return [(e.slot, e.due_on, e.amount_pence) for e in events if type(e).__name__ == "PaymentScheduled"]

    assert await temporal_env.fast_forward(payments, timedelta(days=1))  # slot 1 due, on the old terms
    await asyncio.sleep(1)
    assert scheduled() == []  # refused: the record's schedule says £230 weekly

    await payments.signal(PaymentsWorkflow.vary, schedule)
    await eventually(lambda: scheduled() == [(1, today, 23_000)], "slot 1 on the varied terms")
    # The slot is scheduled in the record before its issue's activity returns to the workflow: ask
    # the workflow until it has heard (a query straight after the schedule may come first).
    for _ in range(200):
        state = await payments.query(PaymentsWorkflow.schedule)
        if state.issued_slots:
            break
        await asyncio.sleep(0.05)
    assert state.issued_slots == [1] and state.skipped_slots == []
    await payments.signal(PaymentsWorkflow.stop)
    await payments.result()
