"""X1: a challenge to the amount of a budget is recorded and resolved with reasons (CSSG 11.24);
an upheld challenge may revise the amount."""

from __future__ import annotations

import pytest
from pydantic import ValidationError

from domain.application import CaseRecord
from domain.case.work import work_items
from tests.builders import ADULT, MANAGER, Scenario
from tests.domain.story import adult_only_signed_off, carer_plan, given, last, refused, state, when

APPROVED_PENCE = 1_196_000


def test_a_challenge_to_the_approved_amount_is_recorded_with_its_grounds(record: CaseRecord):
    s = Scenario()
    given(record, adult_only_signed_off(s))

    assert when(record, s.challenge(grounds="the figure does not cover night care")) == ["BudgetChallenged"]

    challenge = last(record, s.case_id, "BudgetChallenged")
    assert (challenge.person_id, challenge.challenge_id, challenge.amount_challenged_pence) == (
        ADULT,
        "ch-1",
        APPROVED_PENCE,
    )
    assert challenge.grounds == "the figure does not cover night care"
    assert [(c.challenge_id, c.resolved) for c in state(record, s.case_id).adult.challenges] == [("ch-1", False)]


def test_an_upheld_challenge_revises_the_approved_amount_and_restates_the_budget(record: CaseRecord):
    s = Scenario()
    given(record, adult_only_signed_off(s), s.challenge())

    assert when(record, s.resolve(outcome="upheld", revised_pence=1_400_000, reasons="night care was left out")) == [
        "ChallengeResolved"
    ]

    resolved = last(record, s.case_id, "ChallengeResolved")
    assert (resolved.outcome.value, resolved.revised_pence, resolved.reasons, resolved.actor) == (
        "upheld",
        1_400_000,
        "night care was left out",
        MANAGER,
    )
    adult = state(record, s.case_id).adult
    assert adult.sign_off.approved_pence == 1_400_000
    assert (
        adult.statement.cost_pence,
        adult.statement.adult_contribution_pence,
        adult.statement.council_amount_pence,
    ) == (1_400_000, 150_000, 1_250_000)
    assert adult.challenges[0].resolved is True


def test_an_upheld_challenge_leaves_a_work_item_until_the_plan_follows_the_revised_budget(record: CaseRecord):
    s = Scenario()
    given(record, adult_only_signed_off(s), s.challenge())
    assert "plan_follows_revised_budget" not in kinds_of_work(record, s)

    given(record, s.resolve(outcome="upheld", revised_pence=1_400_000, reasons="night care was left out"))

    [item] = [i for i in work_items(state(record, s.case_id)) if i.kind == "plan_follows_revised_budget"]
    assert (item.role.value, item.person_id, item.detail) == (
        "social_worker",
        ADULT,
        "the budget is now £14,000.00 a year; the approved plan costs £11,960.00",
    )


def kinds_of_work(record: CaseRecord, s: Scenario) -> list[str]:
    return [i.kind for i in work_items(state(record, s.case_id))]


def test_a_challenge_not_upheld_is_resolved_with_reasons_and_leaves_the_amount(record: CaseRecord):
    s = Scenario()
    given(record, adult_only_signed_off(s), s.challenge())

    when(
        record,
        s.resolve(
            outcome="not_upheld", revised_pence=None, reasons="night needs are met by the pendant alarm and check call"
        ),
    )

    resolved = last(record, s.case_id, "ChallengeResolved")
    assert (resolved.outcome.value, resolved.revised_pence, resolved.statement) == ("not_upheld", None, None)
    assert state(record, s.case_id).adult.sign_off.approved_pence == APPROVED_PENCE


def test_a_challenge_not_upheld_cannot_revise_the_amount(record: CaseRecord):
    s = Scenario()
    given(record, adult_only_signed_off(s), s.challenge())

    error = refused(record, s.resolve(outcome="not_upheld", revised_pence=1_400_000), "revision_without_upholding")

    assert error.field == "revised_pence"
    assert state(record, s.case_id).adult.challenges[0].resolved is False


def test_a_resolution_without_reasons_is_refused_at_the_door():
    with pytest.raises(ValidationError) as caught:
        Scenario().resolve(reasons="")

    assert [e["loc"] for e in caught.value.errors()] == [("reasons",)]


def test_one_challenge_at_a_time_and_each_resolved_once(record: CaseRecord):
    s = Scenario()
    given(record, adult_only_signed_off(s), s.challenge())

    refused(record, s.challenge(challenge_id="ch-2"), "challenge_already_open")
    refused(record, s.resolve(challenge_id="ch-9"), "no_open_challenge")
    given(record, s.resolve())
    refused(record, s.resolve(), "no_open_challenge")
    refused(record, s.challenge(), "challenge_id_in_use")
    assert when(record, s.challenge(challenge_id="ch-2", grounds="still short for weekends")) == ["BudgetChallenged"]


def test_a_carers_upheld_challenge_still_charges_the_carer_nothing(record: CaseRecord):
    s = Scenario()
    given(
        record,
        s.up_to_planning(),
        s.draft("carer-1", plan=carer_plan()),
        s.submit("carer-1"),
        s.sign_off("carer-1"),
        s.challenge("carer-1", grounds="a break needs more than a gym membership"),
    )

    when(record, s.resolve("carer-1", revised_pence=80_000, reasons="a week's respite break added"))

    statement = last(record, s.case_id, "ChallengeResolved").statement
    assert (statement.cost_pence, statement.adult_contribution_pence, statement.council_amount_pence) == (
        80_000,
        0,
        80_000,
    )
    assert state(record, s.case_id).people["carer-1"].sign_off.approved_pence == 80_000


def test_an_indicative_figure_can_be_challenged_before_sign_off_and_the_revision_is_what_is_submitted(
    record: CaseRecord,
):
    s = Scenario()
    given(record, s.up_to_planning(), s.draft(), s.challenge(), s.resolve(revised_pence=1_000_000))

    when(record, s.submit())

    assert last(record, s.case_id, "SupportPlanSubmitted").budget_pence == 1_000_000


def test_a_reassessment_supersedes_an_earlier_challenges_revised_amount(record: CaseRecord):
    s = Scenario()
    given(
        record,
        adult_only_signed_off(s),
        s.challenge(),
        s.resolve(revised_pence=1_400_000),
        s.schedule_review(),
        s.complete_review(outcome="reassess"),
        s.start_adult(),
        s.complete_adult(),
        s.eligibility(),
        s.budget(),
    )

    when(record, s.finances())

    # The carer declined, so nothing reduces the carer-neutral £11,000.00.
    assert last(record, s.case_id, "FinancialAssessmentCompleted").statement.cost_pence == 1_100_000
    assert state(record, s.case_id).adult.challenges[0].revised_pence == 1_400_000  # history is kept
