"""Every way of holding a budget, real (issue 18, item 6): an ISF, a third-party managed account and
a mixed budget each run from plan to payment instruction, the instruction (in the payment outbox)
naming the right payee, and the ledger's parts add up to the approved budget. Every test runs on
SQLite and PostgreSQL."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from domain import commands as c
from domain.application import CaseRecord
from domain.planning import SupportPlan
from eventstore.outbox import PaymentInstruction, read_instructions
from projections.ledger import BudgetLedgerView, ledger_of, parts_of
from projections.runner import ProjectionRunner
from projections.store import ViewStore
from tests.builders import ADULT, Scenario, plan_for
from tests.domain.story import given, refused, state

PAYMENT = 92_000  # four-weekly: 10 hours x £23.00 x 4 weeks
A_YEAR = 1_196_000  # 10 hours x £23.00 x 52 weeks
DAY_CENTRE_A_YEAR = 234_000  # £45.00 a week the council commissions in the mix


def signed_off(s: Scenario, management: str, **plan: Any) -> list[c.CaseCommand]:
    """The adult's plan held as ``management``, signed off; for a direct payment or a mix, with the
    adult's own request (a managed account or an ISF is not a direct payment and needs none)."""
    request = [s.direct_payment_request()] if management in ("direct_payment", "mix") else []
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
        *request,
        s.draft(plan=plan_for(ADULT, management=management, **plan)),
        s.submit(),
        s.sign_off(),
    ]


def paid_once(s: Scenario, **agreement: Any) -> list[c.CaseCommand]:
    return [s.agreement(**agreement), s.schedule_payment(1), s.issue_payment(1)]


def instructions_of(record: CaseRecord, s: Scenario) -> list[PaymentInstruction]:
    rows = read_instructions(record.recorder, after_id=0, limit=1000)  # type: ignore[arg-type]
    return [r for r in rows if r.case_id == s.case_id]


def ledger_parts(record: CaseRecord, store: ViewStore, s: Scenario) -> tuple[int, dict[tuple[str, str, str], int]]:
    ProjectionRunner(record, store, [BudgetLedgerView()]).run_until_caught_up()
    with store.transaction() as cursor:
        row = ledger_of(cursor, s.case_id.hex)
        parts = parts_of(cursor, s.case_id.hex)
    assert row is not None
    return row.allocated_pence, {(p.person_id, p.part, p.payee): p.amount_pence for p in parts}


def payee(instruction: PaymentInstruction) -> tuple[str, str, str]:
    return instruction.payee_type, instruction.payee_id, instruction.payee_reference


def test_an_individual_service_fund_pays_its_provider(record: CaseRecord, view_store: ViewStore):
    s = Scenario()
    given(record, signed_off(s, "individual_service_fund"), paid_once(s, recipient="isf_provider"))

    agreement = state(record, s.case_id).agreements["dp-1"]
    assert (agreement.recipient.value, agreement.recipient_name, agreement.payee_reference) == (
        "isf_provider",
        "Homecare North Ltd",
        "ISF-0042",
    )
    (instruction,) = instructions_of(record, s)
    assert (instruction.amount_pence, payee(instruction)) == (
        PAYMENT,
        ("isf_provider", "", "ISF-0042"),
    )
    allocated, parts = ledger_parts(record, view_store, s)
    assert allocated == state(record, s.case_id).adult.sign_off.approved_pence == A_YEAR  # type: ignore[union-attr]
    assert parts == {(ADULT, "individual_service_fund", "Homecare North Ltd"): A_YEAR}


