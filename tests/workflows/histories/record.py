"""Record the workflow histories the replay test checks against.

Run it only when a deliberate, versioned change to a workflow is made (see docs/workflows.md):

    .venv/bin/python -m tests.workflows.histories.record

It drives one whole-family case to its first payments on a throwaway dev server and writes the
case workflow's and the payments workflow's histories beside this file.
"""

from __future__ import annotations

import asyncio
import tempfile
from datetime import date, timedelta
from pathlib import Path

from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from domain.application import CaseRecord
from policy.catalogue import RuleSetCatalogue
from tests.builders import Scenario
from tests.workflows.driving import send, start, to_sign_off
from workers.dev_server import TIME_SKIPPING_ARGS
from workers.temporal_settings import temporal_binary
from workers.worker import running_worker
from workflows.case_workflow import case_workflow_id
from workflows.search_attributes import ALL

HERE = Path(__file__).parent
TASK_QUEUE = "record-histories"


async def record() -> None:
    env = await WorkflowEnvironment.start_time_skipping_v2(
        data_converter=pydantic_data_converter, search_attributes=ALL, dev_server_existing_path=temporal_binary(),
        dev_server_extra_args=list(TIME_SKIPPING_ARGS))
    store = Path(tempfile.mkdtemp()) / "store.sqlite"
    case_record = CaseRecord({"PERSISTENCE_MODULE": "eventstore.sqlite", "SQLITE_DBNAME": str(store)},
                             rule_sets=RuleSetCatalogue())
    async with env, running_worker(env.client, case_record, TASK_QUEUE):
        client, story = env.client, Scenario()
        with env.with_time_skipping_disabled():
            case = await start(client, story.case_id, TASK_QUEUE)
        await to_sign_off(client, story)
        started = (date.today() - timedelta(days=60)).isoformat()
        await send(client, story.agreement(start_date=started, amount_per_payment_pence=7 * 2_300 * 4))
        await asyncio.sleep(2)  # the payments workflow pays the three slots already due
        await send(client, story.suspend())
        await send(client, story.resume())
        await send(client, story.close(reason="needs_met"))
        await case.result()
        payments = client.get_workflow_handle(f"{case_workflow_id(story.case_id)}/payments/dp-1")
        await payments.result()
        (HERE / "case_workflow.json").write_text((await case.fetch_history()).to_json())
        (HERE / "payments_workflow.json").write_text((await payments.fetch_history()).to_json())
    case_record.close()


if __name__ == "__main__":
    asyncio.run(record())
