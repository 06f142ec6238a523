"""Worklists and deadlines: what waits on each case, for whom, and by when, as the case moves on."""

from __future__ import annotations

from typing import Any

from domain.application import CaseRecord
from domain.case.work import work_items
from domain.commands import CouncilSettings
from domain.service_levels import ServiceLevels
from projections.overdue import DeadlinesView
from projections.runner import ProjectionRunner
from projections.store import ViewStore, utc_text
from projections.worklists import WorklistView
from tests.builders import Scenario
from tests.projections.story import a_long_case


def worklist(store: ViewStore, case_id: str) -> set[tuple[Any, ...]]:
    with store.transaction() as cursor:
        return set(
            cursor.execute(
                "SELECT kind, role, person_id, worker_id, stage FROM view_worklist WHERE case_id = ?", (case_id,)
            ).fetchall()
        )


def deadlines(store: ViewStore, case_id: str) -> set[tuple[Any, ...]]:
    with store.transaction() as cursor:
        return set(
            cursor.execute("SELECT what, due_at, flagged FROM view_deadline WHERE case_id = ?", (case_id,)).fetchall()
        )


def test_the_worklist_and_the_deadlines_follow_the_case_after_every_command(record: CaseRecord, view_store: ViewStore):
    s = Scenario()
    views = ProjectionRunner(record, view_store, [WorklistView(), DeadlinesView()])
    levels = ServiceLevels()
    seen_kinds: set[str] = set()
    for command in a_long_case(s):
        record.handle(command)
        views.run_until_caught_up()
        state = record.get_case(s.case_id).state
        expected = {(i.kind, i.role.value, i.person_id, state.worker_id, state.stage.value) for i in work_items(state)}
        assert worklist(view_store, s.case_id.hex) == expected, command.type_name()
        assert deadlines(view_store, s.case_id.hex) == {
            (d.what, utc_text(d.due_at), int(d.flagged)) for d in levels.deadlines(state)
        }, command.type_name()
        seen_kinds |= {row[0] for row in expected}
    # The story passes through every kind of work a worker, a manager and finance meet in it.
    assert seen_kinds >= {
        "allocate",
        "escalation",
        "screen_referral",
        "adult_assessment",
        "carer_assessment",
        "determine_eligibility",
        "calculate_budget",
        "financial_assessment",
        "support_plan",
        "resolve_challenge",
        "sign_off",
        "review",
    }
    assert worklist(view_store, s.case_id.hex) == set() and deadlines(view_store, s.case_id.hex) == set()


def test_a_new_referral_is_on_the_team_managers_list_to_allocate_and_due_for_screening(
    record: CaseRecord, view_store: ViewStore
):
    s = Scenario()
    views = ProjectionRunner(record, view_store, [WorklistView(), DeadlinesView()])
    record.handle(s.referral())
    views.run_until_caught_up()
    assert worklist(view_store, s.case_id.hex) == {
        ("allocate", "team_manager", None, None, "screening"),
        ("screen_referral", "social_worker", None, None, "screening"),
    }
    state = record.get_case(s.case_id).state
    [(what, due_at, flagged)] = deadlines(view_store, s.case_id.hex)
    assert (what, flagged) == ("screening", 0)
    assert due_at == utc_text(ServiceLevels().due_at(state.stage, state.stage_entered_at))

    record.handle(s.allocate("sw-ayesha"))
    record.handle(s.screen())
    views.run_until_caught_up()
    assert worklist(view_store, s.case_id.hex) == {
        ("adult_assessment", "social_worker", "adult-1", "sw-ayesha", "assessment")
    }


def test_a_submitted_plan_waits_for_the_first_authority_in_the_scheme_whose_limit_covers_it(
    record: CaseRecord, view_store: ViewStore
):
    s = Scenario()
    for command in s.up_to_planning(carers=()):
        record.handle(command)
    record.handle(s.draft())
    record.handle(s.submit())
    state = record.get_case(s.case_id).state
    cost = state.adult.plan.annual_cost_pence
    for (threshold, panel_limit), role in (
        ((cost, cost), "team_manager"),  # within the panel threshold: delegated
        ((cost - 1, cost), "panel_member"),  # above it, within the panel's limit
        ((cost - 2, cost - 1), "head_of_service"),  # above the panel's limit: an exception
    ):
        council = CouncilSettings(
            panel_threshold_pence=threshold, panel_limit_pence=panel_limit, head_of_service_limit_pence=cost * 2
        )
        store_rows = ProjectionRunner(record, view_store, [WorklistView(council=council)])
        store_rows.rebuild()
        assert ("sign_off", role) in {(k, r) for k, r, *_ in worklist(view_store, s.case_id.hex)}
    # Without the council's scheme the plan goes to the panel, the route that may approve most.
    ProjectionRunner(record, view_store, [WorklistView()]).rebuild()
    assert ("sign_off", "panel_member") in {(k, r) for k, r, *_ in worklist(view_store, s.case_id.hex)}


def test_an_adult_who_died_is_overdue_for_nothing_and_her_open_account_is_on_the_finance_worklist(
    record: CaseRecord, view_store: ViewStore, clock: Any
):
    from datetime import timedelta

    from domain.need_to_know import Reach
    from projections.case_access import CaseAccessView
    from projections.worklists import accounts_to_close, accounts_to_close_count
    from tests.builders import ADULT, MANAGER
    from tests.domain.story import adult_only_signed_off

    s = Scenario()
    views = ProjectionRunner(record, view_store, [WorklistView(), DeadlinesView(), CaseAccessView()])
    for command in [
        *adult_only_signed_off(s),
        s.agreement(),
        s.schedule_payment(1),
        s.issue_payment(1),
        s.schedule_review(person_ids=[ADULT]),
    ]:
        record.handle(command)
    views.run_until_caught_up()
    case_id = s.case_id.hex
    assert {what for what, _, _ in deadlines(view_store, case_id)} >= {"review:rv-1", "monitoring:dp-1"}

    clock.advance(timedelta(days=72))
    record.handle(s.end_involvement(reason="adult_died", ended_on="2026-03-15"))
    views.run_until_caught_up()
    # Nothing is due of her any more: her review is cancelled, her agreement ended (no return due).
    assert deadlines(view_store, case_id) == set()
    finance = Reach(has_money=True, named_user="fin-olu")
    with view_store.transaction() as cursor:
        listed = accounts_to_close(cursor, reach=finance, limit=10)
        elsewhere = accounts_to_close(cursor, team="west-locality", limit=10)
    assert [(row.case_id, row.kind, row.person_id) for row in listed] == [
        (case_id, "close_direct_payment_account", ADULT)
    ]
    assert elsewhere == []

    # The case closes; the account, still open, stays on the finance worklist until finance closes it.
    record.handle(s.close(reason="deceased", actor=MANAGER))
    views.run_until_caught_up()
    assert {(kind, role, person, stage) for kind, role, person, _, stage in worklist(view_store, case_id)} == {
        ("close_direct_payment_account", "finance_officer", ADULT, "closed")
    }
    with view_store.transaction() as cursor:
        assert [row.case_id for row in accounts_to_close(cursor, reach=finance, limit=10)] == [case_id]
        assert (accounts_to_close_count(cursor), accounts_to_close_count(cursor, "west-locality")) == (1, 0)
