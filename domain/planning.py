"""Support plans and the council's spending rules on plan lines (domain brief step 9, rule D1).

A plan states needs, outcomes, how each need is met (costed lines), how the budget is held,
contingency and risks. The spending rules are council policy with the legal defaults.
"""

from __future__ import annotations

from datetime import date
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, ValidationInfo, field_validator, model_validator

from domain.money import Pence, format_pounds
from domain.values import FEW, MANY, SOME, CaseDate, Identifier, LongText, Name, ShortText
from domain.vocabulary import BudgetManagement, Frequency, Funder, PlanKind, ProviderRelationship, SpendCategory

COUNCIL_MANAGED = BudgetManagement.COUNCIL_MANAGED

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


class FundingShare(Frozen):
    """Who pays how much of a jointly funded line, in pence each period of the line."""

    funder: Funder
    pence_per_period: Pence


class PlanLine(Frozen):
    """One costed way a need is met: what, who, how often, unit cost, and for a jointly funded line
    who pays which share (the council's share is what the council's budget counts)."""

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
    # Holding the budget (issue 18): a line the council commissions runs from a start to an end.
    starts_on: CaseDate | None = None
    ends_on: CaseDate | None = None
    # A jointly funded line (issue 19): each funder's share of the line's cost a period, summing to
    # the whole. Empty: the council pays it all.
    funding: list[FundingShare] = Field(default_factory=list, max_length=len(Funder))

    @field_validator("funding")
    @classmethod
    def _shares_make_the_whole(cls, funding: list[FundingShare], info: ValidationInfo) -> list[FundingShare]:
        if not funding:
            return funding
        funders = [share.funder for share in funding]
        if len(set(funders)) != len(funders):
            raise ValueError("each funder is named once in a line's funding")
        units, unit_cost = info.data.get("units_per_period"), info.data.get("unit_cost_pence")
        if units is None or unit_cost is None:
            return funding  # refused for its own field already
        whole = units * unit_cost
        shares = sum(share.pence_per_period for share in funding)
        if shares != whole:
            raise ValueError(
                f"the funding shares ({format_pounds(shares)} a period) must sum to the line's cost "
                f"({format_pounds(whole)} a period: {units} x {format_pounds(unit_cost)})"
            )
        return funding

    @property
    def council_pence_per_period(self) -> int:
        """The council's share of the line a period: all of it unless the line is jointly funded."""
        if not self.funding:
            return self.units_per_period * self.unit_cost_pence
        return sum(share.pence_per_period for share in self.funding if share.funder == Funder.COUNCIL)

    @property
    def annual_cost_pence(self) -> int:
        """What the line costs the council a year: its share of a jointly funded line. Every figure
        of the council's money (the budget statement, sign-off, a direct payment) counts this."""
        return self.council_pence_per_period * PERIODS_PER_YEAR[self.frequency]

    @property
    def whole_annual_cost_pence(self) -> int:
        """What the line costs a year, whoever pays."""
        return self.units_per_period * self.unit_cost_pence * PERIODS_PER_YEAR[self.frequency]

    @model_validator(mode="after")
    def _ends_after_it_starts(self) -> PlanLine:
        if self.starts_on is not None and self.ends_on is not None and self.ends_on < self.starts_on:
            raise ValueError("a line ends on or after the day it starts")
        return self


class CommissionedService(Frozen):
    """A service the council arranges itself for the council-managed part of a budget."""

    provider: str
    service: str
    frequency: Frequency
    units_per_period: int
    unit_cost_pence: int
    starts_on: date | None
    ends_on: date | None
    annual_cost_pence: int


