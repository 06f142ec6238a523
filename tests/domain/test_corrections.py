"""The right to rectification (UK GDPR Art. 16): a fact recorded about a person is corrected by an
event of its own. The case shows the corrected fact from then on, the timeline keeps both, the case
as it stood before still shows the old value, and decisions made on the old value verify as made."""

from __future__ import annotations

from datetime import date

import pytest
from pydantic import ValidationError

from domain import commands as c
from domain.application import CaseRecord
from domain.decision_audit import DECISIONS
from domain.timeline import timeline_entry
from tests.builders import ADULT, MANAGER, Scenario
from tests.domain.story import adult_only_signed_off, given, refused, state, when


def test_a_corrected_name_is_the_one_the_case_shows_while_the_timeline_and_the_past_keep_the_old(
    record: CaseRecord,
):
    s = Scenario()
    given(record, adult_only_signed_off(s), s.agreement())
    decisions = [e.originator_version for e in record.stored_events(s.case_id) if type(e).__name__ in DECISIONS]
    before_correction = record.stored_events(s.case_id)[-1].timestamp

    assert when(
        record,
        s.correct(1, "adult_name", " Margaret Oduya-Bell ", reason="she uses her married name", actor=MANAGER),
    ) == ["RecordedFactCorrected"]

    now = state(record, s.case_id)
    assert now.adult.name == "Margaret Oduya-Bell"  # trimmed, as the referral would have held it
    # The agreement paying her by id names her as she is now.
    assert now.agreements["dp-1"].recipient_name == "Margaret Oduya-Bell"
    events = record.stored_events(s.case_id)
    correction = events[-1]
    assert (correction.corrected_event_version, correction.corrected_event_type, correction.field) == (
        1,
        "ReferralReceived",
        "adult_name",
    )
    assert (correction.person_id, correction.previous_value, correction.corrected_value) == (
        ADULT,
        "Margaret Oduya",
        "Margaret Oduya-Bell",
    )
    assert type(correction).personal_fields == ("previous_value", "corrected_value")
    # The referral itself is unchanged, and so is its line of the timeline.
    assert events[0].adult_name == "Margaret Oduya"
    assert "adult name: Margaret Oduya;" in timeline_entry(events[0]).summary
    line = timeline_entry(correction)
    assert (line.event, line.actor, line.role) == ("RecordedFactCorrected", "tm-morgan", "team_manager")
    assert line.summary == (
        "corrects ReferralReceived (version 1), adult name: Margaret Oduya → Margaret Oduya-Bell; "
        "reason: she uses her married name"
    )

    past = record.case_as_of(s.case_id, before_correction)
    assert past is not None and past.version == correction.originator_version - 1
    assert past.state.adult.name == "Margaret Oduya"
    assert past.state.agreements["dp-1"].recipient_name == "Margaret Oduya"
    later = record.case_as_of(s.case_id, correction.timestamp)
    assert later is not None and later.state.adult.name == "Margaret Oduya-Bell"

    # Eligibility, the budget, the financial assessment, the sign-off and the agreement were made
    # on the old name and still verify as they were made.
    assert len(decisions) >= 5
    for version in decisions:
        check = record.verify_decision(s.case_id, version)
        assert check.verified, (check.decision, check.problems)
    assert record.verify_chain(s.case_id).intact


def test_a_carers_corrected_date_of_birth_leaves_what_was_decided_on_the_old_one(record: CaseRecord):
    """Daniel was recorded as born in 1968; he was in fact 15 when identified. The case shows the
    new date; whether he was a young carer was decided on identification and stays as decided (his
    offer of an adult carer's assessment stands): decision 0025."""
    s = Scenario()
    given(record, s.referral(), s.screen(), s.identify_carer())
    identified = next(e for e in record.stored_events(s.case_id) if type(e).__name__ == "CarerIdentified")

    when(record, s.correct(identified.originator_version, "date_of_birth", "2010-09-01"))

    carer = state(record, s.case_id).people["carer-1"]
    assert carer.date_of_birth == date(2010, 9, 1)
    assert carer.young_carer is False and carer.assessment.value == "offered"


