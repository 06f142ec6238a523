"""The budget ledger says what each case says about its money, after every command, and its
entries add up to its figures. Expectations come from the case (``CaseState``), never from the
projection. Every test runs on SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import timedelta
from typing import Any
from uuid import UUID

from domain import commands as c
from domain.application import CaseRecord
from domain.case.decisions import current_budget_pence
from domain.case.state import CaseState
from domain.planning import PERIODS_PER_YEAR
from domain.vocabulary import BudgetManagement
from projections.ledger import BudgetLedgerView, accounts_of
from projections.runner import ProjectionRunner
from projections.store import ViewStore
from tests.builders import ADULT, FINANCE, MANAGER, Scenario, plan_for
from tests.clock import SteppingClock
from tests.domain.story import CARER_BUDGET_PENCE, adult_only_signed_off, carer_plan
from tests.projections.story import a_short_case, interleaved

COLUMNS = (
    "case_id",
    "council_code",
    "team",
    "allocated_pence",
    "committed_pence",
    "paid_pence",
    "failed_payments",
    "suspended",
    "underspent_pence",
    "recovered_pence",
    "closed",
    "updated_at",
)
TABLES = {
    "view_budget_ledger": "case_id",
    "view_budget_ledger_entry": "case_id, version, seq",
    "projection_tracking": "projection",
}
# Which figure each kind of entry moves.
MOVES = {
    "allocated": "allocated_pence",
    "committed": "committed_pence",
    "paid": "paid_pence",
    "failed": "paid_pence",
    "underspend_reported": "underspent_pence",
    "recovered": "recovered_pence",
    "recovered_misspent": "recovered_pence",
    "recovered_after_stop": "recovered_pence",
    "recovered_overpayment": "recovered_pence",
}
PAYMENT = 92_000  # the adult's four-weekly direct payment
A_YEAR = 1_196_000  # 10 hours x £23.00 x 52 weeks, and 13 four-weekly payments of £920.00
MIXED_A_YEAR = A_YEAR + 234_000  # and a day centre the council commissions, £45.00 a week


def a_family_paid_by_direct_payment(s: Scenario) -> list[c.CaseCommand]:
    """The adult and carer-1 both paid by direct payment: a failed payment reissued, a suspension,
    a revision on challenge, monitoring and recovery, a reassessment and a new sign-off with changes,
    the carer's agreement ended, payments suspended again, and closure while suspended."""
    return [
        *s.up_to_planning(),
        s.direct_payment_request("carer-1"),
        s.draft(),
        s.draft("carer-1", plan=carer_plan()),
        s.submit(),
        s.submit("carer-1"),
        s.sign_off(),
        s.sign_off("carer-1"),
        s.agreement(),
        s.agreement(
            "carer-1",
            agreement_id="dp-2",
            frequency="annual",
            amount_per_payment_pence=CARER_BUDGET_PENCE,
        ),
        s.schedule_payment(1),
        s.schedule_payment(2),
        s.issue_payment(1),
        s.fail_payment(1),
        s.issue_payment(1, payment_reference="PAY-0001-R1"),
        s.suspend(),
        s.resume(),
        s.issue_payment(2),
        s.schedule_payment(1, agreement_id="dp-2", amount_pence=CARER_BUDGET_PENCE),
        s.issue_payment(1, agreement_id="dp-2", payment_reference="PAY-C-0001"),
        s.challenge("carer-1"),
        s.resolve("carer-1", revised_pence=80_000),
        s.monitoring_return(spent_pence=158_000, underspend_pence=26_000),
        s.recover(amount_pence=20_000),
        s.schedule_review(),
        s.complete_review(outcome="reassess"),
        s.start_adult(),
        s.complete_adult(),
        s.eligibility(),
        s.budget(),
        s.finances(),
        s.submit(),
        # An approval with changes carries the changed plan and approves what it costs (9 h x £23 x 52).
        s.sign_off(outcome="approved_with_changes", plan=plan_for(ADULT, weekly_hours=9), approved_pence=1_076_400),
        s.end_agreement(agreement_id="dp-2"),
        s.suspend(reason="in hospital again"),
        s.close(actor=MANAGER),  # payments still under an agreement: a team manager closes it
    ]