def test_a_third_party_managed_account_pays_its_holder(record: CaseRecord, view_store: ViewStore):
    s = Scenario()
    given(record, signed_off(s, "third_party_managed_account"))
    assert state(record, s.case_id).stage.value == "payment_setup"  # a direct payment the holder manages
    given(record, paid_once(s, recipient="managed_account"))

    (instruction,) = instructions_of(record, s)
    assert (instruction.amount_pence, payee(instruction)) == (
        PAYMENT,
        ("managed_account", "", "MA-0042"),
    )
    assert state(record, s.case_id).stage.value == "in_service"
    allocated, parts = ledger_parts(record, view_store, s)
    assert allocated == A_YEAR
    assert parts == {(ADULT, "managed_account", "Northmoor Independent Living Trust"): A_YEAR}
    # The agreement pays out of what the sign-off committed: nothing is counted twice.
    with view_store.transaction() as cursor:
        row = ledger_of(cursor, s.case_id.hex)
    assert row is not None and row.committed_pence == A_YEAR


def test_a_mixed_budget_splits_into_a_direct_payment_and_commissioned_services(
    record: CaseRecord, view_store: ViewStore
):
    s = Scenario()
    given(record, signed_off(s, "mix"), paid_once(s))

    (instruction,) = instructions_of(record, s)
    assert (instruction.amount_pence, payee(instruction)) == (PAYMENT, ("person", ADULT, ""))
    plan = state(record, s.case_id).adult.plan
    assert plan is not None
    (service,) = plan.commissioned_services
    assert (
        service.provider,
        service.service,
        service.units_per_period,
        service.unit_cost_pence,
        service.starts_on.isoformat() if service.starts_on else None,
        service.ends_on.isoformat() if service.ends_on else None,
        service.annual_cost_pence,
    ) == ("Bridges Day Centre", "day centre, one day a week", 1, 4_500, "2026-02-02", "2027-01-31", DAY_CENTRE_A_YEAR)
    allocated, parts = ledger_parts(record, view_store, s)
    assert allocated == A_YEAR + DAY_CENTRE_A_YEAR
    assert parts == {(ADULT, "direct_payment", ""): A_YEAR, (ADULT, "council_managed", ""): DAY_CENTRE_A_YEAR}
    assert sum(parts.values()) == allocated


def test_a_direct_payment_and_a_council_managed_plan_are_each_one_part(record: CaseRecord, view_store: ViewStore):
    paid, managed = Scenario(), Scenario()
    given(record, signed_off(paid, "direct_payment"), paid_once(paid))
    given(record, signed_off(managed, "council_managed"))

    (instruction,) = instructions_of(record, paid)
    assert payee(instruction) == ("person", ADULT, "")
    assert ledger_parts(record, view_store, paid) == (A_YEAR, {(ADULT, "direct_payment", ""): A_YEAR})
    assert ledger_parts(record, view_store, managed) == (A_YEAR, {(ADULT, "council_managed", ""): A_YEAR})
    refused(record, managed.agreement(), "plan_not_direct_payment")


def test_a_part_the_budget_no_longer_has_goes_to_nought(record: CaseRecord, view_store: ViewStore):
    s = Scenario()
    given(record, signed_off(s, "mix"))
    ledger_parts(record, view_store, s)
    given(
        record,
        s.schedule_review(kind="planned_annual"),
        s.complete_review(outcome="revise_plan"),
        # All council-managed now, and no cut (12 hours a week, £14,352 a year, against the £14,300
        # signed off): a cut would need a reassessment first.
        s.revise(plan=plan_for(ADULT, management="council_managed", weekly_hours=12)),
    )

    allocated, parts = ledger_parts(record, view_store, s)

    assert (allocated, parts) == (0, {(ADULT, "direct_payment", ""): 0, (ADULT, "council_managed", ""): 0})


@pytest.mark.parametrize(
    ("management", "recipient"),
    [
        ("individual_service_fund", "person"),
        ("individual_service_fund", "managed_account"),
        ("third_party_managed_account", "isf_provider"),
        ("third_party_managed_account", "nominee"),
        ("mix", "isf_provider"),
        ("direct_payment", "managed_account"),
    ],
)
def test_a_payee_that_does_not_fit_how_the_budget_is_held_is_refused(
    record: CaseRecord, management: str, recipient: str
):
    s = Scenario()
    given(record, signed_off(s, management))

    error = refused(record, s.agreement(recipient=recipient), "payee_does_not_fit_budget_holding")

    assert error.field == "recipient"


