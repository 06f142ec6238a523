"""Exactly once: a command id names one decision. Repeating it appends nothing and answers the
events it appended the first time; reusing it for a different command is refused."""

from __future__ import annotations

from uuid import uuid4

import pytest

from domain.application import CaseRecord
from domain.errors import NotFound, RuleViolation
from tests.builders import MANAGER, Scenario
from tests.domain.story import carer_plan, given, refused, state, when


def whole_story(s: Scenario):
    return [
        *s.up_to_planning(),
        s.draft(),
        s.draft("carer-1", plan=carer_plan()),
        s.submit(),
        s.submit("carer-1"),
        s.sign_off(),
        s.sign_off("carer-1"),
        s.agreement(),
        s.schedule_payment(1),
        s.issue_payment(1),
        s.challenge(),
        s.resolve(),
        s.schedule_review(),
        s.complete_review(),
        s.close(actor=MANAGER),
    ]


def test_repeating_any_command_appends_nothing_and_answers_the_original_events(record: CaseRecord):
    s = Scenario()
    story = whole_story(s)
    first = [record.handle(command) for command in story]
    stored = [(e.originator_version, type(e).__name__) for e in record.stored_events(s.case_id)]

    again = [record.handle(command) for command in story]

    for original, repeat in zip(first, again, strict=True):
        assert (repeat.duplicate, repeat.command_id, repeat.command_name) == (
            True,
            original.command_id,
            original.command_name,
        )
        assert [(e.type, e.version, e.chain_hash, e.recorded_at) for e in repeat.events] == [
            (e.type, e.version, e.chain_hash, e.recorded_at) for e in original.events
        ]
    assert [(e.originator_version, type(e).__name__) for e in record.stored_events(s.case_id)] == stored
    assert first[2].events[0].type == "CarerIdentified" and len(again[2].events) == 2  # both events of one command
    assert record.verify_chain(s.case_id).intact


def test_a_command_id_reused_for_a_different_command_is_refused(record: CaseRecord):
    s = Scenario()
    given(record, s.up_to_gate())

    error = refused(record, s.decline(command_id="cmd-3"), "command_id_reused")  # cmd-3 identified the carer

    assert isinstance(error, RuleViolation)
    assert error.field == "command_id"
    assert "IdentifyCarer" in error.message


def test_a_command_id_is_not_used_up_by_a_refusal(record: CaseRecord):
    s = Scenario()
    given(record, s.up_to_gate(), s.eligibility())
    budget = s.budget()
    refused(record, budget, "assessments_outstanding")

    given(record, s.decline())

    assert when(record, budget) == ["IndicativeBudgetCalculated"]


def test_a_second_referral_for_an_existing_case_is_refused(record: CaseRecord):
    s = Scenario()
    referral = s.referral()
    given(record, referral, s.screen())

    error = refused(record, s.referral(route="gp", reason="GP letter about the same fall"), "case_already_exists")

    assert error.field == "case_id"
    assert record.handle(referral).duplicate is True


def test_a_command_for_an_unknown_case_is_refused_and_creates_nothing(record: CaseRecord):
    s = Scenario(case_id=uuid4())

    with pytest.raises(NotFound) as caught:
        record.handle(s.screen())

    assert (caught.value.code, caught.value.field) == ("unknown_case", "case_id")
    assert record.stored_events(s.case_id) == []


def test_a_command_id_sent_again_with_different_content_is_refused_not_taken_as_a_repeat(record: CaseRecord):
    s = Scenario()
    given(
        record,
        s.up_to_planning(),
        s.draft(),
        s.submit(),
        s.sign_off(),
        s.agreement(),
        s.schedule_payment(1),
        s.schedule_payment(2),
        s.issue_payment(1, command_id="pay-once"),
    )

    error = refused(record, s.issue_payment(2, command_id="pay-once"), "command_id_reused")

    assert error.field == "command_id"
    assert state(record, s.case_id).agreements["dp-1"].slots[2].status == "scheduled"
