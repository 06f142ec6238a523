"""The whole life of a case: referral to closure through assessment, the gate, decisions, planning,
payments, reviews (a reassessment goes back through the gate) and monitoring. The stage is derived
from the record at every point; once closed, nothing more is recorded."""

from __future__ import annotations

from datetime import UTC, datetime

from domain import commands as c
from domain.application import CaseRecord
from tests.builders import ADULT, FINANCE, MANAGER, WORKER, Scenario
from tests.domain.story import CARER_BUDGET_PENCE, carer_plan, given, last, refused, stage, state, when

REASSESSED_FINDINGS = {
    "needs_arise_from_impairment_or_illness": True,
    "unable_to_achieve": {
        "nutrition": ["needs_assistance"],
        "personal_hygiene": ["needs_assistance"],
        "toilet_needs": ["needs_assistance"],
        "using_home_safely": ["endangers_health_or_safety"],
        "appropriately_clothed": ["takes_significantly_longer"],
    },
    "significant_impact_on_wellbeing": True,
}


def carer_agreement(s: Scenario) -> c.MakeDirectPaymentAgreement:
    return s.agreement(
        "carer-1",
        agreement_id="dp-2",
        frequency="annual",
        amount_per_payment_pence=CARER_BUDGET_PENCE,
    )


def in_service(s: Scenario) -> list[c.CaseCommand]:
    return [
        s.up_to_planning(),
        s.direct_payment_request("carer-1"),
        s.draft(),
        s.draft("carer-1", plan=carer_plan()),
        s.submit(),
        s.submit("carer-1"),
        s.sign_off(),
        s.sign_off("carer-1"),
        s.agreement(),
        carer_agreement(s),
        s.schedule_payment(1),
        s.issue_payment(1),
    ]


