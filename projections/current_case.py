"""The current case: one row per case with the figures a worker's screen opens on, and one row per
person on it.

Every figure is the domain's own derivation from the case state after the event (stage and its
clock, flags, who is outstanding at the gate, each person's current budget), written by
``CaseDerivedView``; nothing here re-implements a rule.
"""

from __future__ import annotations

import json
from typing import Any, ClassVar, Literal

from domain.case.decisions import current_budget_pence
from domain.case.flags import case_flags
from domain.case.rules import outstanding_assessments
from domain.case.state import AssessmentStatus, CaseState, PlanStatus
from domain.need_to_know import Reach
from domain.service_levels import ServiceLevels
from domain.vocabulary import BudgetManagement, ClosureReason, Stage
from projections.case_access import reach_clause
from projections.derived import CaseDerivedView, Row
from projections.reading import Bit, Instant, JsonList, ViewRow, columns_of, select, select_one
from projections.store import ViewCursor, utc_text

CASE = "view_current_case"
PERSON = "view_current_case_person"


class CurrentCase(ViewRow):
    """The case's row: every column, in the table's order."""

    case_id: str
    council_code: str
    team: str
    worker_id: str | None
    adult_id: str
    adult_name: str
    stage: Stage
    stage_entered_at: Instant
    stage_due_at: Instant | None
    flags: JsonList
    escalated: Bit
    carers_identified: int
    carers_outstanding: int
    eligible_people: int
    budget_total_pence: int
    next_review_due: str | None  # the earliest scheduled review, YYYY-MM-DD
    received_at: Instant
    closed: Bit
    closure_reason: ClosureReason | None
    version: int
    updated_at: Instant


class CasePerson(ViewRow):
    """One person on the case: every column, in the table's order."""

    case_id: str
    person_id: str
    kind: Literal["adult", "carer"]
    name: str
    young_carer: Bit
    assessment: AssessmentStatus
    eligible: Bit | None
    budget_pence: int
    plan_status: PlanStatus
    management: BudgetManagement | None


class CaseSummary(ViewRow):
    """A case in a list of cases."""

    case_id: str
    team: str
    worker_id: str | None
    adult_name: str
    stage: Stage
    stage_entered_at: Instant
    stage_due_at: Instant | None
    flags: JsonList
    closed: Bit


CASE_COLUMNS = columns_of(CurrentCase)
PERSON_COLUMNS = columns_of(CasePerson)


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
        stage_due = self.service_levels.stage_due_at(state)
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


# Reading the view -----------------------------------------------------------------------------


def current_case(cursor: ViewCursor, case_id: str) -> CurrentCase | None:
    return select_one(cursor, CurrentCase, CASE, "WHERE case_id = ?", (case_id,))


def case_versions(cursor: ViewCursor, case_id: str | None = None) -> dict[str, int]:
    """The version of each case (or of one) the views have reached."""
    where, params = ("WHERE case_id = ?", (case_id,)) if case_id is not None else ("", ())
    return {r[0]: int(r[1]) for r in cursor.execute(f"SELECT case_id, version FROM {CASE} {where}", params).fetchall()}


def people_on(cursor: ViewCursor, case_id: str) -> list[CasePerson]:
    """The adult first, then each carer, by id."""
    return select(cursor, CasePerson, PERSON, "WHERE case_id = ? ORDER BY kind, person_id", (case_id,))


def cases(
    cursor: ViewCursor,
    *,
    team: str | None = None,
    stage: Stage | None = None,
    worker_id: str | None = None,
    include_closed: bool = False,
    reach: Reach | None = None,
    limit: int,
) -> list[CaseSummary]:
    """Cases by team, stage or worker (open ones unless ``include_closed``), longest in their stage
    first; only those within ``reach`` when it is given (need to know)."""
    where, params = ([] if include_closed else ["closed = 0"]), []
    for column, value in (("team", team), ("stage", stage.value if stage else None), ("worker_id", worker_id)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    if reach is not None:
        within, reach_params = reach_clause(reach, f"{CASE}.case_id")
        where.append(within)
        params.extend(reach_params)
    clause = ("WHERE " + " AND ".join(where) if where else "") + " ORDER BY stage_entered_at LIMIT ?"
    return select(cursor, CaseSummary, CASE, clause, (*params, limit))


def open_cases_by_stage(cursor: ViewCursor, team: str | None = None) -> dict[str, int]:
    """How many open cases each stage holds (of one team, or all)."""
    team_filter, params = ("AND team = ?", [team]) if team else ("", [])
    rows = cursor.execute(f"SELECT stage, COUNT(*) FROM {CASE} WHERE closed = 0 {team_filter} GROUP BY stage", params)
    return {stage: int(count) for stage, count in rows.fetchall()}


def open_case_ids(cursor: ViewCursor, reach: Reach) -> list[str]:
    """The ids of every open case ``reach`` covers, in id order (for figures over a caseload)."""
    within, params = reach_clause(reach, f"{CASE}.case_id")
    rows = cursor.execute(f"SELECT case_id FROM {CASE} WHERE closed = 0 AND {within} ORDER BY case_id", params)
    return [str(case_id) for (case_id,) in rows.fetchall()]
