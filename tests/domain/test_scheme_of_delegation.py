"""The scheme of delegation: who may approve what, by route and amount, for a sign-off, a challenge's
revision and a revised plan; each refusal names the limit and the amount and writes nothing, and an
accepted decision's figures and its approver's authority are recomputed by ``verify_decision``.

The council in these stories: a team manager approves up to the panel threshold of £15,000 a year,
the funding panel up to £30,000, a head of service exceptions up to £60,000. A plan of ``h`` hours
a week of personal care at £23.00 an hour costs h x £1,196.00 a year.
"""

from __future__ import annotations

from typing import Any

import pytest

from domain.application import CaseRecord
from domain.commands import CouncilSettings
from domain.decision_audit import explain
from domain.people import Actor, Role
from tests.builders import ADULT, MANAGER, PANEL, WORKER, Scenario, plan_for
from tests.domain.story import adult_only_signed_off, given, last, refused, state, when

HEAD = Actor(user_id="hos-priya", role=Role.HEAD_OF_SERVICE)
THRESHOLD, PANEL_LIMIT, HEAD_LIMIT = 1_500_000, 3_000_000, 6_000_000
ROUTES: dict[str, tuple[Actor, dict[str, Any]]] = {
    "delegated": (MANAGER, {"route": "delegated", "role": "team_manager", "limit_pence": THRESHOLD}),
    "panel": (PANEL, {"route": "panel", "role": "panel_member", "limit_pence": PANEL_LIMIT}),
    "exception": (HEAD, {"route": "exception", "role": "head_of_service", "limit_pence": HEAD_LIMIT}),
}


def cost(hours: int) -> int:
    return hours * 2_300 * 52


@pytest.fixture
def council() -> CouncilSettings:
    return CouncilSettings(
        panel_threshold_pence=THRESHOLD, panel_limit_pence=PANEL_LIMIT, head_of_service_limit_pence=HEAD_LIMIT
    )


def submitted(s: Scenario, hours: int) -> list[Any]:
    return [*s.up_to_planning(carers=()), s.draft(plan=plan_for(ADULT, weekly_hours=hours)), s.submit()]


def check_verified(record: CaseRecord, s: Scenario, event: Any, authority: dict[str, Any]) -> None:
    check = record.verify_decision(s.case_id, event.originator_version)
    assert (check.verified, check.method, check.problems) == (True, "figures_and_authority", [])
    explained = explain(event)
    assert explained.breakdown["authority"] == authority
    assert explained.breakdown["delegation_scheme_version"] == "2026.1"


# A sign-off -------------------------------------------------------------------------------------

WITHIN = [("delegated", 12), ("panel", 25), ("exception", 50)]
BEYOND = [("panel", 26, PANEL_LIMIT), ("exception", 51, HEAD_LIMIT)]


@pytest.mark.parametrize(("route", "hours"), WITHIN)
def test_a_sign_off_within_the_routes_limit_is_recorded_with_the_approvers_authority(
    record: CaseRecord, route: str, hours: int
):
    s = Scenario()
    actor, authority = ROUTES[route]
    given(record, submitted(s, hours))

    assert when(record, s.sign_off(route=route, actor=actor)) == ["SignOffDecisionRecorded"]

    decision = last(record, s.case_id, "SignOffDecisionRecorded")
    assert (decision.approved_pence, decision.plan_annual_cost_pence) == (cost(hours), cost(hours))
    assert decision.authority.model_dump(mode="json") == authority
    assert decision.statement.cost_pence == cost(hours)
    check_verified(record, s, decision, authority)


@pytest.mark.parametrize(("route", "hours", "limit"), BEYOND)
def test_a_sign_off_beyond_the_routes_limit_is_refused_naming_the_limit_and_the_amount(
    record: CaseRecord, route: str, hours: int, limit: int
):
    s = Scenario()
    actor, authority = ROUTES[route]
    given(record, submitted(s, hours))

    error = refused(record, s.sign_off(route=route, actor=actor), "beyond_delegated_authority")

    assert error.details == {
        "amount_pence": cost(hours),
        "limit_pence": limit,
        "route": route,
        "role": authority["role"],
        "scheme_version": "2026.1",
    }
    assert f"£{cost(hours) / 100:,.2f}" in error.message and f"£{limit / 100:,.2f}" in error.message


def test_a_team_manager_beyond_the_panel_threshold_is_sent_to_the_panel_naming_both_figures(record: CaseRecord):
    s = Scenario()
    given(record, submitted(s, 13))

    error = refused(record, s.sign_off(), "panel_required")

    assert (error.details["amount_pence"], error.details["limit_pence"]) == (cost(13), THRESHOLD)
    assert "£15,548.00" in error.message and "£15,000.00" in error.message


def test_an_approval_approves_the_plans_cost_not_another_figure(record: CaseRecord):
    """The issue's case: £90,000 a year approved under delegated authority on a plan costing £11,960."""
    s = Scenario()
    given(record, submitted(s, 10))

    error = refused(record, s.sign_off(approved_pence=9_000_000), "approved_amount_not_the_plans_cost")

    assert error.details == {"approved_pence": 9_000_000, "plan_cost_pence": 1_196_000}


