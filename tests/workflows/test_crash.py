"""Crash test: while fifty whole lifecycles run, the worker process is killed with SIGKILL and
started again. Every case must finish; per case and event type the counts must be exactly those of
one lifecycle; and no payment slot may be paid twice (in the store or in the finance outbox)."""

from __future__ import annotations

import asyncio
import signal
import sqlite3
from collections import Counter
from datetime import date, timedelta
from pathlib import Path

import pytest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from domain.application import CaseRecord
from eventstore.outbox import PAYING_KINDS
from policy.catalogue import RuleSetCatalogue
from tests.builders import FINANCE, Scenario
from tests.rule_sets import TEST_COUNCILS
from tests.temporal_fixtures import bring_todays_slot_due
from tests.workflows.driving import payments_of, send, start, start_worker_process, to_sign_off, worker_process_env
from workflows.case_workflow import CaseWorkflow

CASES = 50
FOUR_WEEKLY = 7 * 2_300 * 4
ONE_LIFECYCLE = Counter(
    {
        "ReferralReceived": 1,
        "ReferralScreened": 1,
        "CarerIdentified": 1,
        "CarerAssessmentOffered": 1,
        "NeedsAssessmentStarted": 1,
        "NeedsAssessmentCompleted": 1,
        "CarerAssessmentAccepted": 1,
        "CarerAssessmentStarted": 1,
        "CarerAssessmentCompleted": 1,
        "EligibilityDetermined": 2,
        "IndicativeBudgetCalculated": 2,
        "FinancialAssessmentCompleted": 1,
        "DirectPaymentRequested": 1,
        "SupportPlanDrafted": 2,
        "SupportPlanSubmitted": 2,
        "SignOffDecisionRecorded": 2,
        "DirectPaymentAgreementMade": 1,
        "ReviewScheduled": 3,
        "ArrearsPaymentIssued": 1,
        "PaymentScheduled": 1,
        "PaymentIssued": 1,
        "ReviewCompleted": 2,
        "DirectPaymentAgreementEnded": 1,
        "InvolvementEnded": 2,  # closure ends the adult's involvement and the carer's
        "CaseClosed": 1,
    }
)


def _events_in(store: Path) -> int:
    try:
        with sqlite3.connect(store) as conn:
            return conn.execute("SELECT COUNT(*) FROM stored_events").fetchone()[0]
    except sqlite3.Error:
        return 0


async def _payments_recorded(client: Client, story: Scenario, store: Path) -> None:
    for _ in range(1200):
        with sqlite3.connect(store) as conn:
            paid = conn.execute("SELECT COUNT(*) FROM payment_outbox WHERE case_id=?", (story.case_id.hex,)).fetchone()[
                0
            ]
        summary = await client.get_workflow_handle_for(CaseWorkflow.run, f"case-{story.case_id.hex}").query(
            CaseWorkflow.summary
        )
        if paid == 2 and summary.version >= 26:  # the case workflow has caught up with the payments
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"payments for {story.case_id} never arrived")


async def _lifecycle(env: WorkflowEnvironment, story: Scenario, store: Path) -> None:
    client = env.client
    await to_sign_off(client, story)
    # Started 56 days ago, four-weekly: the two slots already due are arrears, paid as one
    # catch-up payment a finance officer confirms; the slot due today the workflow pays.
    started = (date.today() - timedelta(days=56)).isoformat()
    await send(client, story.agreement(start_date=started, amount_per_payment_pence=FOUR_WEEKLY))
    await send(client, story.confirm_arrears(amount_pence=2 * FOUR_WEEKLY))
    await bring_todays_slot_due(env, payments_of(client, story.case_id))
    await _payments_recorded(client, story, store)
    await send(client, story.complete_review(review_id="planned_first-1", outcome="no_change"))
    await send(client, story.complete_review(review_id="direct_payment_first-2", outcome="no_change"))
    # The agreement ends first, so a social worker may close the case (nothing is left running).
    await send(client, story.end_agreement(reason="support ending", actor=FINANCE))
    await send(client, story.close(reason="needs_met"))


@pytest.mark.workflow_timeout(420)
async def test_a_killed_worker_loses_nothing_and_doubles_nothing(
    temporal_env: WorkflowEnvironment, task_queue: str, tmp_path: Path
) -> None:
    store = tmp_path / "store.sqlite"
    env = worker_process_env(temporal_env, task_queue, store)
    client = temporal_env.client
    worker = start_worker_process(env)
    stories = [Scenario() for _ in range(CASES)]
    try:
        with temporal_env.with_time_skipping_disabled():  # real time: no service-level timer is near
            for story in stories:
                await start(client, story.case_id, task_queue)
        running = asyncio.gather(*(_lifecycle(temporal_env, story, store) for story in stories))

        expected_total = CASES * sum(ONE_LIFECYCLE.values())
        while _events_in(store) < expected_total // 3:
            await asyncio.sleep(0.05)
        worker.send_signal(signal.SIGKILL)
        worker.wait()
        killed_at = _events_in(store)
        await asyncio.sleep(1)
        worker = start_worker_process(env)

        await asyncio.wait_for(running, 300)
    finally:
        worker.terminate()
        worker.wait(timeout=30)

    assert 0 < killed_at < expected_total
    record = CaseRecord(
        {"PERSISTENCE_MODULE": "eventstore.sqlite", "SQLITE_DBNAME": str(store)},
        rule_sets=RuleSetCatalogue(TEST_COUNCILS),
    )
    try:
        for story in stories:
            events = record.stored_events(story.case_id)
            assert Counter(type(e).__name__ for e in events) == ONE_LIFECYCLE, story.case_id
            slots = [(e.agreement_id, e.slot) for e in events if type(e).__name__ == "PaymentIssued"]
            assert slots == [("dp-1", 3)]
            catch_up = [
                (e.first_slot, e.last_slot, e.amount_pence)
                for e in events
                if type(e).__name__ == "ArrearsPaymentIssued"
            ]
            assert catch_up == [(1, 2, 2 * FOUR_WEEKLY)]
            assert record.verify_chain(story.case_id).intact
        instructions = record.recorder.payment_instructions(limit=10_000)  # type: ignore[attr-defined]
        paid = Counter((i.case_id, i.agreement_id, i.slot) for i in instructions if i.kind in PAYING_KINDS)
        assert len(paid) == 2 * CASES and set(paid.values()) == {1}
    finally:
        record.close()
