"""The gate, enforced by the workflow: support planning for anyone is refused while the adult's
or any carer's assessment is outstanding — before the update is accepted, so neither workflow
history nor the event store changes — and accepted once the last assessment is finished."""

from __future__ import annotations

import pytest
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from domain.application import CaseRecord
from domain.errors import DomainError, InvalidInput, NotFound, RuleViolation
from tests.builders import ADULT, Scenario
from tests.workflows.driving import fields_of, history_length, send, start
from workflows.client import send_command


async def _refused(temporal_env: WorkflowEnvironment, record: CaseRecord, story: Scenario, command, code: str):
    client = temporal_env.client
    history_before = await history_length(client, story.case_id)
    events_before = len(record.stored_events(story.case_id))
    with pytest.raises((RuleViolation, InvalidInput)) as refused:
        await send(client, command)
    assert refused.value.code == code
    assert await history_length(client, story.case_id) == history_before
    assert len(record.stored_events(story.case_id)) == events_before
    return refused.value


async def test_planning_waits_for_the_adult_and_every_carer_then_opens(
    temporal_env: WorkflowEnvironment, worker: Worker, case_record: CaseRecord, task_queue: str
) -> None:
    client = temporal_env.client
    story = Scenario()
    with temporal_env.with_time_skipping_disabled():  # no service-level timer fires mid-test
        await start(client, story.case_id, task_queue)
    for command in [
        story.referral(),
        story.screen(),
        story.identify_carer("carer-1"),
        story.identify_carer("carer-2", name="Grace Oduya", lives_with_adult=False),
        story.start_adult(),
    ]:
        await send(client, command)

    refusal = await _refused(temporal_env, case_record, story, story.draft(), "assessments_outstanding")
    assert {w["person_id"] for w in refusal.details["outstanding"]} == {ADULT, "carer-1", "carer-2"}

    await send(client, story.complete_adult())
    await send(client, story.decline("carer-2"))
    refusal = await _refused(temporal_env, case_record, story, story.draft(), "assessments_outstanding")
    assert [w["person_id"] for w in refusal.details["outstanding"]] == ["carer-1"]

    for command in story.carers_assessed(("carer-1",)):
        await send(client, command)
    for person in (ADULT, "carer-1"):
        await send(client, story.eligibility(person))
        await send(client, story.budget(person))
    await send(client, story.finances())
    accepted = await send(client, story.draft())
    assert accepted.event_types == ["SupportPlanDrafted"] and accepted.stage == "support_planning"

    # A carer identified during planning closes the gate again: the draft stays, submission waits.
    await send(client, story.identify_carer("carer-3", name="Sam Oduya"))
    await _refused(temporal_env, case_record, story, story.submit(), "assessments_outstanding")
    await send(client, story.decline("carer-3"))
    assert (await send(client, story.submit())).event_types == ["SupportPlanSubmitted"]


async def test_bad_input_and_unknown_commands_are_refused_without_trace(
    temporal_env: WorkflowEnvironment, worker: Worker, case_record: CaseRecord, task_queue: str
) -> None:
    client = temporal_env.client
    story = Scenario()
    with temporal_env.with_time_skipping_disabled():
        await start(client, story.case_id, task_queue)
    await send(client, story.referral())

    async def refused_raw(name: str, fields: dict) -> DomainError:
        history_before = await history_length(client, story.case_id)
        with pytest.raises(DomainError) as refused:
            await send_command(client, story.case_id, name, fields)
        assert await history_length(client, story.case_id) == history_before
        assert len(case_record.stored_events(story.case_id)) == 1
        return refused.value

    screen = fields_of(story.screen())
    bad_outcome = await refused_raw("ScreenReferral", {**screen, "outcome": "maybe"})
    assert (type(bad_outcome), bad_outcome.code, bad_outcome.field) == (InvalidInput, "invalid_input", "outcome")
    float_money = await refused_raw(
        "CompleteFinancialAssessment", {**fields_of(story.finances()), "assessed_contribution_pence": 12.5}
    )
    assert float_money.field == "assessed_contribution_pence"
    unknown = await refused_raw("AdjustTheBudgetQuietly", screen)
    assert unknown.code == "unknown_command"
    nobody = await refused_raw("DeclineCarerAssessment", fields_of(story.decline("nobody")))
    assert (type(nobody), nobody.code, nobody.field) == (NotFound, "unknown_carer", "carer_id")
