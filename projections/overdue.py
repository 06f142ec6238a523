"""Overdue and stuck: every open deadline on every case, so "what is late, and by how much" is one query.

One row per deadline (the stage's service level, and each scheduled review), from the domain's
``ServiceLevels.deadlines``. Whether a row is overdue depends on the time you ask, so the view
keeps ``due_at`` and the query compares it with now; ``flagged`` says the record itself has
noted it (``StageOverdue``, written by the case's workflow timer).
"""

from __future__ import annotations

from domain.case.state import CaseState
from domain.service_levels import ServiceLevels
from projections.derived import CaseDerivedView, Row
from projections.store import ViewCursor, utc_text

DEADLINES = "view_deadline"
COLUMNS = ("case_id", "what", "stage", "team", "worker_id", "since", "due_at", "flagged", "version")


class DeadlinesView(CaseDerivedView):
    name = "deadlines"
    columns = {DEADLINES: COLUMNS}

    def __init__(self, service_levels: ServiceLevels | None = None) -> None:
        super().__init__()
        self.service_levels = service_levels or ServiceLevels()

    def create_tables(self, cursor: ViewCursor) -> None:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {DEADLINES} ("
            "case_id TEXT NOT NULL, what TEXT NOT NULL, stage TEXT NOT NULL, team TEXT NOT NULL, worker_id TEXT, "
            "since TEXT, due_at TEXT NOT NULL, flagged INTEGER NOT NULL, version BIGINT NOT NULL, "
            "PRIMARY KEY (case_id, what))"
        )
        # Covering indexes for the operations queries: passed deadlines (by stage, for the counts),
        # and one stage in one team.
        cursor.execute(f"CREATE INDEX IF NOT EXISTS {DEADLINES}_by_due ON {DEADLINES} (due_at, stage, case_id)")
        cursor.execute(f"CREATE INDEX IF NOT EXISTS {DEADLINES}_by_stage ON {DEADLINES} (stage, team, due_at)")

    def rows(self, state: CaseState, version: int) -> dict[str, list[Row]]:
        return {DEADLINES: [
            (state.case_id, d.what, state.stage.value, state.team, state.worker_id,
             utc_text(d.since) if d.since else None, utc_text(d.due_at), int(d.flagged), version)
            for d in self.service_levels.deadlines(state)
        ]}
