"""Record the workflow histories the replay test checks against.

Run it only when a deliberate, versioned change to a workflow is made (see docs/workflows.md):

    .venv/bin/python -m tests.workflows.histories.record

It drives one whole-family case to its first payments on a throwaway dev server and writes the
case workflow's and the payments workflow's histories beside this file.

    .venv/bin/python -m tests.workflows.histories.record varied

drives a case whose direct payment is varied after a review (decision 20) and writes
``case_workflow_varied.json`` and ``payments_workflow_varied.json``.

    .venv/bin/python -m tests.workflows.histories.record continued NAME

drives the same case with a workflow that continues as new every fifty history events, and writes
to NAME.json the history of the run that starts the payments: a run begun from the mirror its
previous run handed on. ``case_workflow_continued.json`` was recorded so at commit c9c8f72, when
the mirror was handed on in its older form; ``case_workflow_continued_snapshot.json`` after the
mirror became a stored snapshot (decision 16). Today's code must read both.
``case_workflow_continued_encrypted.json`` is the same run recorded after payloads were encrypted
(decision 23), under the test key in ``payload-keys``.

    .venv/bin/python -m tests.workflows.histories.record one-task

drives the first recording's case and writes only its case workflow's history, to
``case_workflow_one_task.json``: a run that records each command in its own workflow task, by a
local activity, and keeps its deadline's timer (decision 49, the ``one-task-per-command`` patch);
every history before it has regular activities and a timer per wait.

    .venv/bin/python -m tests.workflows.histories.record back-dated

drives a migrated case whose stage clock started 40 days before it was recorded, flagged overdue
at once, and writes ``case_workflow_back_dated.json`` (decision 35): the histories before it have
no ``stage-clock-took-effect`` marker and replay on the recorded clock; this one has it.
"""

from __future__ import annotations

import asyncio
import sys
import tempfile
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

from temporalio.api.enums.v1 import EventType
from temporalio.client import Client, WorkflowHistory
from temporalio.testing import WorkflowEnvironment

from config.bootstrap import build_data_converter
from config.payload_keys import KEYS_FILE, PayloadKeySettings
from config.temporal_settings import temporal_binary
from domain.application import CaseRecord
from domain.commands import COMMANDS
from domain.service_levels import ServiceLevels
from domain.vocabulary import Stage
from policy.catalogue import RuleSetCatalogue
from tests.builders import ADULT, FINANCE, Scenario, plan_for
from tests.workflows.driving import payments_of, send, start, to_sign_off
from workers.dev_server import TIME_SKIPPING_ARGS
from workers.worker import running_worker
from workflows.case_workflow import CaseWorkflow
from workflows.search_attributes import ALL

HERE = Path(__file__).parent
TASK_QUEUE = "record-histories"
# Histories are recorded encrypted, as production stores them, with the test key kept beside them;
# those recorded before payloads were encrypted hold them in the clear, and replay as well.
RECORDING_KEYS = PayloadKeySettings.from_environment({KEYS_FILE: str(HERE / "payload-keys")})


@asynccontextmanager
async def recording() -> AsyncIterator[WorkflowEnvironment]:
    """A throwaway time-skipping dev server and a case record on a fresh SQLite file, with a worker."""
    env = await WorkflowEnvironment.start_time_skipping_v2(
        data_converter=build_data_converter(RECORDING_KEYS),
        search_attributes=ALL,
        dev_server_existing_path=temporal_binary(),
        dev_server_extra_args=list(TIME_SKIPPING_ARGS),
    )
    store = Path(tempfile.mkdtemp()) / "store.sqlite"
    case_record = CaseRecord(
        {"PERSISTENCE_MODULE": "eventstore.sqlite", "SQLITE_DBNAME": str(store)}, rule_sets=RuleSetCatalogue()
    )
    try:
        async with env, running_worker(env.client, case_record, TASK_QUEUE):
            yield env
    finally:
        case_record.close()


async def record(continued: str | None = None, case_only: str | None = None) -> None:
    async with recording() as env:
        client, story = env.client, Scenario()
        with env.with_time_skipping_disabled():
            settings = {"continue_after_history_events": 50} if continued else {}
            case = await start(client, story.case_id, TASK_QUEUE, **settings)
        await to_sign_off(client, story)
        started = (date.today() - timedelta(days=60)).isoformat()
        await send(client, story.agreement(start_date=started, amount_per_payment_pence=7 * 2_300 * 4))
        await asyncio.sleep(2)  # the payments workflow pays the three slots already due
        await send(client, story.suspend())
        await send(client, story.resume())
        # The agreement ends first: a social worker may close only a case with no payments due.
        await send(client, story.end_agreement(reason="support ending", actor=FINANCE))
        await send(client, story.close(reason="needs_met"))
        await case.result()
        payments = payments_of(client, story.case_id)
        await payments.result()
        if continued:
            (HERE / f"{continued}.json").write_text((await run_that_starts_payments(client, case.id)).to_json())
        elif case_only:
            (HERE / f"{case_only}.json").write_text((await case.fetch_history()).to_json())
        else:
            (HERE / "case_workflow.json").write_text((await case.fetch_history()).to_json())
            (HERE / "payments_workflow.json").write_text((await payments.fetch_history()).to_json())