# Where each way of holding a budget sends its money (a line held as a mix is not a way of its own).
PAID_OUT = frozenset(
    {
        BudgetManagement.DIRECT_PAYMENT,
        BudgetManagement.MIX,
        BudgetManagement.THIRD_PARTY_MANAGED_ACCOUNT,
        BudgetManagement.INDIVIDUAL_SERVICE_FUND,
    }
)


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

    # How the budget is held (issue 18) ------------------------------------------------------------
    # An individual service fund: the provider that holds it and its reference for the fund.
    isf_provider: Name | None = None
    isf_reference: Identifier | None = None
    # A third-party managed account: who holds the account and its reference.
    account_holder: Name | None = None
    account_reference: Identifier | None = None

    @model_validator(mode="after")
    def _direct_payment_needs_amount_and_frequency(self) -> SupportPlan:
        uses_dp = self.management in (BudgetManagement.DIRECT_PAYMENT, BudgetManagement.MIX)
        if uses_dp and (self.direct_payment_pence is None or self.direct_payment_frequency is None):
            raise ValueError(
                "a plan held as a direct payment (or a mix) states the direct payment amount and frequency"
            )
        return self

    @model_validator(mode="after")
    def _only_its_own_way_of_holding_names_a_holder(self) -> SupportPlan:
        if self.management != BudgetManagement.INDIVIDUAL_SERVICE_FUND and (self.isf_provider or self.isf_reference):
            raise ValueError("only a plan held as an individual service fund names an ISF provider")
        if self.management != BudgetManagement.THIRD_PARTY_MANAGED_ACCOUNT and (
            self.account_holder or self.account_reference
        ):
            raise ValueError("only a plan held as a third-party managed account names an account holder")
        return self

    def check_holding(self) -> SupportPlan:
        """What every plan drafted or revised now states about how its budget is held (issue 18).

        Checked by the commands that draft and revise a plan, not on the model itself, so a plan
        recorded before (an ISF that named no provider, a mix that was one line) still loads."""
        problem = self.holding_problem()
        if problem:
            raise ValueError(problem)
        return self

    def holding_problem(self) -> str | None:
        if self.management in PAID_OUT and (self.direct_payment_pence is None or self.direct_payment_frequency is None):
            return (
                f"a plan held as {self.management.value.replace('_', ' ')} states the amount and frequency it pays "
                "(direct_payment_pence, direct_payment_frequency)"
            )
        if self.management == BudgetManagement.INDIVIDUAL_SERVICE_FUND and not (
            self.isf_provider and self.isf_reference
        ):
            return "an individual service fund names its provider and reference (isf_provider, isf_reference)"
        if self.management == BudgetManagement.THIRD_PARTY_MANAGED_ACCOUNT and not (
            self.account_holder and self.account_reference
        ):
            return "a third-party managed account names its holder and reference (account_holder, account_reference)"
        if self.management == BudgetManagement.MIX:
            return self._mix_problem()
        if self.management == BudgetManagement.DIRECT_PAYMENT and any(line.funding for line in self.lines):
            return self._joint_direct_payment_problem()
        return None

    def _joint_direct_payment_problem(self) -> str | None:
        """The council's direct payment pays the council's share of a jointly funded plan, never the
        NHS's or another funder's (they pay theirs by their own arrangements)."""
        assert self.direct_payment_pence is not None and self.direct_payment_frequency is not None
        periods = PERIODS_PER_YEAR[self.direct_payment_frequency]
        if self.direct_payment_pence * periods - self.annual_cost_pence >= periods:
            return (
                f"the direct payment ({format_pounds(self.direct_payment_pence * periods)} a year) pays the "
                f"council's share of the jointly funded lines ({format_pounds(self.annual_cost_pence)} a year), "
                "not more"
            )
        return None

    def _mix_problem(self) -> str | None:
        """A mixed budget is lines held as a direct payment and lines the council commissions; its
        direct payment is the direct-payment lines' cost, never more (to the penny a payment)."""
        held = {line.held_as for line in self.lines}
        if not held <= {BudgetManagement.DIRECT_PAYMENT, BudgetManagement.COUNCIL_MANAGED}:
            return "each line of a mixed budget is held as a direct payment or council-managed"
        if held != {BudgetManagement.DIRECT_PAYMENT, BudgetManagement.COUNCIL_MANAGED}:
            return "a mixed budget has lines held as a direct payment and lines the council manages"
        missing = [i for i, line in enumerate(self.lines) if line.held_as == COUNCIL_MANAGED and not line.starts_on]
        if missing:
            return f"line {missing[0]}: a service the council commissions states when it starts (starts_on)"
        assert self.direct_payment_pence is not None and self.direct_payment_frequency is not None
        periods = PERIODS_PER_YEAR[self.direct_payment_frequency]
        lines_a_year = self.direct_payment_lines_pence
        if abs(self.direct_payment_pence * periods - lines_a_year) >= periods:
            return (
                f"the direct payment ({format_pounds(self.direct_payment_pence * periods)} a year) must be the cost "
                f"of the lines held as a direct payment ({format_pounds(lines_a_year)} a year)"
            )
        return None

    @property
    def annual_cost_pence(self) -> int:
        """What the plan costs the council a year (its share of any jointly funded line)."""
        return sum(line.annual_cost_pence for line in self.lines)

    @property
    def whole_annual_cost_pence(self) -> int:
        """What the plan costs a year, whoever pays."""
        return sum(line.whole_annual_cost_pence for line in self.lines)

    @property
    def direct_payment_lines_pence(self) -> int:
        """What the lines held as a direct payment cost a year."""
        return sum(line.annual_cost_pence for line in self.lines if line.held_as == BudgetManagement.DIRECT_PAYMENT)

    @property
    def direct_payment_a_year_pence(self) -> int:
        """The payment the plan states, a year (0 when it states none)."""
        if self.direct_payment_pence is None or self.direct_payment_frequency is None:
            return 0
        return self.direct_payment_pence * PERIODS_PER_YEAR[self.direct_payment_frequency]

    @property
    def commissioned_services(self) -> list[CommissionedService]:
        """The council-managed lines as the services the council commissions."""
        return [
            CommissionedService(
                provider=line.provider_name,
                service=line.what,
                frequency=line.frequency,
                units_per_period=line.units_per_period,
                unit_cost_pence=line.unit_cost_pence,
                starts_on=line.starts_on,
                ends_on=line.ends_on,
                annual_cost_pence=line.annual_cost_pence,
            )
            for line in self.lines
            if line.held_as == BudgetManagement.COUNCIL_MANAGED
        ]


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
    # How the council words the same-household rule (DP regs reg 3) when a plan line breaks it.
    same_household_wording: str = Field(
        default="a direct payment may pay a close relative living in the same household only where the council "
        "records that it is necessary",
        min_length=1,
        max_length=500,
    )


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
                    message=f"line {index}: {rules.same_household_wording}",
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
