"""Direct payments and coordinated reviews under the workflow: each slot paid once, nothing paid
while suspended, payments stop when the agreement ends; a review asked for one person prompts a
look at the others."""

from __future__ import annotations

import asyncio
from datetime import date, timedelta

from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from domain.application import CaseRecord
from tests.builders import ADULT, Scenario
from tests.temporal_fixtures import bring_todays_slot_due
from tests.workflows.driving import eventually, payments_of, send, start, to_sign_off

FOUR_WEEKLY = 7 * 2_300 * 4


async def _signed_off(temporal_env: WorkflowEnvironment, story: Scenario, task_queue: str) -> None:
    client = temporal_env.client
    with temporal_env.with_time_skipping_disabled():
        await start(client, story.case_id, task_queue)
    await to_sign_off(client, story)


async def test_slots_are_paid_once_nothing_is_paid_while_suspended_and_ending_stops_them(
    temporal_env: WorkflowEnvironment, worker: Worker, case_record: CaseRecord, task_queue: str
) -> None:
    client, story = temporal_env.client, Scenario()
    await _signed_off(temporal_env, story, task_queue)

    def issued() -> list[int]:
        return sorted(e.slot for e in case_record.stored_events(story.case_id) if type(e).__name__ == "PaymentIssued")

    # Started 28 days ago: slot 1 was due before the agreement was made (arrears, paid only when
    # a finance officer confirms the catch-up); slot 2 falls due today and is paid.
    await send(
        client,
        story.agreement(
            start_date=(date.today() - timedelta(days=28)).isoformat(), amount_per_payment_pence=FOUR_WEEKLY
        ),
    )
    payments = payments_of(client, story.case_id)
    await bring_todays_slot_due(temporal_env, payments)
    await eventually(lambda: issued() == [2], "the slot due today")
    await send(client, story.confirm_arrears(amount_pence=FOUR_WEEKLY))

    await send(client, story.suspend(reason="in hospital"))
    assert await temporal_env.fast_forward(payments, timedelta(weeks=4))  # slot 3 falls due, suspended
    await asyncio.sleep(0.5)
    assert issued() == [2]

    await send(client, story.resume(reason="home again"))
    assert await temporal_env.fast_forward(payments, timedelta(weeks=4))  # slot 4 falls due
    await eventually(lambda: issued() == [2, 4], "slot 4, slot 3 being skipped for the suspension")

    await send(client, story.end_agreement(reason="moved to a council-managed service"))
    await payments.result()
    instructions = case_record.recorder.payment_instructions()  # type: ignore[attr-defined]
    told = [i for i in instructions if i.case_id == story.case_id]
    assert sorted(i.slot for i in told if i.kind == "payment") == [1, 2, 4]
    # Finance is told of the suspension, the resumption and the stop as they were recorded.
    assert [i.kind for i in told if i.kind != "payment"] == ["suspension", "resumption", "stop"]


async def test_a_review_requested_for_the_carer_prompts_one_for_the_adult(
    temporal_env: WorkflowEnvironment, worker: Worker, case_record: CaseRecord, task_queue: str
) -> None:
    client, story = temporal_env.client, Scenario()
    await _signed_off(temporal_env, story, task_queue)

    await send(
        client,
        story.request_review(
            review_id="carer-asks", person_ids=["carer-1"], reason="carer_requested", details="caring has got harder"
        ),
    )

    reviews = case_record.get_case(story.case_id).state.reviews
    linked = [r for r in reviews.values() if r.reason.value == "linked_person_changed"]
    assert len(linked) == 1 and linked[0].person_ids == [ADULT] and linked[0].due_on == reviews["carer-asks"].due_on
    first = [r for r in reviews.values() if r.kind.value == "planned_first"]
    assert len(first) == 1 and sorted(first[0].person_ids) == [ADULT, "carer-1"]
