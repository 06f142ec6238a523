"""The personal budget statement (Care Act 2014 s.26): three amounts that always add up (rule P1).

The cost of meeting the needs, what the person pays after the financial assessment, and what the
council pays. A person never pays more than the cost, so the council's amount is never negative.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, model_validator

from domain.errors import InvalidInput
from domain.money import Pence, format_pounds


class PersonalBudgetStatement(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    cost_pence: Pence
    adult_contribution_pence: Pence
    council_amount_pence: Pence
    explanation: str

    @model_validator(mode="after")
    def _amounts_add_up(self) -> PersonalBudgetStatement:
        if self.adult_contribution_pence + self.council_amount_pence != self.cost_pence:
            raise ValueError("the contribution and the council's amount must add up to the cost")
        return self


def personal_budget_statement(*, cost_pence: int, assessed_contribution_pence: int) -> PersonalBudgetStatement:
    """Statement for an adult, from the cost of meeting their needs and their financial assessment."""
    cost = _whole_pence(cost_pence, "cost_pence")
    assessed = _whole_pence(assessed_contribution_pence, "assessed_contribution_pence")
    contribution = min(assessed, cost)
    council_amount = cost - contribution
    if assessed > cost:
        explanation = (
            f"The cost of meeting the eligible needs is {format_pounds(cost)}. "
            f"The financial assessment found the person could contribute {format_pounds(assessed)}, "
            "but a person never pays more than the cost of meeting their needs, so they pay "
            f"{format_pounds(contribution)} and the council pays {format_pounds(council_amount)}."
        )
    else:
        explanation = (
            f"The cost of meeting the eligible needs is {format_pounds(cost)}. "
            f"The financial assessment found the person should contribute {format_pounds(contribution)}, "
            f"so the council pays the remaining {format_pounds(council_amount)}."
        )
    return PersonalBudgetStatement(
        cost_pence=cost,
        adult_contribution_pence=contribution,
        council_amount_pence=council_amount,
        explanation=explanation,
    )


def carer_budget_statement(*, cost_pence: int) -> PersonalBudgetStatement:
    """Statement for a carer's own budget: the carer pays nothing towards it."""
    cost = _whole_pence(cost_pence, "cost_pence")
    return _charging_nothing(
        cost,
        f"The cost of meeting the carer's eligible needs is {format_pounds(cost)}. "
        "Carers are not charged for their support, nor ever for care given to the person they "
        f"care for, so the carer contributes £0.00 and the council pays the full {format_pounds(cost)}.",
    )


def reablement_statement(*, cost_pence: int, weeks: str) -> PersonalBudgetStatement:
    """Statement for a period of reablement: free of charge (Care and Support (Preventing Needs for
    Care and Support) Regulations 2014), so no financial assessment and nothing to the person."""
    cost = _whole_pence(cost_pence, "cost_pence")
    return _charging_nothing(
        cost,
        f"Reablement for {weeks} costs {format_pounds(cost)}. Reablement is provided free of charge "
        "for up to six weeks, with no financial assessment, so the person contributes £0.00 and the "
        f"council pays the full {format_pounds(cost)}.",
    )


def _charging_nothing(cost: int, explanation: str) -> PersonalBudgetStatement:
    return PersonalBudgetStatement(
        cost_pence=cost, adult_contribution_pence=0, council_amount_pence=cost, explanation=explanation
    )


def _whole_pence(value: object, field: str) -> int:
    # bool is an int in Python, and a float that looks whole has still been rounded somewhere upstream.
    if isinstance(value, bool) or not isinstance(value, int):
        raise InvalidInput(
            f"{field} must be a whole number of pence, not {value!r}", code="not_whole_pence", field=field
        )
    if value < 0:
        raise InvalidInput(f"{field} cannot be negative: {value}", code="negative_amount", field=field)
    return value


class PlanVariance(BaseModel):
    """How far a plan's yearly cost is from the indicative budget, and why when beyond tolerance.

    ``basis_points`` is the difference as a share of the budget (100 = 1%), rounded half up; None
    when there is no budget to compare with. ``reason`` is required when the variance is outside the
    council's tolerance (``CouncilSettings.variance_tolerance_basis_points``)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    budget_pence: int
    plan_cost_pence: int
    amount_pence: int
    basis_points: int | None
    direction: Literal["over", "under", "none"]
    tolerance_basis_points: int
    outside_tolerance: bool
    reason: str | None = None

    def describe(self) -> str:
        if self.direction == "none":
            return f"The plan costs the indicative budget of {format_pounds(self.budget_pence)} exactly."
        share = "" if self.basis_points is None else f" ({self.basis_points / 100:.2f}%)"
        text = (
            f"The plan costs {format_pounds(self.plan_cost_pence)} a year, {format_pounds(self.amount_pence)}{share} "
            f"{self.direction} the indicative budget of {format_pounds(self.budget_pence)}"
        )
        if self.outside_tolerance:
            text += f", outside the council's tolerance of {self.tolerance_basis_points / 100:.2f}%"
        text += "."
        if self.reason:
            text += f" The reason recorded for the variance: {self.reason}"
        return text


def plan_variance(
    *, budget_pence: int, plan_cost_pence: int, tolerance_basis_points: int, reason: str | None = None
) -> PlanVariance:
    difference = plan_cost_pence - budget_pence
    amount = abs(difference)
    basis_points = None if budget_pence == 0 else (amount * 10_000 * 2 + budget_pence) // (2 * budget_pence)
    # Compared exactly, not on the rounded share: 10.00001% is beyond a 10% tolerance.
    outside = amount > 0 and (budget_pence == 0 or amount * 10_000 > tolerance_basis_points * budget_pence)
    direction: Literal["over", "under", "none"] = "over" if difference > 0 else "under" if difference < 0 else "none"
    return PlanVariance(
        budget_pence=budget_pence,
        plan_cost_pence=plan_cost_pence,
        amount_pence=amount,
        basis_points=basis_points,
        direction=direction,
        tolerance_basis_points=tolerance_basis_points,
        outside_tolerance=outside,
        reason=reason,
    )