def test_a_case_from_referral_to_closure(record: CaseRecord):
    s = Scenario()
    case = s.case_id

    def then_stage(command: c.CaseCommand, expected: str) -> None:
        record.handle(command)
        assert stage(record, case) == expected, type(command).__name__

    # Referral, carers and assessments: the gate holds until everyone's assessment is finished.
    then_stage(s.referral(), "screening")
    then_stage(s.screen(), "assessment")
    then_stage(s.identify_carer(), "assessment")
    then_stage(s.start_adult(), "assessment")
    then_stage(s.complete_adult(), "assessment")
    then_stage(s.accept(), "assessment")
    then_stage(s.start_carer(), "assessment")
    then_stage(s.complete_carer(), "eligibility")
    # Decisions, each person in their own right.
    then_stage(s.eligibility(), "eligibility")
    then_stage(s.eligibility("carer-1"), "resource_allocation")
    then_stage(s.budget(), "resource_allocation")
    then_stage(s.budget("carer-1"), "financial_assessment")
    then_stage(s.finances(), "support_planning")
    # Planning and sign-off: each asks for a direct payment (s.31), then the plans.
    then_stage(s.direct_payment_request(), "support_planning")
    then_stage(s.direct_payment_request("carer-1"), "support_planning")
    then_stage(s.draft(), "support_planning")
    then_stage(s.draft("carer-1", plan=carer_plan()), "support_planning")
    then_stage(s.submit(), "support_planning")
    then_stage(s.submit("carer-1"), "sign_off")
    then_stage(s.sign_off(), "sign_off")
    then_stage(s.sign_off("carer-1"), "payment_setup")
    # Payments: both plans are held as direct payments.
    then_stage(s.agreement(), "payment_setup")
    then_stage(carer_agreement(s), "in_service")
    then_stage(s.schedule_payment(1), "in_service")
    then_stage(s.issue_payment(1), "in_service")

    # The light-touch first review runs late, is seen as overdue, then completes with no change.
    then_stage(s.schedule_review(person_ids=[ADULT, "carer-1"], due_on="2026-03-30"), "in_service")
    when(record, s.overdue(stage="review:rv-1", due_at=datetime(2026, 3, 30, 17, 0, tzinfo=UTC)))
    assert "review:rv-1" in state(record, case).overdue
    assert when(record, s.complete_review(outcome="no_change")) == ["ReviewCompleted"]
    assert "review:rv-1" not in state(record, case).overdue
    assert stage(record, case) == "in_service"

    # A change of circumstances: an unplanned review decides the adult must be reassessed.
    assert when(record, s.request_review(reason="change_of_circumstances")) == ["ReviewRequested"]
    assert stage(record, case) == "review"
    then_stage(s.complete_review(review_id="rv-9", outcome="reassess"), "assessment")
    adult = state(record, case).adult
    assert (adult.assessment.value, adult.assessment_requests) == ("requested", 1)
    error = refused(record, s.revise(), "assessments_outstanding")
    assert error.details["outstanding"] == [{"person_id": ADULT, "kind": "adult", "assessment": "requested"}]

    # Payments continue while the adult is reassessed.
    then_stage(s.schedule_payment(2), "assessment")
    then_stage(s.issue_payment(2), "assessment")

    # The reassessment supersedes every decision built on the old one; the plan stays as a draft.
    then_stage(s.start_adult(), "assessment")
    then_stage(
        s.complete_adult(
            findings=REASSESSED_FINDINGS, ras_answers={**dict(s.complete_adult().ras_answers), "clothing": "full_help"}
        ),
        "eligibility",
    )
    adult = state(record, case).adult
    assert (adult.eligibility, adult.budget, adult.statement, adult.sign_off) == (None, None, None, None)
    assert (adult.plan_status.value, adult.plan_version) == ("draft", 1)
    then_stage(s.eligibility(), "resource_allocation")
    then_stage(s.budget(), "financial_assessment")
    assert last(record, case, "IndicativeBudgetCalculated").calculation.total_points == 48
    then_stage(s.finances(), "support_planning")
    then_stage(s.revise(), "support_planning")
    then_stage(s.submit(), "sign_off")
    then_stage(s.sign_off(), "in_service")
    assert state(record, case).adult.sign_off.approved_pence == 12 * 2_300 * 52

    # Monitoring shows an underspend of the two payments received (£1,840 less £1,580 spent), recovered.
    then_stage(s.monitoring_return(spent_pence=158_000, underspend_pence=26_000), "in_service")
    then_stage(s.recover(amount_pence=26_000), "in_service")
    assert state(record, case).agreements["dp-1"].recovered_pence == 26_000

    # Closure is the last ending: with payments running it is a team manager's; it ends each
    # person's involvement and agreement, then the case; the record is kept.
    refused(record, s.close(reason="moved_to_residential_care"), "closure_needs_team_manager")
    closing = s.close(reason="moved_to_residential_care", notes="moved to Oakfield House", actor=MANAGER)
    closed_with = when(record, closing)
    assert (closed_with.count("InvolvementEnded"), closed_with.count("DirectPaymentAgreementEnded")) == (2, 2)
    assert closed_with[-1] == "CaseClosed"
    closed = state(record, case)
    assert (closed.stage.value, closed.closed, closed.closure_reason.value) == (
        "closed",
        True,
        "moved_to_residential_care",
    )
    assert {a.agreement_id: a.status for a in closed.agreements.values()} == {"dp-1": "stopped", "dp-2": "stopped"}
    assert record.verify_chain(case).intact