def a_back_dated_direct_payment(s: Scenario) -> list[c.CaseCommand]:
    """An agreement starting four weeks before it is made (the record's clock starts on 5 January
    2026): its first slot is arrears, paid as one catch-up a finance officer confirms."""
    return [
        *s.up_to_planning(),
        s.draft(),
        s.draft("carer-1", plan=carer_plan()),
        s.submit(),
        s.submit("carer-1"),
        s.sign_off(),
        s.sign_off("carer-1"),
        s.agreement(start_date="2025-12-08"),
        s.confirm_arrears(amount_pence=PAYMENT),
        s.schedule_payment(2, due_on="2026-01-05"),
        s.issue_payment(2),
    ]


def a_council_managed_plan(s: Scenario) -> list[c.CaseCommand]:
    """The carer declines; the adult's plan is managed by the council, revised after a review; the
    case moves to the east team before it closes (the ledger follows it)."""
    return [
        s.referral(team="west-locality"),
        s.screen(),
        s.identify_carer(),
        s.decline(),
        s.start_adult(),
        s.complete_adult(),
        s.eligibility(),
        s.budget(),
        s.finances(),
        s.draft(plan=plan_for(ADULT, management="council_managed")),
        s.submit(),
        s.sign_off(),
        s.schedule_review(kind="planned_annual"),
        s.complete_review(outcome="revise_plan"),
        s.revise(plan=plan_for(ADULT, management="council_managed", weekly_hours=12)),
        s.submit(),
        s.sign_off(),
        s.allocate("sw-ben", team="east-locality"),
        s.close(),
    ]


def a_mixed_plan(s: Scenario) -> list[c.CaseCommand]:
    """The adult's personal assistant paid as a four-weekly direct payment, a day centre arranged by
    the council beside it (the direct payment is the cost of the lines held as one)."""
    return [
        s.referral(),
        s.screen(),
        s.identify_carer(),
        s.decline(),
        s.start_adult(),
        s.complete_adult(),
        s.eligibility(),
        s.budget(),
        s.finances(),
        s.direct_payment_request(),
        s.draft(plan=plan_for(ADULT, management="mix")),
        s.submit(),
        s.sign_off(),
        s.agreement(),
        s.schedule_payment(1),
        s.issue_payment(1),
    ]


def expected_committed(state: CaseState) -> int:
    """What the arrangements in force commit a year, from the case: live agreements at their yearly
    value, and the approved amount of a signed-off plan the council holds itself (for a mix, less
    the plan's own direct payment a year)."""
    if state.closed:
        return 0
    total = sum(
        a.amount_per_payment_pence * PERIODS_PER_YEAR[a.frequency]
        for a in state.agreements.values()
        if a.status != "stopped" and a.recipient.value in ("person", "authorised_person", "nominee")
    )
    for person in state.people.values():
        if person.sign_off is None or person.plan is None or person.involvement_ended_on is not None:
            continue
        held = state.budget_management[person.person_id]
        if held == BudgetManagement.MIX:
            assert person.plan.direct_payment_pence is not None and person.plan.direct_payment_frequency is not None
            paid_directly = person.plan.direct_payment_pence * PERIODS_PER_YEAR[person.plan.direct_payment_frequency]
            total += max(person.sign_off.approved_pence - paid_directly, 0)
        elif held != BudgetManagement.DIRECT_PAYMENT:
            total += person.sign_off.approved_pence
    return total


def expected_ledger(record: CaseRecord, case_id: UUID) -> dict[str, Any]:
    state = record.get_case(case_id).state
    agreements = state.agreements.values()
    return {
        "case_id": case_id.hex,
        "council_code": state.council_code,
        "team": state.team,
        "allocated_pence": sum(current_budget_pence(p) for p in state.people.values() if p.sign_off is not None),
        "committed_pence": expected_committed(state),
        "paid_pence": sum(a.paid_pence for a in agreements),
        "failed_payments": sum(slot.failures for a in agreements for slot in a.slots.values()),
        "suspended": int(any(a.status == "suspended" for a in agreements)),
        "underspent_pence": sum(a.reported_underspend_pence for a in agreements),
        "recovered_pence": sum(a.recovered_pence for a in agreements),
        "closed": int(state.closed),
    }


