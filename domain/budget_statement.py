"""The personal budget statement (Care Act 2014 s.26): three amounts that always add up (rule P1).

The cost of meeting the needs, what the person pays after the financial assessment, and what the
council pays. A person never pays more than the cost, so the council's amount is never negative.
"""

from __future__ import annotations

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
    return PersonalBudgetStatement(
        cost_pence=cost,
        adult_contribution_pence=0,
        council_amount_pence=cost,
        explanation=(
            f"The cost of meeting the carer's eligible needs is {format_pounds(cost)}. "
            "Carers are not charged for their support, nor ever for care given to the person they "
            f"care for, so the carer contributes £0.00 and the council pays the full {format_pounds(cost)}."
        ),
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