def test_a_fact_corrected_again_is_corrected_from_its_latest_value(record: CaseRecord):
    s = Scenario()
    given(record, s.referral(), s.screen(), s.identify_carer())
    version = next(
        e.originator_version for e in record.stored_events(s.case_id) if type(e).__name__ == "CarerIdentified"
    )

    when(record, s.correct(version, "name", "Danny Oduya"))
    when(record, s.correct(version, "name", "Daniel Oduya-Bell"))
    # Back to what the identification said is a change too: the latest value is what counts.
    when(record, s.correct(version, "name", "Daniel Oduya"))

    corrections = [e for e in record.stored_events(s.case_id) if type(e).__name__ == "RecordedFactCorrected"]
    assert [(e.previous_value, e.corrected_value) for e in corrections] == [
        ("Daniel Oduya", "Danny Oduya"),
        ("Danny Oduya", "Daniel Oduya-Bell"),
        ("Daniel Oduya-Bell", "Daniel Oduya"),
    ]
    assert state(record, s.case_id).people["carer-1"].name == "Daniel Oduya"


def test_the_referral_reason_and_a_nominees_name_and_relationship_can_be_corrected(record: CaseRecord):
    s = Scenario()
    given(record, s.referral(), s.screen(), s.capacity(), s.nominee())
    nominee = next(
        e.originator_version for e in record.stored_events(s.case_id) if type(e).__name__ == "RepresentativeRecorded"
    )

    when(record, s.correct(1, "reason", "discharge after a fall in the garden"))
    when(record, s.correct(nominee, "name", "Daniela Oduya"))
    when(record, s.correct(nominee, "relationship", "daughter"))

    now = state(record, s.case_id)
    assert now.referral_reason == "discharge after a fall in the garden"
    assert (now.representatives["rep-1"].name, now.representatives["rep-1"].relationship) == (
        "Daniela Oduya",
        "daughter",
    )


def test_each_wrong_correction_is_refused_by_its_rule_and_records_nothing(record: CaseRecord):
    s = Scenario()
    given(record, s.referral(), s.screen(), s.identify_carer())
    carer = next(e.originator_version for e in record.stored_events(s.case_id) if type(e).__name__ == "CarerIdentified")
    latest = len(record.stored_events(s.case_id))

    missing = refused(record, s.correct(latest + 1, "adult_name", "Margaret Oduya-Bell"), "no_event_at_version")
    assert (missing.field, missing.details) == ("event_version", {"latest_version": latest})

    # The screening is a decision, not a fact about a person.
    screening = refused(record, s.correct(2, "reasons", "needs appear short-term"), "fact_not_correctable")
    assert screening.field == "event_version" and screening.details["versions_with_correctable_facts"] == [1, carer]
    # An id is never corrected, nor a flag the process worked out.
    an_id = refused(record, s.correct(1, "adult_id", "adult-2"), "fact_not_correctable")
    assert an_id.field == "field"
    assert an_id.details["correctable_fields"] == ["adult_name", "adult_date_of_birth", "reason"]
    refused(record, s.correct(carer, "young_carer", "true"), "fact_not_correctable")

    wrong_type = refused(record, s.correct(1, "adult_date_of_birth", "2 March 1941"), "corrected_value_wrong_type")
    assert wrong_type.field == "corrected_value"
    refused(record, s.correct(1, "adult_date_of_birth", "1941-03-20\n"), "corrected_value_wrong_type")
    for value, rule in [
        ("2026-01-06", "born_after_the_event"),  # the day after the referral
        ("1941-02-30", "no_such_date"),
        ("1850-01-01", "date_out_of_range"),
    ]:
        error = refused(record, s.correct(1, "adult_date_of_birth", value), "corrected_value_out_of_bounds")
        assert error.details == {"kind": "date_of_birth", "rule": rule}, value
        assert value not in error.message  # a refusal is logged: it never repeats the value
    for field, value, rule in [
        ("adult_name", "Margaret\nOduya", "line_break"),
        ("adult_name", "   ", "blank_text"),
        ("adult_name", "M" * 201, "string_too_long"),
        ("reason", "\x00", "control_character"),
    ]:
        error = refused(record, s.correct(1, field, value), "corrected_value_out_of_bounds")
        assert error.details["rule"] == rule, (field, value)

    same = refused(record, s.correct(carer, "name", "  Daniel Oduya "), "correction_changes_nothing")
    assert same.field == "corrected_value"
    refused(record, s.correct(1, "adult_date_of_birth", "1941-03-02"), "correction_changes_nothing")

    given(record, s.close())
    refused(record, s.correct(carer, "name", "Danny Oduya"), "case_closed")


def test_a_correction_is_bounded_at_the_door():
    s = Scenario()
    for fields in [
        {"event_version": 0},
        {"event_version": "1"},
        {"field": "Adult Name"},
        {"corrected_value": ""},
        {"reason": " "},
    ]:
        with pytest.raises(ValidationError):
            c.CorrectRecordedFact.model_validate(
                {**s.correct(1, "adult_name", "Margaret Oduya-Bell").model_dump(), **fields}
            )
