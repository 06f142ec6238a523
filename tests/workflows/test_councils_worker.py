"""One `carecase worker` process serves every council of the deployment (decision 0040): the
configured council's task queue and each registered council's own, each council's workflows
writing to its own partition."""

from __future__ import annotations

from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from config.councils import add_council, task_queue_of
from domain.application import CaseRecord
from policy.catalogue import RuleSetCatalogue
from tests.builders import Scenario
from tests.rule_sets import TEST_COUNCILS
from tests.workflows.driving import send, start, start_worker_process, worker_process_env

B = "E08000035"


def holds(store: Path, story: Scenario) -> bool:
    record = CaseRecord(
        {"PERSISTENCE_MODULE": "eventstore.sqlite", "SQLITE_DBNAME": str(store)},
        rule_sets=RuleSetCatalogue(TEST_COUNCILS),
    )
    try:
        return record.has_case(story.case_id)
    finally:
        record.close()


@pytest.mark.workflow_timeout(180)
async def test_one_worker_process_serves_each_council_on_its_own_queue_into_its_own_partition(
    temporal_env: WorkflowEnvironment, task_queue: str, tmp_path: Path
) -> None:
    configured = tmp_path / "store.sqlite"
    env = {
        **worker_process_env(temporal_env, task_queue, configured),
        "CARECASE_COUNCILS_FILE": str(tmp_path / "councils.toml"),
        "CARECASE_COUNCILS_DIR": str(tmp_path / "councils"),
        "CARECASE_CHECKPOINT_DIR": str(tmp_path / "checkpoints"),
    }
    add_council(B, "southfield", environ=env)
    partition = tmp_path / "councils" / B / "carecase.sqlite"
    client = temporal_env.client
    worker = start_worker_process(env)
    a, b = Scenario(), Scenario()
    try:
        with temporal_env.with_time_skipping_disabled():
            await start(client, a.case_id, task_queue)
            await start(client, b.case_id, task_queue_of(task_queue, B))
            await send(client, a.referral())
            await send(client, b.referral())
    finally:
        worker.terminate()
        worker.wait(timeout=30)
    assert holds(partition, b) and not holds(partition, a)
    assert holds(configured, a) and not holds(configured, b)
