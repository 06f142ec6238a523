"""Who may see each case: the facts need to know reads (``domain.need_to_know.access_of``), one row
per case, and one row per member of staff a restricted case names.

Lists (``GET /cases``, the worklists) join these tables to show only what their reader may see:
``reach_clause`` says a ``Reach`` in SQL, and ``tests/projections/test_case_access.py`` holds it
to ``domain.need_to_know.within_reach`` case by case, so the two can never tell different stories.
"""

from __future__ import annotations

from typing import Any, ClassVar

from domain.case.state import CaseState
from domain.need_to_know import CaseAccess, Reach, access_of
from projections.derived import CaseDerivedView, Row
from projections.store import ViewCursor

ACCESS = "view_case_access"
NAMED = "view_case_access_staff"


class CaseAccessView(CaseDerivedView):
    name = "case_access"
    columns: ClassVar = {
        ACCESS: ("case_id", "team", "worker_id", "reached_sign_off", "has_money", "restricted", "version"),
        NAMED: ("case_id", "user_id"),
    }

    def create_tables(self, cursor: ViewCursor) -> None:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {ACCESS} (case_id TEXT PRIMARY KEY, team TEXT NOT NULL, worker_id TEXT, "
            "reached_sign_off INTEGER NOT NULL, has_money INTEGER NOT NULL, restricted INTEGER NOT NULL, "
            "version BIGINT NOT NULL)"
        )
        cursor.execute(f"CREATE INDEX IF NOT EXISTS {ACCESS}_by_team ON {ACCESS} (team)")
        cursor.execute(f"CREATE INDEX IF NOT EXISTS {ACCESS}_by_worker ON {ACCESS} (worker_id)")
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {NAMED} (case_id TEXT NOT NULL, user_id TEXT NOT NULL, "
            "PRIMARY KEY (case_id, user_id))"
        )
        cursor.execute(f"CREATE INDEX IF NOT EXISTS {NAMED}_by_user ON {NAMED} (user_id)")

    def rows(self, state: CaseState, version: int) -> dict[str, list[Row]]:
        access = access_of(state)
        return {
            ACCESS: [
                (
                    access.case_id,
                    access.team,
                    access.worker_id,
                    int(access.reached_sign_off),
                    int(access.has_money),
                    int(access.restricted),
                    version,
                )
            ],
            NAMED: [(access.case_id, user_id) for user_id in access.restricted_to],
        }


# Reading the view -----------------------------------------------------------------------------


def access_to(cursor: ViewCursor, case_id: str) -> CaseAccess | None:
    row = cursor.execute(
        f"SELECT team, worker_id, reached_sign_off, has_money, restricted FROM {ACCESS} WHERE case_id = ?", (case_id,)
    ).fetchone()
    if row is None:
        return None
    named = cursor.execute(f"SELECT user_id FROM {NAMED} WHERE case_id = ? ORDER BY user_id", (case_id,)).fetchall()
    team, worker_id, sign_off, money, restricted = row
    return CaseAccess(
        case_id=case_id,
        team=team,
        worker_id=worker_id,
        reached_sign_off=bool(sign_off),
        has_money=bool(money),
        restricted=bool(restricted),
        restricted_to=tuple(r[0] for r in named),
    )


def reach_clause(reach: Reach, case_column: str) -> tuple[str, list[Any]]:
    """A condition on ``case_column`` (a case id column of the query) true exactly for the cases
    ``reach`` covers: ``domain.need_to_know.within_reach`` in SQL."""
    if reach.every_case:
        return "1 = 1", []
    ordinarily: list[str] = []
    params: list[Any] = []
    if reach.teams:
        ordinarily.append(f"a.team IN ({', '.join('?' for _ in reach.teams)})")
        params.extend(reach.teams)
    if reach.allocated_to is not None:
        ordinarily.append("a.worker_id = ?")
        params.append(reach.allocated_to)
    if reach.reached_sign_off:
        ordinarily.append("a.reached_sign_off = 1")
    if reach.has_money:
        ordinarily.append("a.has_money = 1")
    if not ordinarily:
        return "1 = 0", []
    named = f"EXISTS (SELECT 1 FROM {NAMED} n WHERE n.case_id = a.case_id AND n.user_id = ?)"
    params.append(reach.named_user)
    clause = (
        f"EXISTS (SELECT 1 FROM {ACCESS} a WHERE a.case_id = {case_column} AND ({' OR '.join(ordinarily)}) "
        f"AND (a.restricted = 0 OR {named}))"
    )
    return clause, params


def cases_within(cursor: ViewCursor, reach: Reach) -> set[str]:
    """Every case id ``reach`` covers (for checks and tests; lists use ``reach_clause`` in their own query)."""
    clause, params = reach_clause(reach, "c.case_id")
    rows = cursor.execute(f"SELECT c.case_id FROM {ACCESS} c WHERE {clause}", params).fetchall()
    return {r[0] for r in rows}