def ledger_rows(store: ViewStore) -> dict[str, dict[str, Any]]:
    with store.transaction() as cursor:
        rows = cursor.execute(f"SELECT {', '.join(COLUMNS)} FROM view_budget_ledger").fetchall()
    return {row[0]: dict(zip(COLUMNS, row, strict=True)) for row in rows}


def entries(store: ViewStore, case_id: UUID) -> list[tuple[Any, ...]]:
    with store.transaction() as cursor:
        return cursor.execute(
            "SELECT version, kind, person_id, agreement_id, amount_pence, at FROM view_budget_ledger_entry "
            "WHERE case_id = ? ORDER BY version, seq",
            (case_id.hex,),
        ).fetchall()


def dump(store: ViewStore) -> dict[str, list[tuple[Any, ...]]]:
    return {table: store.dump(table, order_by) for table, order_by in TABLES.items()}


def ledger(record: CaseRecord, store: ViewStore) -> ProjectionRunner:
    return ProjectionRunner(record, store, [BudgetLedgerView()])


def test_the_ledger_agrees_with_each_case_after_every_command(record: CaseRecord, view_store: ViewStore):
    paid, managed, mixed, short, back_dated = Scenario(), Scenario(), Scenario(), Scenario(), Scenario()
    views = ledger(record, view_store)
    expected: dict[str, dict[str, Any]] = {}
    seen = {
        figure: set()
        for figure in (
            "allocated_pence",
            "committed_pence",
            "suspended",
            "failed_payments",
            "underspent_pence",
            "recovered_pence",
        )
    }

    for command in interleaved(
        a_family_paid_by_direct_payment(paid),
        a_council_managed_plan(managed),
        a_mixed_plan(mixed),
        a_short_case(short),
        a_back_dated_direct_payment(back_dated),
    ):
        record.handle(command)
        views.run_until_caught_up()
        case_id = command.case_id
        row = expected_ledger(record, case_id)
        before = expected.get(case_id.hex)
        unchanged = before is not None and {k: v for k, v in before.items() if k != "updated_at"} == row
        recorded_at = record.stored_events(case_id)[-1].timestamp.isoformat()
        expected[case_id.hex] = {**row, "updated_at": before["updated_at"] if unchanged else recorded_at}
        assert ledger_rows(view_store) == expected, command.type_name()

        # Each figure is the sum of the movements that made it.
        sums: dict[str, int] = {}
        for _, kind, _, _, amount, _ in entries(view_store, case_id):
            if kind in MOVES:
                sums[MOVES[kind]] = sums.get(MOVES[kind], 0) + amount
        assert {figure: sums.get(figure, 0) for figure in set(MOVES.values())} == {
            figure: row[figure] for figure in set(MOVES.values())
        }, command.type_name()
        for figure, values in seen.items():
            values.add(row[figure])

    # The stories reach every state the ledger can show, so a figure stuck at one value would fail.
    assert all(len(values) >= 2 for values in seen.values()), seen
    assert ledger_rows(view_store)[back_dated.case_id.hex]["paid_pence"] == 2 * PAYMENT  # the catch-up and slot 2
    mixed_row = ledger_rows(view_store)[mixed.case_id.hex]
    assert (mixed_row["allocated_pence"], mixed_row["committed_pence"]) == (MIXED_A_YEAR, MIXED_A_YEAR)