async def run_that_starts_payments(client: Client, workflow_id: str) -> WorkflowHistory:
    """Follow the runs from the first: the one that started the payments child (not the first)."""
    described = await client.get_workflow_handle(workflow_id).describe()
    run_id = described.raw_description.workflow_execution_info.first_run_id
    while True:
        history = await client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history()
        kinds = [event.event_type for event in history.events]
        if EventType.EVENT_TYPE_START_CHILD_WORKFLOW_EXECUTION_INITIATED in kinds:
            assert history.events[0].workflow_execution_started_event_attributes.continued_execution_run_id
            return history
        run_id = history.events[-1].workflow_execution_continued_as_new_event_attributes.new_execution_run_id


async def record_varied() -> None:
    """A case whose direct payment is varied after a review revised the plan: the last run of the
    case workflow (the variation's update and its ``vary`` signal) and the payments workflow
    across the change, to ``case_workflow_varied.json`` and ``payments_workflow_varied.json``."""
    async with recording() as env:
        client, story, today = env.client, Scenario(), date.today()
        with env.with_time_skipping_disabled():
            case = await start(client, story.case_id, TASK_QUEUE)
        await to_sign_off(client, story)
        await send(client, story.agreement(start_date=today.isoformat(), amount_per_payment_pence=7 * 2_300 * 4))
        payments = payments_of(client, story.case_id)
        await env.fast_forward(payments, timedelta(days=1))
        await send(client, story.complete_review(review_id="planned_first-1", outcome="revise_plan"))
        await send(client, story.revise(plan=plan_for(ADULT, weekly_hours=10)))
        await send(client, story.submit())
        await send(client, story.sign_off())
        await send(
            client,
            COMMANDS["VaryDirectPaymentAgreement"].model_validate(
                {
                    "case_id": story.case_id,
                    "command_id": "vary-1",
                    "actor": FINANCE,
                    "agreement_id": "dp-1",
                    "amount_per_payment_pence": 10 * 2_300,
                    "frequency": "weekly",
                    "from_date": (today + timedelta(days=42)).isoformat(),
                    "reason": "the plan was revised at review",
                }
            ),
        )
        await asyncio.sleep(2)
        await env.fast_forward(payments, timedelta(days=56))
        await asyncio.sleep(2)
        await send(client, story.close(reason="needs_met"))
        await case.result()
        await payments.result()
        (HERE / "case_workflow_varied.json").write_text((await case.fetch_history()).to_json())
        (HERE / "payments_workflow_varied.json").write_text((await payments.fetch_history()).to_json())


async def record_back_dated() -> None:
    """A migrated case: referred and screened 40 days before it is recorded, on a 1-day assessment
    service level, so the workflow flags it overdue at once (decision 0035, the stage clock from
    ``effective_at``, behind the ``stage-clock-took-effect`` patch); then it closes. Writes
    ``case_workflow_back_dated.json``."""
    async with recording() as env:
        client, story = env.client, Scenario()
        referred = datetime.now(UTC) - timedelta(days=40)
        with env.with_time_skipping_disabled():
            levels = ServiceLevels(stage_limits={Stage.ASSESSMENT: timedelta(days=1)})
            case = await start(client, story.case_id, TASK_QUEUE, service_levels=levels)
            await send(client, story.referral(effective_at=referred))
            await send(client, story.screen(effective_at=referred + timedelta(hours=1)))
            for _ in range(50):
                if "overdue" in (await case.query(CaseWorkflow.summary)).flags:
                    break
                await asyncio.sleep(0.2)
            await send(client, story.close(reason="moved_away"))
            await case.result()
        (HERE / "case_workflow_back_dated.json").write_text((await case.fetch_history()).to_json())


if __name__ == "__main__":
    if sys.argv[1:2] == ["varied"]:
        asyncio.run(record_varied())
    elif sys.argv[1:2] == ["one-task"]:
        asyncio.run(record(case_only="case_workflow_one_task"))
    elif sys.argv[1:2] == ["back-dated"]:
        asyncio.run(record_back_dated())
    else:
        asyncio.run(record(continued=sys.argv[2] if sys.argv[1:2] == ["continued"] else None))
