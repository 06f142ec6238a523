"""Committed histories are replayed against today's workflow code: a change that would make a
running case's workflow non-deterministic fails here, in CI, before it reaches a worker.

(To change a workflow safely see docs/workflows.md; re-record only with a versioned change.)"""

from __future__ import annotations

import json
from datetime import timedelta
from pathlib import Path

import pytest
from temporalio import workflow
from temporalio.client import WorkflowHistory
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.worker import Replayer
from temporalio.worker.workflow_sandbox import SandboxedWorkflowRunner, SandboxRestrictions

from config.bootstrap import build_data_converter
from tests.workflows.histories.record import RECORDING_KEYS
from workers.worker import PASSTHROUGH_MODULES, workflow_classes
from workflows.case_workflow import CaseSummary, CaseWorkflow, CaseWorkflowInput
from workflows.messages import RecordCommandInput, RecordedCommand

HISTORIES = Path(__file__).parent / "histories"
# Today's converter, as a worker has it (decision 0023): encrypted histories decrypted with the key
# they were recorded with; those recorded before payloads were encrypted are read as they are.
DATA_CONVERTER = build_data_converter(RECORDING_KEYS)


def _replayer() -> Replayer:
    return Replayer(
        workflows=workflow_classes(),
        data_converter=DATA_CONVERTER,
        workflow_runner=SandboxedWorkflowRunner(
            restrictions=SandboxRestrictions.default.with_passthrough_modules(*PASSTHROUGH_MODULES)
        ),
    )


# Every recording, old and new: a run begun from a mirror an older run handed on must replay too.
@pytest.mark.parametrize("name", sorted(path.stem for path in HISTORIES.glob("*.json")))
async def test_a_recorded_history_replays_without_non_determinism(name: str) -> None:
    text = (HISTORIES / f"{name}.json").read_text()
    history = WorkflowHistory.from_json(f"recorded-{name}", json.loads(text))
    assert len(history.events) > 20
    result = await _replayer().replay_workflow(history, raise_on_replay_failure=True)
    assert result.replay_failure is None


@workflow.defn(name="CaseWorkflow", sandboxed=False)
class ReorderedCaseWorkflow(CaseWorkflow):
    """Today's workflow with one change a careless edit might make: the command activity renamed."""

    @workflow.run
    async def run(self, state: CaseWorkflowInput) -> CaseSummary:
        return await super().run(state)

    async def _record(self, name: str, payload: dict) -> RecordedCommand:  # type: ignore[override]
        return await workflow.execute_activity(
            "record_command_renamed",
            RecordCommandInput(command_name=name, command=payload),
            result_type=RecordedCommand,
            start_to_close_timeout=timedelta(seconds=10),
        )


async def test_a_changed_workflow_fails_the_replay() -> None:
    """The check itself can fail: the same history against a changed workflow is refused."""
    text = (HISTORIES / "case_workflow.json").read_text()
    history = WorkflowHistory.from_json("recorded-case", json.loads(text))
    replayer = Replayer(workflows=[ReorderedCaseWorkflow], data_converter=DATA_CONVERTER)
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is not None
    assert "record_command" in str(result.replay_failure) or "nondetermin" in str(result.replay_failure).lower()


async def test_an_encrypted_history_replays_only_with_the_key_it_was_recorded_with() -> None:
    """The encrypted recording is read through the codec (decision 0023): without the key, the
    workflow's input cannot even be read, so the replay above did decrypt it."""
    text = (HISTORIES / "case_workflow_continued_encrypted.json").read_text()
    assert "Margaret" not in text
    history = WorkflowHistory.from_json("recorded-encrypted", json.loads(text))
    keyless = Replayer(workflows=workflow_classes(), data_converter=pydantic_data_converter)
    result = await keyless.replay_workflow(history, raise_on_replay_failure=False)
    assert "binary/encrypted" in str(result.replay_failure)


@workflow.defn(name="CaseWorkflow", sandboxed=False)
class RegularActivitiesCaseWorkflow(CaseWorkflow):
    """Today's workflow with the one-task-per-command branch taken out (decision 0049)."""

    @workflow.run
    async def run(self, state: CaseWorkflowInput) -> CaseSummary:
        return await super().run(state)

    def _one_task_per_command(self) -> bool:
        return False


async def test_the_one_task_recording_takes_the_patched_branch() -> None:
    """The recording made behind the patch replays only on the branch it took: without it the
    local writes and the kept timer do not match, so the replay above checks that branch."""
    text = (HISTORIES / "case_workflow_one_task.json").read_text()
    history = WorkflowHistory.from_json("recorded-one-task", json.loads(text))
    kinds = {event.marker_recorded_event_attributes.marker_name for event in history.events}
    assert "core_local_activity" in kinds
    replayer = Replayer(workflows=[RegularActivitiesCaseWorkflow], data_converter=DATA_CONVERTER)
    result = await replayer.replay_workflow(history, raise_on_replay_failure=False)
    assert result.replay_failure is not None