def test_a_direct_payment_case_has_one_entry_per_movement(record: CaseRecord, view_store: ViewStore):
    s = Scenario()
    for command in [
        *adult_only_signed_off(s),
        s.agreement(),
        s.schedule_payment(1),
        s.issue_payment(1),
        s.fail_payment(1),
        s.issue_payment(1, payment_reference="PAY-0001-R1"),
        s.suspend(),
        s.resume(),
        s.monitoring_return(spent_pence=66_000, underspend_pence=26_000),
        s.recover(amount_pence=20_000),
        s.close(actor=MANAGER),
    ]:
        record.handle(command)
    ledger(record, view_store).run_until_caught_up()

    events = record.stored_events(s.case_id)
    lines = [
        (type(events[version - 1]).__name__, kind, person, agreement, amount)
        for version, kind, person, agreement, amount, at in entries(view_store, s.case_id)
    ]
    assert lines == [
        ("SignOffDecisionRecorded", "allocated", ADULT, None, A_YEAR),
        ("DirectPaymentAgreementMade", "committed", ADULT, "dp-1", A_YEAR),
        ("PaymentIssued", "paid", ADULT, "dp-1", PAYMENT),
        ("PaymentFailed", "failed", ADULT, "dp-1", -PAYMENT),
        ("PaymentIssued", "paid", ADULT, "dp-1", PAYMENT),
        ("DirectPaymentsSuspended", "suspended", ADULT, "dp-1", None),
        ("DirectPaymentsResumed", "resumed", ADULT, "dp-1", None),
        ("MonitoringReturnReceived", "underspend_reported", ADULT, "dp-1", 26_000),
        ("UnspentFundsRecovered", "recovered", ADULT, "dp-1", 20_000),
        # Closure ends the adult's involvement, so nothing is committed for her; slot 1, paid in
        # advance for 2 February on, was all paid for days after the ending (5 January).
        ("InvolvementEnded", "committed", ADULT, None, -A_YEAR),
        ("FinalSettlementWorkedOut", "overpaid", ADULT, "dp-1", PAYMENT),
        ("DirectPaymentAgreementEnded", "stopped", ADULT, "dp-1", None),
    ]
    assert [at for *_, at in entries(view_store, s.case_id)] == [
        events[version - 1].timestamp.isoformat() for version, *_ in entries(view_store, s.case_id)
    ]
    row = ledger_rows(view_store)[s.case_id.hex]
    assert {k: row[k] for k in COLUMNS[3:-1]} == {
        "allocated_pence": A_YEAR,
        "committed_pence": 0,
        "paid_pence": PAYMENT,
        "failed_payments": 1,
        "suspended": 0,
        "underspent_pence": 26_000,
        "recovered_pence": 20_000,
        "closed": 1,
    }
    assert row["updated_at"] == events[-1].timestamp.isoformat()


def test_a_rebuild_gives_the_same_ledger(record: CaseRecord, view_store: ViewStore):
    paid, managed, mixed, short = Scenario(), Scenario(), Scenario(), Scenario()
    views = ledger(record, view_store)
    for command in interleaved(
        a_family_paid_by_direct_payment(paid), a_council_managed_plan(managed), a_mixed_plan(mixed), a_short_case(short)
    ):
        record.handle(command)
        views.run_once(batch=4)
    views.run_until_caught_up()
    built = dump(view_store)
    assert len(built["view_budget_ledger"]) == 4 and len(built["view_budget_ledger_entry"]) > 20

    assert ledger(record, view_store).rebuild() == record.recorder.max_notification_id()

    assert dump(view_store) == built
    rows = ledger_rows(view_store)
    for s in (paid, managed, mixed, short):
        assert {k: v for k, v in rows[s.case_id.hex].items() if k != "updated_at"} == expected_ledger(record, s.case_id)


