"""A case with an adult and a carer through eligibility, budgets, aligned plans (a carer's break in
both), sign-off, direct payments, a challenge and a shared review: every kind of document the case
can give, for both people."""

from __future__ import annotations

from typing import Any

from domain import commands as c
from tests.builders import ADULT, FINANCE, MANAGER, Scenario, plan_for
from tests.domain.story import CARER_BUDGET_PENCE, carer_plan

CARER = "carer-1"
BREAK = {
    "need": "a break from caring",
    "what": "sitting service, one afternoon a week",
    "category": "replacement_care_break",
    "provider": "agency",
    "provider_name": "Northmoor Sitters",
    "frequency": "weekly",
    "units_per_period": 4,
    "unit_cost_pence": 2_000,
    "held_as": "direct_payment",
}
# The adult's plan: 8 hours a week of a personal assistant at £23.00 and the carer's break, paid
# four-weekly by direct payment: (8 x £23.00 + 4 x £20.00) x 4 = £1,056.00.
ADULT_PAYMENT_PENCE = (8 * 2_300 + 4 * 2_000) * 4
ADULT_PLAN_PENCE = (8 * 2_300 + 4 * 2_000) * 52
REVISED_PENCE = 1_400_000


def adult_plan() -> dict[str, Any]:
    plan = plan_for(ADULT, weekly_hours=8, direct_payment_pence=ADULT_PAYMENT_PENCE)
    plan["lines"].append(BREAK)
    return plan


def carers_plan() -> dict[str, Any]:
    """Aligned with the adult's (drafted first): the break is in both."""
    plan = carer_plan(aligned_with=[ADULT])
    plan["lines"].append({**BREAK, "cared_for_person_agreed": True, "held_as": "council_managed"})
    return plan


def up_to_sign_off(s: Scenario) -> list[c.CaseCommand]:
    return [
        *s.up_to_planning(),
        s.direct_payment_request(CARER),
        s.draft(plan=adult_plan()),
        s.draft(CARER, plan=carers_plan()),
        s.submit(),
        s.submit(CARER),
        s.sign_off(),
        s.sign_off(CARER),
    ]


def payments(s: Scenario) -> list[c.CaseCommand]:
    return [
        s.agreement(amount_per_payment_pence=ADULT_PAYMENT_PENCE),
        s.agreement(CARER, agreement_id="dp-2", frequency="annual", amount_per_payment_pence=CARER_BUDGET_PENCE),
        s.schedule_payment(1),
        s.issue_payment(1),
    ]


def challenge_and_review(s: Scenario) -> list[c.CaseCommand]:
    return [
        s.challenge(),
        s.resolve(revised_pence=REVISED_PENCE),
        s.schedule_review(person_ids=[ADULT, CARER]),
        s.complete_review(notes="Margaret and her daughter are happy with the support"),
    ]


__all__ = ["ADULT", "CARER", "FINANCE", "MANAGER"]
