"""A realistic whole-family case run through the case record, for ``carecase story``.

Margaret, 85, is discharged from hospital after a fall. Her son Daniel cares for her most evenings
and takes up his carer's assessment; her neighbour Priya helps with shopping and declines one.
An early attempt to start planning is refused by the gate, then the case runs to its first
payments and a planned review.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import timedelta
from uuid import UUID

from domain.application import CaseRecord
from domain.errors import RuleViolation
from simulation.scenario import ADULT, Scenario, plan_for


def run_demo(record: CaseRecord, say: Callable[[str], None] = print) -> UUID:
    story = Scenario()
    for command in story.up_to_gate(carers=("carer-1",)):
        record.handle(command)
    record.handle(
        story.identify_carer(
            "carer-2",
            name="Priya Shah",
            date_of_birth="1979-05-30",
            relationship_to_adult="neighbour",
            lives_with_adult=False,
        )
    )
    try:
        record.handle(story.draft())
    except RuleViolation as refusal:
        say(f"Planning refused as it should be [{refusal.code}]: {refusal.message}")
    record.handle(story.decline("carer-2", reason="happy to keep helping; does not want an assessment"))
    for command in story.carers_assessed(carers=("carer-1",)):
        record.handle(command)
    for person in (ADULT, "carer-1"):
        record.handle(story.eligibility(person))
        record.handle(story.budget(person))
    record.handle(story.finances())
    # Each asks for a direct payment: an agreement is made only on the person's request (s.31).
    for person in (ADULT, "carer-1"):
        record.handle(story.direct_payment_request(person))
    # Seven hours a week of a personal assistant keeps the plan within the indicative budget.
    record.handle(story.draft(plan=plan_for(ADULT, weekly_hours=7)))
    carer_plan = plan_for(
        "carer-1",
        weekly_hours=1,
        unit_cost_pence=30_000,
        management="direct_payment",
        lines=[
            {
                "need": "a break from caring",
                "what": "gym membership and a short break",
                "category": "leisure_and_wellbeing",
                "provider": "other",
                "provider_name": "Northmoor Leisure",
                "frequency": "annual",
                "units_per_period": 1,
                "unit_cost_pence": 30_000,
                "held_as": "direct_payment",
            }
        ],
        direct_payment_pence=30_000,
        direct_payment_frequency="one_off",
    )
    record.handle(story.draft("carer-1", plan=carer_plan))
    for person in (ADULT, "carer-1"):
        record.handle(story.submit(person))
        record.handle(story.sign_off(person))
    # Payments start today: an agreement may not start further back than the council allows.
    start = record.clock().date()
    record.handle(story.agreement(amount_per_payment_pence=7 * 2_300 * 4, start_date=start.isoformat()))
    for slot in (1, 2, 3):
        due_on = start + timedelta(days=28 * (slot - 1))
        record.handle(story.schedule_payment(slot, amount_pence=7 * 2_300 * 4, due_on=due_on.isoformat()))
        record.handle(story.issue_payment(slot))
    record.handle(
        story.agreement(
            "carer-1",
            agreement_id="dp-carer-1",
            frequency="one_off",
            amount_per_payment_pence=30_000,
            start_date=start.isoformat(),
        )
    )
    record.handle(story.schedule_review(person_ids=[ADULT, "carer-1"]))
    return story.case_id
