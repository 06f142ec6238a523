"""Support plans and the council's spending rules on plan lines (domain brief step 9, rule D1).

A plan states needs, outcomes, how each need is met (costed lines), how the budget is held,
contingency and risks. The spending rules are council policy with the legal defaults.
"""

from __future__ import annotations

from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, model_validator

from domain.money import Pence, format_pounds
from domain.values import FEW, MANY, SOME, CaseDate, Identifier, LongText, Name, ShortText
from domain.vocabulary import BudgetManagement, Frequency, PlanKind, ProviderRelationship, SpendCategory

PERIODS_PER_YEAR: dict[Frequency, int] = {
    Frequency.ONE_OFF: 1,
    Frequency.WEEKLY: 52,
    Frequency.FORTNIGHTLY: 26,
    Frequency.FOUR_WEEKLY: 13,
    Frequency.MONTHLY: 12,
    Frequency.QUARTERLY: 4,
    Frequency.ANNUAL: 1,
}


class Frozen(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PlanLine(Frozen):
    """One costed way a need is met: what, who, how often, unit cost."""

    need: ShortText
    what: ShortText
    category: SpendCategory
    provider: ProviderRelationship
    provider_name: Name
    frequency: Frequency
    units_per_period: StrictInt = Field(ge=1, le=10_000)
    unit_cost_pence: Pence
    held_as: BudgetManagement
    # Recorded decisions that lift a spending rule for this line, each with its reason:
    # A reason, when given, must say something (rule D1): three spaces are not a necessity.
    necessity_reason: LongText | None = None
    cared_for_person_agreed: bool = False
    emergency: bool = False
    residential_weeks: StrictInt = Field(default=0, ge=0, le=52)

    @property
    def annual_cost_pence(self) -> int:
        return self.units_per_period * self.unit_cost_pence * PERIODS_PER_YEAR[self.frequency]


class Risk(Frozen):
    risk: LongText
    how_managed: LongText


class SupportPlan(Frozen):
    """A support plan for one person: the adult or one carer."""

    kind: PlanKind = PlanKind.FULL
    needs: list[ShortText] = Field(min_length=1, max_length=SOME)
    outcomes: list[ShortText] = Field(min_length=1, max_length=SOME)
    lines: list[PlanLine] = Field(min_length=1, max_length=MANY)
    management: BudgetManagement
    contingency: LongText
    risks: list[Risk] = Field(default_factory=list, max_length=SOME)
    direct_payment_pence: Pence | None = None
    direct_payment_frequency: Frequency | None = None
    review_by: CaseDate | None = None
    # Person ids whose plans share a line (e.g. a break).
    aligned_with: list[Identifier] = Field(default_factory=list, max_length=FEW)

    @model_validator(mode="after")
    def _direct_payment_needs_amount_and_frequency(self) -> SupportPlan:
        uses_dp = self.management in (BudgetManagement.DIRECT_PAYMENT, BudgetManagement.MIX)
        if uses_dp and (self.direct_payment_pence is None or self.direct_payment_frequency is None):
            raise ValueError(
                "a plan held as a direct payment (or a mix) states the direct payment amount and frequency"
            )
        return self

    @property
    def annual_cost_pence(self) -> int:
        return sum(line.annual_cost_pence for line in self.lines)


class SpendingRules(Frozen):
    """Council policy on what a budget may buy; defaults follow the regulations and guidance."""

    excluded_categories: list[SpendCategory] = Field(
        default_factory=lambda: [
            SpendCategory.ALCOHOL,
            SpendCategory.TOBACCO,
            SpendCategory.GAMBLING,
            SpendCategory.RENT_OR_MORTGAGE,
            SpendCategory.DEBTS,
            SpendCategory.UTILITY_BILLS,
            SpendCategory.FOOD,
        ]
    )
    # (check) reported second-hand: residential care through a direct payment, 4 weeks in 12 months.
    max_residential_weeks_by_direct_payment: StrictInt = 4


class SpendingBreach(Frozen):
    rule: str
    line: int
    message: str


def check_plan_lines(
    plan: SupportPlan, *, plan_for: Literal["adult", "carer"], rules: SpendingRules
) -> list[SpendingBreach]:
    """Every spending rule a plan breaks, line by line, with the rule's name."""
    breaches: list[SpendingBreach] = []
    for index, line in enumerate(plan.lines):
        by_dp = line.held_as == BudgetManagement.DIRECT_PAYMENT
        if line.category in rules.excluded_categories:
            breaches.append(
                SpendingBreach(
                    rule="spend_category_excluded_by_council",
                    line=index,
                    message=f"line {index}: the council does not fund {line.category.value.replace('_', ' ')}",
                )
            )
        if by_dp and line.provider == ProviderRelationship.CLOSE_RELATIVE_SAME_HOUSEHOLD and not line.necessity_reason:
            breaches.append(
                SpendingBreach(
                    rule="direct_payment_must_not_pay_household_relative_without_recorded_necessity",
                    line=index,
                    message=(
                        f"line {index}: a direct payment may pay a close relative living in the same "
                        "household only where the council records that it is necessary"
                    ),
                )
            )
        if (
            plan_for == "carer"
            and line.category == SpendCategory.INTIMATE_CARE_FOR_CARED_FOR_PERSON
            and not (line.cared_for_person_agreed or line.emergency)
        ):
            breaches.append(
                SpendingBreach(
                    rule="carer_budget_intimate_care_needs_agreement_or_emergency",
                    line=index,
                    message=(
                        f"line {index}: a carer's budget may buy intimate care for the person cared for "
                        "only with that person's agreement or in an emergency"
                    ),
                )
            )
        if by_dp and line.residential_weeks > rules.max_residential_weeks_by_direct_payment:
            breaches.append(
                SpendingBreach(
                    rule="residential_care_by_direct_payment_is_limited",
                    line=index,
                    message=(
                        f"line {index}: {line.residential_weeks} weeks of residential care by direct payment "
                        f"exceeds the council's limit of {rules.max_residential_weeks_by_direct_payment} weeks "
                        "in 12 months"
                    ),
                )
            )
    return breaches


def describe_plan_cost(plan: SupportPlan) -> str:
    return f"{len(plan.lines)} costed line(s), {format_pounds(plan.annual_cost_pence)} a year"
