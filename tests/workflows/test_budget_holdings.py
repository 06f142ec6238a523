"""Every way of holding a budget runs from plan to payment instruction under the workflow (issue 18):
the payments workflow pays an ISF's provider, a managed account's holder and a mix's direct payment,
and each instruction in the payment outbox names that payee."""

from __future__ import annotations

from datetime import date

import pytest
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from domain.application import CaseRecord
from tests.builders import ADULT, Scenario, plan_for
from tests.temporal_fixtures import bring_todays_slot_due
from tests.workflows.driving import eventually, payments_of, send, start

FOUR_WEEKLY = 7 * 2_300 * 4


@pytest.mark.parametrize(
    ("management", "recipient", "payee"),
    [
        ("individual_service_fund", "isf_provider", ("isf_provider", "", "ISF-0042")),
        ("third_party_managed_account", "managed_account", ("managed_account", "", "MA-0042")),
        ("mix", "person", ("person", ADULT, "")),
    ],
)
async def test_the_payments_workflow_pays_the_payee_the_plan_holds_the_budget_with(
    temporal_env: WorkflowEnvironment,
    worker: Worker,
    case_record: CaseRecord,
    task_queue: str,
    management: str,
    recipient: str,
    payee: tuple[str, str, str],
) -> None:
    client, story = temporal_env.client, Scenario()
    with temporal_env.with_time_skipping_disabled():
        await start(client, story.case_id, task_queue)
    for command in story.up_to_planning(carers=("carer-1",)):
        await send(client, command)
    await send(client, story.draft(plan=plan_for(ADULT, weekly_hours=7, management=management)))
    await send(
        client,
        story.draft(
            "carer-1", plan=plan_for("carer-1", weekly_hours=1, unit_cost_pence=9_000, management="council_managed")
        ),
    )
    for person in (ADULT, "carer-1"):
        await send(client, story.submit(person))
        await send(client, story.sign_off(person))

    await send(
        client,
        story.agreement(recipient=recipient, start_date=date.today().isoformat(), amount_per_payment_pence=FOUR_WEEKLY),
    )
    await bring_todays_slot_due(temporal_env, payments_of(client, story.case_id))

    def instructions() -> list[tuple[int, int, tuple[str, str, str]]]:
        rows = case_record.recorder.payment_instructions()  # type: ignore[attr-defined]
        return [
            (r.slot, r.amount_pence, (r.payee_type, r.payee_id, r.payee_reference))
            for r in rows
            if r.case_id == story.case_id
        ]

    await eventually(lambda: instructions() == [(1, FOUR_WEEKLY, payee)], "the first slot, paid to the payee")
