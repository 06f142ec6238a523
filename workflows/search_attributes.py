"""Typed search attributes that let operations find stuck cases with `temporal workflow list`.

Registered by `carecase dev-server` and by the test fixtures; upserted by CaseWorkflow whenever
the stage, its due time, the outstanding carers or the flags change.
"""

from __future__ import annotations

from temporalio.common import SearchAttributeKey

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
