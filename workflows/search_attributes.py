"""Typed search attributes that let operations find stuck cases with `temporal workflow list`.

Registered by `carecase dev-server` and by the test fixtures; upserted by CaseWorkflow whenever
the stage, its due time, the outstanding carers or the flags change.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

from temporalio import workflow
from temporalio.common import SearchAttributeKey

from domain.case.flags import case_flags
from domain.case.rules import outstanding_assessments
from domain.case.state import CaseState
from domain.service_levels import ServiceLevels

CASE_STAGE = SearchAttributeKey.for_keyword("CaseStage")
STAGE_ENTERED_AT = SearchAttributeKey.for_datetime("StageEnteredAt")
STAGE_DUE_AT = SearchAttributeKey.for_datetime("StageDueAt")
TEAM = SearchAttributeKey.for_keyword("Team")
CARERS_OUTSTANDING = SearchAttributeKey.for_int("CarersOutstanding")
CASE_FLAGS = SearchAttributeKey.for_keyword_list("CaseFlags")

ALL = (CASE_STAGE, STAGE_ENTERED_AT, STAGE_DUE_AT, TEAM, CARERS_OUTSTANDING, CASE_FLAGS)

# The CLI's names for the same types, for `temporal server start-dev --search-attribute NAME=TYPE`.
CLI_TYPES = {
    CASE_STAGE.name: "Keyword",
    STAGE_ENTERED_AT.name: "Datetime",
    STAGE_DUE_AT.name: "Datetime",
    TEAM.name: "Keyword",
    CARERS_OUTSTANDING.name: "Int",
    CASE_FLAGS.name: "KeywordList",
}


def stage_due_at(state: CaseState, service_levels: ServiceLevels) -> datetime | None:
    return service_levels.stage_due_at(state)


class CaseSearchAttributes:
    """Upserts a case's attributes when they change, and only then: each upsert is a history event."""

    def __init__(self) -> None:
        self.upserted: dict[str, Any] = {}

    def refresh(self, state: CaseState, service_levels: ServiceLevels) -> None:
        due = stage_due_at(state, service_levels)
        wanted: dict[str, Any] = {
            CASE_STAGE.name: state.stage.value,
            STAGE_ENTERED_AT.name: state.stage_entered_at,
            STAGE_DUE_AT.name: due,
            TEAM.name: state.team,
            CARERS_OUTSTANDING.name: sum(1 for w in outstanding_assessments(state) if w["kind"] == "carer"),
            CASE_FLAGS.name: case_flags(state),
        }
        if wanted == self.upserted:
            return
        workflow.upsert_search_attributes(
            [
                CASE_STAGE.value_set(wanted[CASE_STAGE.name]),
                STAGE_ENTERED_AT.value_set(wanted[STAGE_ENTERED_AT.name]),
                STAGE_DUE_AT.value_set(due) if due is not None else STAGE_DUE_AT.value_unset(),
                TEAM.value_set(wanted[TEAM.name]),
                CARERS_OUTSTANDING.value_set(wanted[CARERS_OUTSTANDING.name]),
                CASE_FLAGS.value_set(wanted[CASE_FLAGS.name]),
            ]
        )
        self.upserted = wanted
