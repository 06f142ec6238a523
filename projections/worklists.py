"""Worklists: every piece of work waiting on an open case, with the role that does it.

A social worker's list is the items for the role on the cases allocated to them; a team's list is
every item on its cases (unallocated ones first for the manager); a stage's list is every item on
cases in that stage. The items are the domain's (``domain.case.work``).
"""

from __future__ import annotations

from typing import ClassVar, Literal

from domain.case.state import CaseState
from domain.case.work import work_items
from domain.commands import CouncilSettings
from domain.need_to_know import Reach
from domain.people import Role
from domain.service_levels import ServiceLevels
from domain.vocabulary import Stage
from projections.case_access import reach_clause
from projections.derived import CaseDerivedView, Row
from projections.reading import Instant, ViewRow, select
from projections.store import ViewCursor, utc_text

WORKLIST = "view_worklist"
COLUMNS = (
    "case_id",
    "item_id",
    "kind",
    "role",
    "person_id",
    "detail",
    "team",
    "worker_id",
    "stage",
    "stage_due_at",
    "adult_name",
    "version",
)


class WorklistView(CaseDerivedView):
    name = "worklists"
    columns: ClassVar = {WORKLIST: COLUMNS}

    def __init__(self, service_levels: ServiceLevels | None = None, council: CouncilSettings | None = None) -> None:
        super().__init__()
        self.service_levels = service_levels or ServiceLevels()
        # Who a sign-off waits for, and how far an agreement may depart from the approved figure
        # before it must be varied, are the council's; without them, the panel and no tolerance.
        self.scheme = council.scheme_of_delegation() if council is not None else None
        self.agreement_tolerance_basis_points = council.agreement_tolerance_basis_points if council is not None else 0

    def create_tables(self, cursor: ViewCursor) -> None:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {WORKLIST} ("
            "case_id TEXT NOT NULL, item_id TEXT NOT NULL, kind TEXT NOT NULL, role TEXT NOT NULL, person_id TEXT, "
            "detail TEXT NOT NULL, team TEXT NOT NULL, worker_id TEXT, stage TEXT NOT NULL, stage_due_at TEXT, "
            "adult_name TEXT NOT NULL, version BIGINT NOT NULL, PRIMARY KEY (case_id, item_id))"
        )
        cursor.execute(f"CREATE INDEX IF NOT EXISTS {WORKLIST}_by_worker ON {WORKLIST} (worker_id, role)")
        cursor.execute(f"CREATE INDEX IF NOT EXISTS {WORKLIST}_by_team ON {WORKLIST} (team, stage)")

    def rows(self, state: CaseState, version: int) -> dict[str, list[Row]]:
        due = self.service_levels.due_at(state.stage, self.service_levels.stage_clock_started_at(state))
        return {
            WORKLIST: [
                (
                    state.case_id,
                    item.item_id,
                    item.kind,
                    item.role.value,
                    item.person_id,
                    item.detail,
                    state.team,
                    state.worker_id,
                    state.stage.value,
                    utc_text(due) if due else None,
                    state.adult.name,
                    version,
                )
                for item in work_items(state, self.scheme, self.agreement_tolerance_basis_points)
            ]
        }


# Reading the view -----------------------------------------------------------------------------


class CaseWork(ViewRow):
    """A piece of work waiting on the case the reader has open."""

    kind: str
    role: Role
    person_id: str | None
    detail: str


class WorklistItem(ViewRow):
    """A piece of work on someone's list, with the case it is on."""

    case_id: str
    kind: str
    role: Role
    person_id: str | None
    detail: str
    team: str
    worker_id: str | None
    stage: Stage
    stage_due_at: Instant | None
    adult_name: str


def work_on(cursor: ViewCursor, case_id: str) -> list[CaseWork]:
    return select(cursor, CaseWork, WORKLIST, "WHERE case_id = ? ORDER BY item_id", (case_id,))


# Whose list: the cases allocated to a worker, a team's cases, or the cases in a stage.
Owner = Literal["worker_id", "team", "stage"]


def worklist(
    cursor: ViewCursor, by: Owner, value: str, *, role: str | None = None, reach: Reach | None = None, limit: int
) -> list[WorklistItem]:
    """The items on one worker's, team's or stage's cases (for one role, if given), soonest due
    first; only on cases within ``reach`` when it is given (need to know)."""
    where, params = _narrowed({by: value, "role": role}, reach)
    return select(
        cursor, WorklistItem, WORKLIST, where + " ORDER BY stage_due_at, case_id, item_id LIMIT ?", (*params, limit)
    )


def _narrowed(equal: dict[str, str | None], reach: Reach | None) -> tuple[str, list[str]]:
    """A WHERE clause: each column given a value equals it, and the case is within ``reach``."""
    where = [f"{column} = ?" for column, value in equal.items() if value is not None]
    params: list[str] = [value for value in equal.values() if value is not None]
    if reach is not None:
        clause, reach_params = reach_clause(reach, f"{WORKLIST}.case_id")
        where.append(clause)
        params.extend(reach_params)
    return "WHERE " + " AND ".join(where), params


# The finance worklist of money after endings: an ended agreement whose account is not closed yet.
ACCOUNT_TO_CLOSE = "close_direct_payment_account"


def accounts_to_close(
    cursor: ViewCursor, *, team: str | None = None, reach: Reach | None = None, limit: int
) -> list[WorklistItem]:
    """Every ended agreement whose account finance has not closed (a final payment due, an
    overpayment to recover, a balance held), on open and closed cases alike; of one team if given,
    only on cases within ``reach`` when it is given (need to know)."""
    where, params = _narrowed({"kind": ACCOUNT_TO_CLOSE, "team": team}, reach)
    return select(cursor, WorklistItem, WORKLIST, where + " ORDER BY case_id, item_id LIMIT ?", (*params, limit))


def accounts_to_close_count(cursor: ViewCursor, team: str | None = None) -> int:
    """How many ended agreements' accounts are still open (of one team, or all): ids and counts for operations."""
    where, params = _narrowed({"kind": ACCOUNT_TO_CLOSE, "team": team}, None)
    row = cursor.execute(f"SELECT COUNT(*) FROM {WORKLIST} {where}", params).fetchone()
    return int(row[0]) if row else 0