def every_command_but_referral(s: Scenario) -> list[c.CaseCommand]:
    return [
        s.screen(),
        s.identify_carer("carer-2"),
        s.accept(),
        s.decline(),
        s.request_carer_assessment(),
        s.consent(ADULT),
        s.person_details(),
        s.start_adult(),
        s.complete_adult(),
        s.refuse_adult(),
        s.request_adult(),
        s.start_carer(),
        s.complete_carer(),
        s.eligibility(),
        s.budget(),
        s.override_cap(),
        s.finances(),
        s.challenge(),
        s.resolve(),
        s.draft(),
        s.revise(),
        s.submit(),
        s.sign_off(),
        s.capacity(),
        s.authorised_person(),
        s.nominee(),
        s.direct_payment_request(),
        s.advice(),
        s.discretion(),
        s.advocacy(),
        s.advocate(),
        s.start_transition(),
        s.complete_transition(),
        s.adult_carer_rules(),
        s.interim(),
        s.end_interim(),
        s.reablement(),
        s.end_reablement(),
        s.refer_chc(),
        s.chc_decision(),
        s.concern(),
        s.section_42(),
        s.enquiry_outcome(),
        s.notify_move(),
        s.share_with_receiving_council(),
        s.receiving_assessed(),
        s.continue_after_move(),
        s.record_given(),
        s.document_issued(),
        s.agreement(agreement_id="dp-3"),
        s.confirm_arrears(),
        s.schedule_payment(2),
        s.issue_payment(1),
        s.fail_payment(1),
        s.suspend(),
        s.resume(),
        c.VaryDirectPaymentAgreement.model_validate(
            {
                "case_id": s.case_id,
                "command_id": "vary-dp-1",
                "actor": FINANCE,
                "agreement_id": "dp-1",
                "amount_per_payment_pence": 23_000,
                "frequency": "weekly",
                "from_date": "2026-03-16",
                "reason": "paid weekly at the person's request",
            }
        ),
        c.EndDirectPaymentAgreement.model_validate(
            {
                "case_id": s.case_id,
                "command_id": "end-dp-1",
                "actor": FINANCE,
                "agreement_id": "dp-1",
                "reason": "no longer needed",
            }
        ),
        s.monitoring_return(),
        s.recover(),
        s.recover_misspent(),
        s.recover_after_stop(),
        s.schedule_review(review_id="rv-2"),
        s.request_review(),
        s.complete_review(),
        s.overdue(stage="in_service"),
        s.close(),
        s.allocate(),
        s.escalate(),
        s.resolve_escalation(),
        s.correct(1, "adult_name", "Margaret Oduya-Bell"),
        s.restrict(),
        s.change_restriction(["tm-morgan", "sw-ayesha"]),
        s.lift_restriction(),
        c.EndInvolvement.model_validate(
            {"case_id": s.case_id, "command_id": "end-1", "actor": WORKER, "person_id": ADULT, "reason": "needs_met"}
            | {"ended_on": "2026-01-05"}
        ),
        c.IssueFinalPayment.model_validate(
            {"case_id": s.case_id, "command_id": "final-1", "actor": FINANCE, "agreement_id": "dp-1"}
        ),
        c.RecoverOverpayment.model_validate(
            {"case_id": s.case_id, "command_id": "over-1", "actor": FINANCE, "agreement_id": "dp-1"}
            | {"amount_pence": 100, "recovered_from": "person", "reason": "paid in advance"}
        ),
        c.CloseDirectPaymentAccount.model_validate(
            {"case_id": s.case_id, "command_id": "account-1", "actor": FINANCE, "agreement_id": "dp-1"}
        ),
    ]


# Money stays reconcilable after closure until finance closes each account (test_endings).
MONEY_AFTER_CLOSURE = {
    "ReceiveMonitoringReturn",
    "RecoverUnspentFunds",
    "RecoverMisspentFunds",
    "RecoverPaymentsAfterStop",
    "IssueFinalPayment",
    "RecoverOverpayment",
    "CloseDirectPaymentAccount",
}


def test_once_closed_every_command_is_refused_and_nothing_is_recorded(record: CaseRecord):
    s = Scenario()
    given(record, in_service(s), s.schedule_review(), s.close(actor=MANAGER))
    commands = every_command_but_referral(s)
    assert {type(command).__name__ for command in commands} == set(c.COMMANDS) - {"ReceiveReferral"}

    for command in commands:
        if type(command).__name__ not in MONEY_AFTER_CLOSURE:
            refused(record, command, "case_closed")
    refused(record, s.referral(), "case_already_exists")


def test_a_referral_screened_to_information_and_advice_is_closed_at_once_with_that_outcome(record: CaseRecord):
    s = Scenario()
    given(record, s.referral(route="self", reason="asking about day centres"))

    refused(
        record, s.screen(outcome="information_and_advice", reasons="signposted"), "advice_not_recorded_at_screening"
    )
    assert when(record, s.signpost(reasons="signposted to Age UK day centres")) == [
        "InformationAndAdviceGiven",
        "ReferralScreened",
        "CaseClosed",
    ]

    advice = last(record, s.case_id, "InformationAndAdviceGiven")
    assert (advice.person_id, advice.given_by, advice.format.value) == (ADULT, "sw-ayesha", "verbal_and_written")
    assert last(record, s.case_id, "CaseClosed").reason.value == "information_and_advice_only"
    assert stage(record, s.case_id) == "closed"
    refused(record, s.identify_carer(), "case_closed")


def test_an_approved_plan_is_revised_only_after_a_review_decides_to_revise_it(record: CaseRecord):
    s = Scenario()
    given(record, in_service(s))

    refused(record, s.revise(), "plan_revision_needs_review")

    given(
        record, s.schedule_review(kind="planned_annual", due_on="2027-01-05"), s.complete_review(outcome="revise_plan")
    )
    assert when(record, s.revise(reason="more hours agreed at review")) == ["SupportPlanRevised"]
    adult = state(record, s.case_id).adult
    assert (adult.plan_status.value, adult.plan_version, adult.sign_off) == ("draft", 2, None)
    assert stage(record, s.case_id) == "support_planning"