def test_after_an_adults_death_the_ledger_shows_the_final_payment_and_reconciles_to_nothing_outstanding(
    record: CaseRecord, view_store: ViewStore, clock: SteppingClock
):
    s = Scenario()
    views = ledger(record, view_store)
    # Slot 1 paid; slot 2 (due 2 March) failed; she died on 15 March: 13 of slot 2's 28 days are owed.
    final = PAYMENT * 13 // 28

    def finance(cls: type[c.CaseCommand], **fields: Any) -> c.CaseCommand:
        return s._make(cls, {"actor": FINANCE}, fields)

    steps = [
        *adult_only_signed_off(s),
        s.agreement(),
        s.schedule_payment(1),
        s.issue_payment(1),
        s.schedule_payment(2),
        s.issue_payment(2),
        s.fail_payment(2),
        s._make(c.EndInvolvement, {"person_id": ADULT, "reason": "adult_died", "ended_on": "2026-03-15"}, {}),
        finance(c.IssueFinalPayment, agreement_id="dp-1"),
        s.close(reason="deceased"),
        s.monitoring_return(period_end="2026-03-15", spent_pence=PAYMENT, underspend_pence=None),
        s.recover(amount_pence=final, recovered_from="estate", reason="unspent at her death"),
        finance(c.CloseDirectPaymentAccount, agreement_id="dp-1"),
    ]
    outstanding = []
    for command in steps:
        if isinstance(command, c.EndInvolvement):
            clock.advance(timedelta(days=72))  # 18 March 2026: the death on the 15th is recorded
        record.handle(command)
        views.run_until_caught_up()
        with view_store.transaction() as cursor:
            accounts = accounts_of(cursor, s.case_id.hex)
        agreement = record.get_case(s.case_id).state.agreements.get("dp-1")
        if agreement is not None and agreement.settled:
            (account,) = accounts
            assert (account.final_payment_pence, account.outstanding_pence, account.account_closed) == (
                agreement.final_payment_pence,
                agreement.outstanding_pence(),
                agreement.account_closed,
            ), command.type_name()
            outstanding.append(account.outstanding_pence)
        else:
            assert accounts == []

    # Due once worked out, paid, then held unspent by the estate, recovered: nothing outstanding.
    assert outstanding == [final, 0, 0, final, 0, 0]
    assert accounts[0].final_payment_pence == final and accounts[0].account_closed
    kinds = [(kind, amount) for _, kind, _, agreement_id, amount, _ in entries(view_store, s.case_id) if agreement_id]
    assert ("final_payment_due", final) in kinds and ("paid", final) in kinds and ("written_off", 0) in kinds
    assert ledger_rows(view_store)[s.case_id.hex]["paid_pence"] == PAYMENT + final


def test_reablement_charges_the_person_nothing_and_a_jointly_funded_plan_counts_the_councils_share(
    record: CaseRecord, view_store: ViewStore
):
    reabled, joint = Scenario(), Scenario()
    half = plan_for(ADULT)
    half["lines"][0]["funding"] = [
        {"funder": "council", "pence_per_period": 11_500},
        {"funder": "nhs", "pence_per_period": 11_500},
    ]
    half["direct_payment_pence"] = PAYMENT // 2
    joint_steps = adult_only_signed_off(joint)
    draft_at = next(i for i, step in enumerate(joint_steps) if isinstance(step, c.DraftSupportPlan))
    joint_steps[draft_at] = joint.draft(plan=half)  # the draft, jointly funded
    for command in [
        reabled.referral(),
        reabled.screen(outcome="reablement", reasons="home from hospital; reablement first"),
        reabled.reablement(),
        reabled.end_reablement(outcome="ongoing_needs"),
        *joint_steps,
        joint.agreement(amount_per_payment_pence=PAYMENT // 2),
    ]:
        record.handle(command)
    ledger(record, view_store).run_until_caught_up()

    reablement = [line for line in entries(view_store, reabled.case_id) if line[1] != "committed"]
    assert [(kind, person, amount) for _, kind, person, _, amount, _ in reablement] == [
        ("reablement_cost", ADULT, 252_000),  # six weeks at £420.00, the council's
        ("charged_to_person", ADULT, 0),
    ]
    row = ledger_rows(view_store)[reabled.case_id.hex]
    assert (row["allocated_pence"], row["committed_pence"]) == (0, 0)  # outside the personal budget

    # Half of the personal assistant is the NHS's: the council's figures are its own half.
    assert [(kind, amount) for _, kind, _, _, amount, _ in entries(view_store, joint.case_id)] == [
        ("allocated", A_YEAR // 2),
        ("committed", A_YEAR // 2),
    ]
