"""The stories the projection tests replay, and what the views should say, worked out from the
case itself (``CaseState``) rather than from the projections' own logic."""

from __future__ import annotations

from typing import Any

from domain import commands as c
from domain.application import CaseRecord
from domain.case.decisions import current_budget_pence
from domain.case.rules import outstanding_assessments
from domain.case.state import CaseState
from projections.catalogue import all_views
from projections.runner import ProjectionRunner
from projections.store import ViewStore
from tests.builders import Scenario

TABLES = {
    "view_current_case": "case_id",
    "view_current_case_person": "case_id, person_id",
    "view_worklist": "case_id, item_id",
    "view_deadline": "case_id, what",
    "view_audit_timeline": "case_id, version",
    "view_carers_register": "case_id, carer_id",
    "view_budget_ledger": "case_id",
    "view_budget_ledger_entry": "case_id, version, seq",
    "projection_tracking": "projection",
}


def a_long_case(s: Scenario) -> list[c.CaseCommand]:
    """Two adult carers (one declines, asks again and declines again) and a young carer; a budget
    challenged and revised; a plan signed off; a review that reassesses; then closure."""
    return [
        s.referral(),
        s.screen(),
        s.allocate(),
        s.escalate(),
        s.identify_carer("carer-1"),
        s.identify_carer(
            "carer-2",
            name="Grace Oduya",
            date_of_birth="1970-01-05",
            relationship_to_adult="daughter",
            lives_with_adult=False,
        ),
        s.identify_carer("carer-3", name="Sam Oduya", date_of_birth="2014-06-01", relationship_to_adult="grandson"),
        s.start_adult(),
        s.complete_adult(),
        s.accept("carer-1"),
        s.start_carer("carer-1"),
        s.decline("carer-2"),
        s.request_carer_assessment("carer-2"),
        s.decline("carer-2"),
        s.complete_carer("carer-1"),
        s.eligibility(),
        s.budget(),
        s.eligibility("carer-1"),
        s.budget("carer-1"),
        s.finances(),
        s.draft(),
        s.challenge(),
        s.allocate("sw-ben", reason="Ayesha moved team"),
        s.resolve(revised_pence=1_000_000),
        s.submit(),
        s.sign_off(),
        s.schedule_review(),
        s.complete_review(outcome="reassess"),
        s.start_adult(),
        s.complete_adult(),
        s.eligibility(),
        s.budget(),
        s.close(),
    ]


def a_short_case(s: Scenario) -> list[c.CaseCommand]:
    """Signposted at screening: the case closes at once."""
    return [
        s.referral(adult_id="adult-9", adult_name="Peter Lane"),
        s.signpost(reasons="needs met by a community group"),
    ]


def interleaved(*stories: list[c.CaseCommand]) -> list[c.CaseCommand]:
    """Commands of several cases in turn, so the notification log mixes them."""
    out: list[c.CaseCommand] = []
    for i in range(max(len(s) for s in stories)):
        out += [s[i] for s in stories if i < len(s)]
    return out


def expected_current_case(state: CaseState, version: int) -> dict[str, Any]:
    carers = state.carers()
    due = [r.due_on.isoformat() for r in state.reviews.values() if r.status == "scheduled"]
    return {
        "case_id": state.case_id,
        "council_code": state.council_code,
        "team": state.team,
        "worker_id": state.worker_id,
        "stage": state.stage.value,
        "stage_entered_at": state.stage_entered_at.isoformat(),
        "escalated": int(state.escalation is not None),
        "adult_id": state.adult_id,
        "adult_name": state.adult.name,
        "carers_identified": len(carers),
        "carers_outstanding": len([o for o in outstanding_assessments(state) if o["kind"] == "carer"]),
        "eligible_people": len([p for p in state.people.values() if p.eligibility and p.eligibility.eligible]),
        "budget_total_pence": sum(current_budget_pence(p) for p in state.people.values()),
        "next_review_due": min(due) if due else None,
        "closed": int(state.closed),
        "version": version,
        "updated_at": state.last_recorded_at.isoformat(),
    }


CURRENT_CASE_NAMES = [
    "case_id",
    "council_code",
    "team",
    "worker_id",
    "stage",
    "stage_entered_at",
    "escalated",
    "adult_id",
    "adult_name",
    "carers_identified",
    "carers_outstanding",
    "eligible_people",
    "budget_total_pence",
    "next_review_due",
    "closed",
    "version",
    "updated_at",
]


def current_case_rows(store: ViewStore) -> dict[str, dict[str, Any]]:
    with store.transaction() as cursor:
        rows = cursor.execute(
            f"SELECT {', '.join(CURRENT_CASE_NAMES)} FROM view_current_case ORDER BY case_id"
        ).fetchall()
    names = CURRENT_CASE_NAMES
    return {row[0]: dict(zip(names, row, strict=True)) for row in rows}


def timeline_rows(store: ViewStore, case_id: str) -> list[tuple[Any, ...]]:
    with store.transaction() as cursor:
        return cursor.execute(
            "SELECT version, recorded_at, effective_at, event, actor, role, command_id, summary "
            "FROM view_audit_timeline WHERE case_id = ? ORDER BY version",
            (case_id,),
        ).fetchall()


def dump(store: ViewStore) -> dict[str, list[tuple[Any, ...]]]:
    return {table: store.dump(table, order_by) for table, order_by in TABLES.items()}


def runner(record: CaseRecord, store: ViewStore) -> ProjectionRunner:
    return ProjectionRunner(record, store, all_views())