def test_only_the_routes_own_role_signs_off(record: CaseRecord):
    s = Scenario()
    given(record, submitted(s, 30))

    refused(record, s.sign_off(route="exception", actor=PANEL), "sign_off_needs_authority")
    refused(record, s.sign_off(route="panel", actor=HEAD), "sign_off_needs_authority")


def test_verify_decision_recomputes_the_approvers_authority_under_the_scheme_as_configured(
    record: CaseRecord, store_env: dict[str, str], catalogue: Any, clock: Any
):
    """A decision recorded within a limit the council has since lowered, under the same scheme
    version, is reported as beyond delegation: the limit is recomputed, not taken on trust."""
    s = Scenario()
    given(record, submitted(s, 12), s.sign_off())
    decision = last(record, s.case_id, "SignOffDecisionRecorded")
    lowered = CouncilSettings(
        panel_threshold_pence=1_000_000, panel_limit_pence=PANEL_LIMIT, head_of_service_limit_pence=HEAD_LIMIT
    )
    auditor = CaseRecord(store_env, rule_sets=catalogue, council=lowered, clock=clock)

    check = auditor.verify_decision(s.case_id, decision.originator_version)

    assert check.verified is False
    assert check.problems == [
        "the authority recorded (a team manager's delegated limit of £15,000.00) is not the scheme of delegation "
        "2026.1's (a team manager's delegated limit of £10,000.00)",
        "£14,352.00 a year is beyond delegation: above a team manager's delegated limit of £10,000.00",
    ]


# A challenge that revises the budget ------------------------------------------------------------

CHALLENGES = [
    ("delegated", 1_500_000, None),
    ("delegated", 1_500_001, THRESHOLD),
    ("panel", 3_000_000, None),
    ("panel", 3_000_001, PANEL_LIMIT),
    ("exception", 6_000_000, None),
    ("exception", 6_000_001, HEAD_LIMIT),
]


@pytest.mark.parametrize(("route", "revised", "limit"), CHALLENGES)
def test_a_challenge_revises_the_budget_only_within_the_resolvers_limit(
    record: CaseRecord, route: str, revised: int, limit: int | None
):
    s = Scenario()
    actor, authority = ROUTES[route]
    given(record, adult_only_signed_off(s), s.challenge())

    command = s.resolve(revised_pence=revised, actor=actor)
    if limit is not None:
        error = refused(record, command, "beyond_delegated_authority")
        assert (error.details["amount_pence"], error.details["limit_pence"]) == (revised, limit)
        assert f"£{limit / 100:,.2f}" in error.message and f"£{revised / 100:,.2f}" in error.message
        assert state(record, s.case_id).adult.sign_off.approved_pence == 1_196_000
        return
    assert when(record, command) == ["ChallengeResolved"]
    resolved = last(record, s.case_id, "ChallengeResolved")
    assert (resolved.revised_pence, resolved.previous_pence) == (revised, 1_196_000)
    assert resolved.authority.model_dump(mode="json") == authority
    assert resolved.statement.cost_pence == revised
    assert state(record, s.case_id).adult.statement.cost_pence == revised
    check_verified(record, s, resolved, authority)


def test_a_role_outside_the_scheme_does_not_revise_a_budget(record: CaseRecord):
    s = Scenario()
    given(record, adult_only_signed_off(s), s.challenge())

    error = refused(record, s.resolve(revised_pence=1_000_000, actor=WORKER), "no_delegated_authority")
    assert error.details == {"role": "social_worker", "scheme_version": "2026.1"}


# A revised plan, signed off again ---------------------------------------------------------------

REVISIONS = [
    (12, "delegated", None),
    (16, "delegated", "panel_required"),
    (16, "panel", None),
    (30, "panel", "beyond_delegated_authority"),
    (30, "exception", None),
    (55, "exception", "beyond_delegated_authority"),
]


@pytest.mark.parametrize(("hours", "route", "code"), REVISIONS)
def test_an_increase_by_revision_is_signed_off_within_delegation_and_needs_no_reassessment(
    record: CaseRecord, hours: int, route: str, code: str | None
):
    s = Scenario()
    actor, authority = ROUTES[route]
    given(
        record,
        adult_only_signed_off(s),
        s.schedule_review(),
        s.complete_review(outcome="revise_plan"),
        # An increase: no reassessment is asked for.
        s.revise(plan=plan_for(ADULT, weekly_hours=hours)),
        s.submit(),
    )

    command = s.sign_off(route=route, actor=actor)
    if code is not None:
        error = refused(record, command, code)
        assert (error.details["amount_pence"], error.details["limit_pence"]) == (
            cost(hours),
            authority["limit_pence"],
        )
        return
    assert when(record, command) == ["SignOffDecisionRecorded"]
    decision = last(record, s.case_id, "SignOffDecisionRecorded")
    assert (decision.approved_pence, decision.previous_approved_pence, decision.reassessment_completed_at) == (
        cost(hours),
        1_196_000,
        None,
    )
    check_verified(record, s, decision, authority)
