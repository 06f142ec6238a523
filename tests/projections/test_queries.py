"""Each view's read queries answer with typed rows that serialise exactly as the rows read: every
column, in the table's order, with the same values (the HTTP answers are these rows)."""

from __future__ import annotations

import json
from collections import Counter
from datetime import UTC, datetime, timedelta
from typing import Any

from pydantic import BaseModel

from domain.application import CaseRecord
from domain.vocabulary import Stage
from projections.audit_timeline import timeline_of
from projections.carers_register import carers, register_figures
from projections.current_case import cases, current_case, open_cases_by_stage, people_on
from projections.ledger import entries_of, ledger_of
from projections.overdue import deadlines_passed, deadlines_passed_by_stage
from projections.store import ViewCursor, ViewStore
from projections.worklists import work_on, worklist
from tests.builders import Scenario
from tests.projections.story import a_long_case, a_short_case, interleaved, runner


def as_read(models: list[Any]) -> list[list[tuple[str, Any]]]:
    """Each model as (column, value) pairs in field order, as the answer would carry them."""
    return [list(m.model_dump(mode="json").items()) for m in models]


def rows(cursor: ViewCursor, sql: str, *params: Any, json_columns: tuple[str, ...] = ()) -> list[list[tuple[str, Any]]]:
    found = cursor.execute(sql, params).dicts()
    for row in found:
        for column in json_columns:
            row[column] = json.loads(row[column])
    return [list(row.items()) for row in found]


def test_every_query_reads_its_rows_whole_and_in_order(record: CaseRecord, view_store: ViewStore):
    long, short, going = Scenario(), Scenario(), Scenario()
    # Two closed cases and one still in assessment, with work waiting and deadlines running.
    for command in interleaved(a_long_case(long), a_short_case(short), a_long_case(going)[:15]):
        record.handle(command)
    runner(record, view_store).run_until_caught_up()

    with view_store.read() as cursor:
        for s in (long, short, going):
            case = s.case_id.hex
            one = current_case(cursor, case)
            assert one is not None
            assert as_read([one]) == rows(
                cursor, "SELECT * FROM view_current_case WHERE case_id = ?", case, json_columns=("flags",)
            )
            assert as_read(people_on(cursor, case)) == rows(
                cursor, "SELECT * FROM view_current_case_person WHERE case_id = ? ORDER BY kind, person_id", case
            )
            assert as_read(work_on(cursor, case)) == rows(
                cursor,
                "SELECT kind, role, person_id, detail FROM view_worklist WHERE case_id = ? ORDER BY item_id",
                case,
            )
            money = ledger_of(cursor, case)
            assert as_read([money] if money else []) == rows(
                cursor, "SELECT * FROM view_budget_ledger WHERE case_id = ?", case
            )
            assert as_read(entries_of(cursor, case)) == rows(
                cursor, "SELECT * FROM view_budget_ledger_entry WHERE case_id = ? ORDER BY version, seq", case
            )
            assert as_read(timeline_of(cursor, case)) == rows(
                cursor,
                "SELECT version, recorded_at, effective_at, event, actor, role, command_id, summary "
                "FROM view_audit_timeline WHERE case_id = ? ORDER BY version",
                case,
            )
        assert current_case(cursor, "0" * 32) is None and ledger_of(cursor, "0" * 32) is None

        listed = cases(cursor, include_closed=True, limit=10)
        assert len(listed) == 3
        assert as_read(listed) == rows(
            cursor,
            "SELECT case_id, team, worker_id, adult_name, stage, stage_entered_at, stage_due_at, flags, closed "
            "FROM view_current_case ORDER BY stage_entered_at LIMIT 10",
            json_columns=("flags",),
        )
        still_open = [c for c in listed if not c.closed]
        assert len(still_open) == 1 and cases(cursor, limit=10) == still_open
        assert cases(cursor, stage=Stage.SCREENING, include_closed=True, limit=10) == [
            c for c in listed if c.stage == Stage.SCREENING
        ]
        assert open_cases_by_stage(cursor) == dict(Counter(c.stage.value for c in still_open))

        team_list = worklist(cursor, "team", "east-locality", limit=50)
        assert as_read(team_list) == rows(
            cursor,
            "SELECT case_id, kind, role, person_id, detail, team, worker_id, stage, stage_due_at, adult_name "
            "FROM view_worklist WHERE team = ? ORDER BY stage_due_at, case_id, item_id LIMIT 50",
            "east-locality",
        )
        assert team_list and worklist(cursor, "team", "east-locality", role="team_manager", limit=50) == [
            item for item in team_list if item.role == "team_manager"
        ]

        assert as_read(carers(cursor, limit=50)) == rows(
            cursor, "SELECT * FROM view_carers_register ORDER BY case_id, carer_id LIMIT 50"
        )
        figures = register_figures(cursor)
        assert isinstance(figures, BaseModel) and figures.carers_identified == 6

        later = datetime.now(UTC) + timedelta(days=400)
        passed = deadlines_passed(cursor, later)
        assert passed
        assert list(passed[0].model_dump(mode="json")) == [
            "case_id",
            "what",
            "stage",
            "team",
            "worker_id",
            "since",
            "due_at",
            "flagged",
            "overdue_by_hours",
        ]
        by_stage = deadlines_passed_by_stage(cursor, later)
        assert sum(by_stage.values()) == len(passed)