def test_the_provider_of_an_isf_is_the_one_the_plan_names(record: CaseRecord):
    s = Scenario()
    given(record, signed_off(s, "individual_service_fund"))

    refused(record, s.agreement(recipient="isf_provider", recipient_id="adult-1"), "payee_named_by_the_plan")


# The plan itself: each way of holding names who holds it; a mix's direct payment is its lines' -----


def plan_error(**plan: Any) -> str:
    """Why drafting (and revising) the plan is refused: the command checks how it is held."""
    with pytest.raises(ValidationError) as caught:
        Scenario().draft(plan=plan_for(ADULT, **plan))
    revising = Scenario().revise(plan=plan_for(ADULT, management="direct_payment"))
    assert revising.plan.management.value == "direct_payment"
    with pytest.raises(ValidationError):
        Scenario().revise(plan=plan_for(ADULT, **plan))
    return str(caught.value)


def test_a_mixed_plan_whose_every_line_is_council_managed_cannot_carry_a_direct_payment():
    every_line_council_managed = plan_for(ADULT, management="mix")
    for line in every_line_council_managed["lines"]:
        line["held_as"] = "council_managed"
        line["starts_on"] = "2026-02-02"
    every_line_council_managed.update(direct_payment_pence=5_000_000, direct_payment_frequency="weekly")

    with pytest.raises(ValidationError, match="lines held as a direct payment and lines the council manages"):
        Scenario().draft(plan=every_line_council_managed)


def test_a_mixed_plans_direct_payment_is_the_cost_of_its_direct_payment_lines():
    assert "must be the cost of the lines held as a direct payment (£11,960.00 a year)" in plan_error(
        management="mix", direct_payment_pence=5_000_000, direct_payment_frequency="weekly"
    )
    assert "must be the cost" in plan_error(management="mix", direct_payment_pence=PAYMENT + 1)
    # Within a penny a payment of the lines' cost is the lines' cost (a monthly payment of a weekly cost).
    monthly = Scenario().draft(
        plan=plan_for(ADULT, management="mix", direct_payment_pence=A_YEAR // 12, direct_payment_frequency="monthly")
    )
    assert monthly.plan.direct_payment_a_year_pence == A_YEAR - A_YEAR % 12


def test_a_mixed_plans_commissioned_services_say_when_they_start():
    plan = plan_for(ADULT, management="mix")
    del plan["lines"][1]["starts_on"]

    with pytest.raises(ValidationError, match="states when it starts"):
        Scenario().draft(plan=plan)


def test_an_isf_names_its_provider_and_a_managed_account_its_holder():
    assert "names its provider and reference" in plan_error(management="individual_service_fund", isf_reference=None)
    assert "names its holder and reference" in plan_error(management="third_party_managed_account", account_holder=None)
    assert "only a plan held as an individual service fund" in plan_error(
        management="direct_payment", isf_provider="Homecare North Ltd"
    )
    assert "states the amount and frequency it pays" in plan_error(
        management="individual_service_fund", direct_payment_pence=None
    )


def test_a_plan_recorded_before_holdings_were_checked_still_reads_as_it_was():
    """An ISF that named no provider and a mix that was one line, as the record held them."""
    isf = plan_for(ADULT, management="individual_service_fund", direct_payment_pence=None)
    for field in ("isf_provider", "isf_reference", "direct_payment_frequency"):
        del isf[field]
    one_line_mix = plan_for(ADULT, management="mix", direct_payment_pence=PAYMENT // 2)
    one_line_mix["lines"] = one_line_mix["lines"][:1]
    one_line_mix["lines"][0]["held_as"] = "mix"

    for recorded in (isf, one_line_mix):
        plan = SupportPlan.model_validate(recorded)
        assert plan.holding_problem() is not None  # drafted today, it would be refused
