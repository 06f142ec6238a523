"""A whole family's case, referral to closure, through the workflow on a real Temporal server,
with time skipped: two carers (one declines), assessments, eligibility, the RAS, the financial
assessment, plans, sign-off, a direct payment paid three times, the 6-8 week review (which moves
the adult to a council-managed service, ending the direct payment), an annual review that falls
overdue, and closure. The store must then hold exactly the events such a case produces.

Why the direct payment ends before the year is skipped: the dev server's per-workflow time
skipping (experimental) cannot fast-forward a parent while a child with skipping off is running,
so the payments workflow's own time is moved first, and it has finished before the case's is."""

from __future__ import annotations

from collections import Counter
from datetime import date, timedelta

from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from domain.application import CaseRecord
from tests.builders import ADULT, Scenario, plan_for
from tests.workflows.driving import eventually, payments_of, plans_signed_off, send, start
from workflows.case_workflow import CaseWorkflow


async def test_a_whole_family_case_from_referral_to_closure(
    temporal_env: WorkflowEnvironment, worker: Worker, case_record: CaseRecord, task_queue: str
) -> None:
    client = temporal_env.client
    story = Scenario()

    def count(event_type: str) -> int:
        return sum(type(e).__name__ == event_type for e in case_record.stored_events(story.case_id))

    with temporal_env.with_time_skipping_disabled():  # time moves only when the test moves it
        case = await start(client, story.case_id, task_queue)
    for command in [
        story.referral(),
        story.screen(),
        story.identify_carer("carer-1"),
        story.identify_carer("carer-2", name="Grace Oduya", lives_with_adult=False),
        story.start_adult(),
        story.complete_adult(),
        story.decline("carer-2"),
        *story.carers_assessed(("carer-1",)),
    ]:
        await send(client, command)
    for person in (ADULT, "carer-1"):
        await send(client, story.eligibility(person))
        await send(client, story.budget(person))
    await send(client, story.finances())
    await send(client, story.direct_payment_request())

    today = date.today()
    four_weekly = 7 * 2_300 * 4
    await plans_signed_off(client, story)
    await send(client, story.agreement(start_date=today.isoformat(), amount_per_payment_pence=four_weekly))
    payments = payments_of(client, story.case_id)

    # Nine weeks of the payments workflow's time: slots due on day 0, 28 and 56 are paid.
    await temporal_env.fast_forward(payments, timedelta(weeks=9))
    await eventually(lambda: count("PaymentIssued") == 3, "three payments")

    summary = await case.query(CaseWorkflow.summary)
    assert summary.stage == "in_service" and summary.payment_workflows == ["dp-1"]
    reviews = case_record.get_case(story.case_id).state.reviews
    first = next(r for r in reviews.values() if r.kind.value == "planned_first")
    assert first.due_on == today + timedelta(weeks=8) and sorted(first.person_ids) == [ADULT, "carer-1"]
    dp_review = next(r for r in reviews.values() if r.kind.value == "direct_payment_first")
    assert dp_review.due_on == today + timedelta(days=182)

    # The first review: direct payments have not worked out; a council-managed service instead.
    await send(client, story.complete_review(review_id=first.review_id, outcome="revise_plan"))
    await send(client, story.complete_review(review_id=dp_review.review_id, outcome="revise_plan"))
    await send(
        client,
        story.revise(
            plan=plan_for(ADULT, weekly_hours=7, management="council_managed"),
            reason="managing a personal assistant became too much",
        ),
    )
    await send(client, story.end_agreement(reason="moved to a council-managed service"))
    await payments.result()  # the payments workflow has stopped
    await send(client, story.submit())
    await send(client, story.sign_off())
    await eventually(
        lambda: any(
            r.kind.value == "planned_annual" for r in case_record.get_case(story.case_id).state.reviews.values()
        ),
        "annual review",
    )
    annual = next(
        r for r in case_record.get_case(story.case_id).state.reviews.values() if r.kind.value == "planned_annual"
    )
    assert annual.due_on == today + timedelta(days=365)

    # A year and a few days of the case's time: the annual review falls overdue and is flagged.
    await temporal_env.fast_forward(case, timedelta(days=370))
    await eventually(lambda: count("StageOverdue") == 1, "the annual review flagged overdue")
    assert "overdue" in (await case.query(CaseWorkflow.summary)).flags
    await send(client, story.complete_review(review_id=annual.review_id, outcome="no_change"))
    await send(client, story.close(reason="moved_to_residential_care"))

    result = await case.result()
    assert result.stage == "closed" and result.continued >= 2  # handed on after each planned review

    assert Counter(type(e).__name__ for e in case_record.stored_events(story.case_id)) == Counter(
        {
            "ReferralReceived": 1,
            "ReferralScreened": 1,
            "CarerIdentified": 2,
            "CarerAssessmentOffered": 2,
            "NeedsAssessmentStarted": 1,
            "NeedsAssessmentCompleted": 1,
            "CarerAssessmentDeclined": 1,
            "CarerAssessmentAccepted": 1,
            "CarerAssessmentStarted": 1,
            "CarerAssessmentCompleted": 1,
            "EligibilityDetermined": 2,
            "IndicativeBudgetCalculated": 2,
            "FinancialAssessmentCompleted": 1,
            "DirectPaymentRequested": 1,
            "SupportPlanDrafted": 2,
            "SupportPlanSubmitted": 3,
            "SignOffDecisionRecorded": 3,
            "ReviewScheduled": 4,
            "DirectPaymentAgreementMade": 1,
            "PaymentScheduled": 3,
            "PaymentIssued": 3,
            "ReviewCompleted": 3,
            "SupportPlanRevised": 1,
            "DirectPaymentAgreementEnded": 1,
            "StageOverdue": 1,
            # Closing is the last ending: the adult's involvement and each carer's end with it.
            "InvolvementEnded": 3,
            "CaseClosed": 1,
        }
    )
    assert case_record.verify_chain(story.case_id).intact
