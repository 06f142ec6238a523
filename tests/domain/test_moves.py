"""Continuity of care when an adult moves to another council (Care Act 2014 s.37-38): the move is
notified, what is shared is recorded by kind and whose, and this council keeps meeting the needs
until the receiving council has assessed; only then does the adult's involvement end for the move,
with the agreement settled to the day. Where a team manager records that the needs are met past the
move date, the payments go on and the ending is not before the receiving council's assessment."""

from __future__ import annotations

from datetime import timedelta

from domain.application import CaseRecord
from domain.case.work import work_items
from domain.service_levels import ServiceLevels
from tests.builders import ADULT, MANAGER, Scenario
from tests.clock import SteppingClock
from tests.domain.story import adult_only_signed_off, given, last, refused, state, when

PAYMENT = 92_000  # £920 four-weekly: slots due 2 Feb, 2 Mar, 30 Mar 2026


def moved(s: Scenario, ended_on: str) -> object:
    return s.end_involvement(reason="moved_to_another_council", ended_on=ended_on, notes="moved to her daughter's")


def test_the_adult_moves_only_once_the_receiving_council_has_assessed(record: CaseRecord, clock: SteppingClock):
    s = Scenario()
    given(record, adult_only_signed_off(s), s.agreement())
    given(record, [s.schedule_payment(1), s.issue_payment(1), s.schedule_payment(2), s.issue_payment(2)])
    refused(record, moved(s, "2026-01-05"), "move_not_notified")
    refused(record, s.notify_move(receiving_council_code="E09000099"), "receiving_council_is_this_council")
    refused(record, s.notify_move(move_on="2026-01-04"), "move_before_notification")
    refused(record, s.share_with_receiving_council(), "move_not_notified")

    assert when(record, s.notify_move()) == ["MoveToAnotherCouncilNotified"]
    case = state(record, s.case_id)
    assert ("continuity_of_care", ADULT) in [(i.kind, i.person_id) for i in work_items(case)]
    assert "move:adult-1" in [d.what for d in ServiceLevels().deadlines(case)]
    refused(record, s.share_with_receiving_council(kinds=["carers_assessment"]), "shared_record_not_on_the_case")
    shared = s.share_with_receiving_council(kinds=["needs_assessment", "support_plan", "personal_budget"])
    assert when(record, shared) == ["InformationSharedWithReceivingCouncil"]
    records = last(record, s.case_id, "InformationSharedWithReceivingCouncil").records
    assert [(r.kind.value, r.person_id) for r in records] == [
        ("needs_assessment", ADULT),
        ("support_plan", ADULT),
        ("personal_budget", ADULT),
    ]

    clock.advance(timedelta(days=72))  # 18 March 2026; the move was on the 16th
    refused(record, moved(s, "2026-03-10"), "ending_before_the_move")
    error = refused(record, moved(s, "2026-03-16"), "receiving_council_has_not_assessed")
    assert error.details == {"move_on": "2026-03-16", "receiving_council_code": "E09000001"}
    # Closing the case for the move is the same ending, and waits the same way.
    refused(record, s.close(reason="moved_away", actor=MANAGER), "receiving_council_has_not_assessed")

    assessed = s.receiving_assessed(assessed_on="2026-03-12", receiving_reference="COL-5521")
    assert when(record, assessed) == ["ReceivingCouncilAssessed"]
    refused(record, s.receiving_assessed(assessed_on="2026-03-13"), "receiving_council_already_assessed")
    refused(record, s.continue_after_move(), "receiving_council_already_assessed")
    case = state(record, s.case_id)
    assert case.adult.move.receiving_reference == "COL-5521"
    assert "move:adult-1" not in [d.what for d in ServiceLevels().deadlines(case)]
    assert ("end_involvement_for_move", ADULT) in [(i.kind, i.person_id) for i in work_items(case)]

    # The move date is the ending: slot 2 (2 Mar, paid) covers 14 of its 28 days before it.
    assert when(record, moved(s, "2026-03-16")) == [
        "InvolvementEnded",
        "FinalSettlementWorkedOut",
        "DirectPaymentAgreementEnded",
    ]
    settled = last(record, s.case_id, "FinalSettlementWorkedOut")
    assert (settled.final_payment_pence, settled.overpayment_pence) == (0, PAYMENT - PAYMENT * 14 // 28)
    case = state(record, s.case_id)
    assert (case.adult.involvement_end_reason.value, case.agreements["dp-1"].status) == (
        "moved_to_another_council",
        "stopped",
    )
    assert "end_involvement_for_move" not in [i.kind for i in work_items(case)]


def test_with_the_needs_met_past_the_move_the_payments_go_on_until_the_receiving_assessment(
    record: CaseRecord, clock: SteppingClock
):
    s = Scenario()
    given(record, adult_only_signed_off(s), s.agreement(), s.schedule_payment(1), s.issue_payment(1))
    given(record, s.notify_move(move_on="2026-02-16"))
    clock.advance(timedelta(days=43))  # 17 February: the receiving council has not assessed by the move
    assert when(record, s.continue_after_move()) == ["NeedsMetUntilReceivingAssessment"]
    refused(record, s.continue_after_move(), "needs_met_past_the_move_already_recorded")
    case = state(record, s.case_id)
    assert "move:adult-1" not in [d.what for d in ServiceLevels().deadlines(case)]
    assert "continuity_of_care" not in [i.kind for i in work_items(case)]

    # The plan and payments carry on past the move date.
    assert when(record, s.schedule_payment(2)) == ["PaymentScheduled"]
    clock.advance(timedelta(days=14))  # 3 March
    assert when(record, s.issue_payment(2)) == ["PaymentIssued"]
    refused(record, moved(s, "2026-02-16"), "receiving_council_has_not_assessed")

    clock.advance(timedelta(days=18))  # 21 March
    given(record, s.receiving_assessed(assessed_on="2026-03-20"))
    # This council met the needs until the receiving council assessed: the ending is not before it.
    refused(record, moved(s, "2026-03-16"), "ending_before_the_receiving_assessment")
    assert when(record, moved(s, "2026-03-20"))[0] == "InvolvementEnded"
    settled = last(record, s.case_id, "FinalSettlementWorkedOut")
    # Slot 2, paid for 2 to 29 March, is owed for the 18 days to the 20th: only the rest is recovered.
    slot_2 = next(line for line in settled.lines if line.slot == 2)
    assert (slot_2.paid, slot_2.days_before_ending, slot_2.owed_pence) == (True, 18, PAYMENT * 18 // 28)
    assert settled.overpayment_pence == PAYMENT - PAYMENT * 18 // 28


def test_a_persons_record_given_to_someone_is_recorded_with_the_version_it_was_exported_at(record: CaseRecord):
    s = Scenario()
    given(record, adult_only_signed_off(s))
    version = record.get_case(s.case_id).version
    refused(record, s.record_given(version=version + 1), "record_version_not_on_the_case")
    refused(record, s.record_given(person_id="nobody"), "unknown_person")
    given_to = s.record_given(given_to="receiving_council", recipient_reference="E09000001", version=version)
    assert when(record, given_to) == ["PersonRecordGiven"]
    event = last(record, s.case_id, "PersonRecordGiven")
    assert (event.given_to.value, event.recipient_reference, event.version) == (
        "receiving_council",
        "E09000001",
        version,
    )
