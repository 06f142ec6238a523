"""One worked example per command body, for the OpenAPI document: the demo story's own commands,
so every example is one the case record accepts at the right point of a case."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any
from uuid import UUID

from workers.scenario import ADULT, Scenario, plan_for

EXAMPLE_CASE = UUID("00000000-0000-4000-8000-000000000001")


def command_examples() -> dict[str, dict[str, Any]]:
    s = Scenario(EXAMPLE_CASE)
    commands = [
        s.referral(),
        s.screen(),
        s.allocate(),
        s.escalate(),
        s.resolve_escalation(),
        s.identify_carer(),
        s.accept(),
        s.decline(),
        s.request_carer_assessment(),
        s.consent(ADULT),
        s.start_adult(),
        s.complete_adult(),
        s.refuse_adult(),
        s.request_adult(),
        s.start_carer(),
        s.complete_carer(),
        s.eligibility(),
        s.budget(),
        s.override_cap(),
        s.finances(),
        s.challenge(),
        s.resolve(),
        s.draft(),
        # The revision keeps the direct payment the agreement below follows; the agreement starts
        # today, inside the council's window, whenever the document is served.
        s.revise(plan=plan_for(ADULT, contingency="a second personal assistant on the rota")),
        s.submit(),
        s.sign_off(),
        s.agreement(start_date=datetime.now(UTC).date().isoformat()),
        s.confirm_arrears(),
        s.schedule_payment(1),
        s.issue_payment(1),
        s.fail_payment(1),
        s.suspend(),
        s.resume(),
        s.end_agreement(),
        s.monitoring_return(),
        s.recover(),
        s.schedule_review(),
        s.request_review(),
        s.complete_review(),
        s.close(),
    ]
    return {
        type(c).__name__: c.model_dump(mode="json", exclude={"case_id", "command_id", "actor"}, exclude_none=True)
        for c in commands
    }
