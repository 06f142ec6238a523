"""Resource allocation: a council's published rule set turns assessment answers into an indicative budget."""

from domain.ras.calculation import (
    CARER_BREAK_REINFLATION,
    CARER_NEUTRAL_REDUCTION,
    Adjustment,
    BudgetCalculation,
    PointsLine,
    calculate_adult_budget,
    calculate_carer_budget,
    check_answers,
    recalculate,
)
from domain.ras.inputs import CarerSupport, CarerSupportLevel, WellbeingImpact
from domain.ras.rule_set import RuleSet, parse_rule_set

__all__ = [
    "CARER_BREAK_REINFLATION",
    "CARER_NEUTRAL_REDUCTION",
    "Adjustment",
    "BudgetCalculation",
    "CarerSupport",
    "CarerSupportLevel",
    "PointsLine",
    "RuleSet",
    "WellbeingImpact",
    "calculate_adult_budget",
    "calculate_carer_budget",
    "check_answers",
    "parse_rule_set",
    "recalculate",
]
