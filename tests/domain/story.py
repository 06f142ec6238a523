"""Given / when / then for stories of a case told against the real store.

``given`` replays what already happened; ``when`` records one command and answers the names of
the events it appended; ``refused`` checks the error code and that the store did not change.
"""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any
from uuid import UUID

import pytest

from domain import commands as c
from domain.application import CaseRecord
from domain.case.state import CaseState
from domain.errors import DomainError
from tests.builders import Scenario, plan_for

CARER_BUDGET_PENCE = 52_500  # the northmoor carer RAS prices CARER_ANSWERS at 21 points x £25.00


Steps = c.CaseCommand | Iterable["Steps"]


def given(record: CaseRecord, *steps: Steps) -> None:
    """Record what already happened, in order; lists (of lists) of commands are passages of a case."""
    for step in steps:
        if isinstance(step, c.CaseCommand):
            record.handle(step)
        else:
            given(record, *step)


def when(record: CaseRecord, command: c.CaseCommand) -> list[str]:
    outcome = record.handle(command)
    assert not outcome.duplicate
    return [e.type for e in outcome.events]


def refused(record: CaseRecord, command: c.CaseCommand, code: str) -> DomainError:
    before = len(record.stored_events(command.case_id))
    with pytest.raises(DomainError) as caught:
        record.handle(command)
    assert caught.value.code == code, caught.value
    assert len(record.stored_events(command.case_id)) == before, "a refused command appended events"
    return caught.value


def last(record: CaseRecord, case_id: UUID, event_type: str) -> Any:
    found = [e for e in record.stored_events(case_id) if type(e).__name__ == event_type]
    assert found, f"no {event_type} was recorded"
    return found[-1]


def budget_for(record: CaseRecord, case_id: UUID, person_id: str) -> Any:
    """The latest IndicativeBudgetCalculated event for one person."""
    found = [
        e
        for e in record.stored_events(case_id)
        if type(e).__name__ == "IndicativeBudgetCalculated" and e.person_id == person_id
    ]
    assert found, f"no indicative budget was calculated for {person_id}"
    return found[-1]


def state(record: CaseRecord, case_id: UUID) -> CaseState:
    return record.get_case(case_id).state


def stage(record: CaseRecord, case_id: UUID) -> str:
    return record.get_case(case_id).state.stage.value


def carer_plan(**overrides: Any) -> dict[str, Any]:
    """The commonest carer's support: a one-off annual direct payment for a break (72% of councils)."""
    plan = plan_for("carer-1")
    plan.update(
        {
            "needs": ["carer-1: no break from caring in two years"],
            "outcomes": ["to have regular time for leisure"],
            "lines": [
                {
                    "need": "a break from caring",
                    "what": "gym membership and a short course",
                    "category": "leisure_and_wellbeing",
                    "provider": "other",
                    "provider_name": "Northmoor Leisure",
                    "frequency": "annual",
                    "units_per_period": 1,
                    "unit_cost_pence": CARER_BUDGET_PENCE,
                    "held_as": "direct_payment",
                }
            ],
            "direct_payment_pence": CARER_BUDGET_PENCE,
            "direct_payment_frequency": "annual",
            "risks": [],
        }
    )
    plan.update(overrides)
    return plan


def adult_only_signed_off(s: Scenario, requested: bool | None = None, **assessment: Any) -> list[c.CaseCommand]:
    """A case whose only carer declined, with the adult's direct-payment plan approved and, unless
    ``requested`` is False, the adult's own request for a direct payment (by default only an adult
    with capacity asks: one who lacks it asks through the authorised person the story records)."""
    if requested is None:
        requested = assessment.get("has_capacity") is not False
    request = [s.direct_payment_request()] if requested else []
    return [
        s.referral(),
        s.screen(),
        s.identify_carer(),
        s.decline(),
        s.start_adult(),
        s.complete_adult(**assessment),
        s.eligibility(),
        s.budget(),
        s.finances(),
        *request,
        s.draft(),
        s.submit(),
        s.sign_off(),
    ]
