"""The current case: one row per case with the figures a worker's screen opens on, and one row per
person on it.

Every figure is the domain's own derivation from the case state after the event (stage and its
clock, flags, who is outstanding at the gate, each person's current budget), written by
``CaseDerivedView``; nothing here re-implements a rule.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar

from domain.case.decisions import current_budget_pence
from domain.case.flags import case_flags
from domain.case.rules import outstanding_assessments
from domain.case.state import CaseState
from domain.service_levels import ServiceLevels
from projections.derived import CaseDerivedView, Row
from projections.store import ViewCursor, utc_text

CASE = "view_current_case"
PERSON = "view_current_case_person"

CASE_COLUMNS = (
    "case_id",
    "council_code",
    "team",
    "worker_id",
    "adult_id",
    "adult_name",
    "stage",
    "stage_entered_at",
    "stage_due_at",
    "flags",
    "escalated",
    "carers_identified",
    "carers_outstanding",
    "eligible_people",
    "budget_total_pence",
    "next_review_due",
    "received_at",
    "closed",
    "closure_reason",
    "version",
    "updated_at",
)
PERSON_COLUMNS = (
    "case_id",
    "person_id",
    "kind",
    "name",
    "young_carer",
    "assessment",
    "eligible",
    "budget_pence",
    "plan_status",
    "management",
)


class CurrentCaseView(CaseDerivedView):
    name = "current_case"
    columns: ClassVar = {CASE: CASE_COLUMNS, PERSON: PERSON_COLUMNS}

    def __init__(self, service_levels: ServiceLevels | None = None) -> None:
        super().__init__()
        self.service_levels = service_levels or ServiceLevels()

    def create_tables(self, cursor: ViewCursor) -> None:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {CASE} ("
            "case_id TEXT PRIMARY KEY, council_code TEXT NOT NULL, team TEXT NOT NULL, worker_id TEXT, "
            "adult_id TEXT NOT NULL, adult_name TEXT NOT NULL, stage TEXT NOT NULL, stage_entered_at TEXT NOT NULL, "
            "stage_due_at TEXT, flags TEXT NOT NULL, escalated INTEGER NOT NULL, "
            "carers_identified INTEGER NOT NULL, carers_outstanding INTEGER NOT NULL, "
            "eligible_people INTEGER NOT NULL, budget_total_pence BIGINT NOT NULL, next_review_due TEXT, "
            "received_at TEXT NOT NULL, closed INTEGER NOT NULL, closure_reason TEXT, "
            "version BIGINT NOT NULL, updated_at TEXT NOT NULL)"
        )
        cursor.execute(f"CREATE INDEX IF NOT EXISTS {CASE}_by_stage ON {CASE} (closed, stage, team)")
        cursor.execute(f"CREATE INDEX IF NOT EXISTS {CASE}_by_worker ON {CASE} (worker_id, closed)")
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {PERSON} ("
            "case_id TEXT NOT NULL, person_id TEXT NOT NULL, kind TEXT NOT NULL, name TEXT NOT NULL, "
            "young_carer INTEGER NOT NULL, assessment TEXT NOT NULL, eligible INTEGER, budget_pence BIGINT NOT NULL, "
            "plan_status TEXT NOT NULL, management TEXT, PRIMARY KEY (case_id, person_id))"
        )

    def rows(self, state: CaseState, version: int) -> dict[str, list[Row]]:
        people = list(state.people.values())
        carers = state.carers()
        due = [r.due_on.isoformat() for r in state.reviews.values() if r.status == "scheduled"]
        stage_due = None if state.closed else self.service_levels.due_at(state.stage, state.stage_entered_at)
        case_row: list[Any] = [
            state.case_id,
            state.council_code,
            state.team,
            state.worker_id,
            state.adult_id,
            state.adult.name,
            state.stage.value,
            state.stage_entered_at.isoformat(),
            utc_text(stage_due) if stage_due else None,
            json.dumps(case_flags(state)),
            int(state.escalation is not None),
            len(carers),
            len([w for w in outstanding_assessments(state) if w["kind"] == "carer"]),
            len([p for p in people if p.eligibility is not None and p.eligibility.eligible]),
            sum(current_budget_pence(p) for p in people),
            min(due) if due else None,
            state.received_at.isoformat(),
            int(state.closed),
            state.closure_reason.value if state.closure_reason else None,
            version,
            state.last_recorded_at.isoformat(),
        ]
        person_rows: list[Row] = [
            (
                state.case_id,
                p.person_id,
                p.kind,
                p.name,
                int(p.young_carer),
                p.assessment.value,
                None if p.eligibility is None else int(p.eligibility.eligible),
                current_budget_pence(p),
                p.plan_status.value,
                p.plan.management.value if p.plan is not None else None,
            )
            for p in people
        ]
        return {CASE: [case_row], PERSON: person_rows}
