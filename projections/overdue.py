"""Overdue and stuck: every open deadline on every case, so "what is late, and by how much" is one query.

One row per deadline (the stage's service level, and each scheduled review), from the domain's
``ServiceLevels.deadlines``. Whether a row is overdue depends on the time you ask, so the view
keeps ``due_at`` and the query compares it with now; ``flagged`` says the record itself has
noted it (``StageOverdue``, written by the case's workflow timer).
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any, ClassVar

from domain.case.state import CaseState
from domain.service_levels import ServiceLevels
from domain.vocabulary import Stage
from projections.derived import CaseDerivedView, Row
from projections.reading import Instant, ViewRow
from projections.store import UTC_TEXT_FORMAT, ViewCursor, utc_text

DEADLINES = "view_deadline"
COLUMNS = ("case_id", "what", "stage", "team", "worker_id", "since", "due_at", "flagged", "version")


class DeadlinesView(CaseDerivedView):
    name = "deadlines"
    columns: ClassVar = {DEADLINES: COLUMNS}

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
        return {
            DEADLINES: [
                (
                    state.case_id,
                    d.what,
                    state.stage.value,
                    state.team,
                    state.worker_id,
                    utc_text(d.since) if d.since else None,
                    utc_text(d.due_at),
                    int(d.flagged),
                    version,
                )
                for d in self.service_levels.deadlines(state)
            ]
        }


# Reading the view -----------------------------------------------------------------------------


class PassedDeadline(ViewRow):
    """A deadline passed: ids, stages, teams and times only, and how many hours overdue."""

    case_id: str
    what: str
    stage: Stage
    team: str
    worker_id: str | None
    since: Instant | None
    due_at: Instant
    flagged: bool
    overdue_by_hours: int


def deadlines_passed(
    cursor: ViewCursor,
    now: datetime,
    *,
    stage: str | None = None,
    team: str | None = None,
    overdue_by_days: int = 0,
    limit: int | None = None,
) -> list[PassedDeadline]:
    """Deadlines passed at ``now`` by at least ``overdue_by_days``, most overdue first."""
    where: list[str] = ["due_at < ?"]
    params: list[Any] = [utc_text(now - timedelta(days=overdue_by_days))]
    for column, value in (("stage", stage), ("team", team)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    sql = (
        f"SELECT case_id, what, stage, team, worker_id, since, due_at, flagged FROM {DEADLINES} "
        f"WHERE {' AND '.join(where)} ORDER BY due_at"
    )
    if limit is not None:
        sql += " LIMIT ?"
        params.append(limit)
    passed = []
    for row in cursor.execute(sql, params).dicts():
        due = datetime.strptime(row["due_at"], UTC_TEXT_FORMAT).replace(tzinfo=UTC)
        passed.append(PassedDeadline(**row, overdue_by_hours=int((now - due).total_seconds() // 3600)))
    return passed


def deadlines_passed_by_stage(cursor: ViewCursor, now: datetime, team: str | None = None) -> dict[str, int]:
    """How many deadlines have passed at ``now`` in each stage (of one team, or all)."""
    team_filter, params = ("AND team = ?", [team]) if team else ("", [])
    rows = cursor.execute(
        # Deadlines passed, not distinct cases: a case late with its stage and a review counts
        # twice, and the count stays a cheap index scan at a national scale.
        f"SELECT stage, COUNT(*) FROM {DEADLINES} WHERE due_at < ? {team_filter} GROUP BY stage",
        (utc_text(now), *params),
    )
    return {stage: int(count) for stage, count in rows.fetchall()}
