"""What a candidate RAS rule set would do to the open cases, before anyone publishes it.

For each person on a case whose indicative budget was worked out with the candidate's rule set
(same id), the recorded calculation's own inputs (answers, carers' recorded support, impact on a
carer's wellbeing) are priced twice: under the version in force on the day of the simulation
(the baseline: what a new calculation would give today) and under the candidate. The s.26
statement follows each figure as a new calculation's would (``budget_statement_for``: the
person's assessed contribution, a carer paying nothing). Nothing is recorded: this module only
computes, and its output holds ids and figures, never a name (decision 0039).
"""

from __future__ import annotations

from collections import defaultdict
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict

from domain.case.decisions import budget_statement_for
from domain.case.state import CaseState, Person
from domain.errors import InvalidInput
from domain.ras.calculation import BudgetCalculation, reprice
from domain.ras.rule_set import RuleSet

# The case's budget band, by its total indicative budget under the baseline: (lowest pence, label).
BUDGET_BANDS: tuple[tuple[int, str], ...] = (
    (5_000_000, "£50,000 and over"),
    (2_000_000, "£20,000 to £49,999"),
    (1_000_000, "£10,000 to £19,999"),
    (500_000, "£5,000 to £9,999"),
    (0, "under £5,000"),
)
NOT_RECORDED = "not_recorded"

Direction = Literal["up", "down", "unchanged"]


class _Figures(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PersonSimulation(_Figures):
    """One person's indicative budget and s.26 statement, under the baseline and the candidate."""

    person_id: str
    kind: Literal["adult", "carer"]
    priced_with_version: str  # the version the case's own calculation recorded
    old_pence: int
    new_pence: int
    difference_pence: int
    old_council_pence: int  # the council's amount in the s.26 statement
    new_council_pence: int
    new_contribution_pence: int
    financially_assessed: bool
    old_exceeds_cap: bool
    new_exceeds_cap: bool
    new_cap_pence: int | None
    explanation: str  # the candidate's calculation and statement, as they would read


class PersonNotPriced(_Figures):
    """A person whose recorded inputs the candidate cannot price (a question it dropped, say)."""

    person_id: str
    kind: Literal["adult", "carer"]
    code: str
    field: str | None
    message: str


class CaseSimulation(_Figures):
    case_id: str
    team: str
    client_type: str  # the adult's primary support reason
    budget_band: str
    people: list[PersonSimulation]
    not_priced: list[PersonNotPriced]
    old_pence: int
    new_pence: int
    difference_pence: int
    council_difference_pence: int  # the annual cost change to the council
    direction: Direction
    newly_over_cap: list[str]  # person ids above a cap under the candidate and not before


def budget_band(pence: int) -> str:
    return next(label for lowest, label in BUDGET_BANDS if pence >= lowest)


def simulate_case(state: CaseState, *, baseline: RuleSet, candidate: RuleSet) -> CaseSimulation | None:
    """The case under the candidate; None if no one on it was priced with the candidate's rule set."""
    if baseline.id != candidate.id:
        raise ValueError("the baseline and the candidate must be versions of one rule set")
    people: list[PersonSimulation] = []
    not_priced: list[PersonNotPriced] = []
    for person in state.people.values():
        recorded = person.budget
        if recorded is None or recorded.rule_set_id != candidate.id:
            continue
        try:
            old = recorded if recorded.rule_set_hash == baseline.content_hash else reprice(recorded, baseline)
            new = reprice(recorded, candidate)
        except InvalidInput as refused:  # answers the baseline or the candidate no longer knows
            not_priced.append(
                PersonNotPriced(
                    person_id=person.person_id,
                    kind=person.kind,
                    code=refused.code,
                    field=refused.field,
                    message=refused.message,
                )
            )
            continue
        people.append(_person(person, recorded, old, new))
    if not people and not not_priced:
        return None
    old_total = sum(p.old_pence for p in people)
    new_total = sum(p.new_pence for p in people)
    difference = new_total - old_total
    psr = state.adult.primary_support_reason
    return CaseSimulation(
        case_id=state.case_id,
        team=state.team,
        client_type=psr.value if psr is not None else NOT_RECORDED,
        budget_band=budget_band(old_total),
        people=people,
        not_priced=not_priced,
        old_pence=old_total,
        new_pence=new_total,
        difference_pence=difference,
        council_difference_pence=sum(p.new_council_pence - p.old_council_pence for p in people),
        direction="up" if difference > 0 else "down" if difference < 0 else "unchanged",
        newly_over_cap=[p.person_id for p in people if p.new_exceeds_cap and not p.old_exceeds_cap],
    )


def _person(
    person: Person, recorded: BudgetCalculation, old: BudgetCalculation, new: BudgetCalculation
) -> PersonSimulation:
    old_statement = budget_statement_for(person, old.indicative_pence)
    new_statement = budget_statement_for(person, new.indicative_pence)
    return PersonSimulation(
        person_id=person.person_id,
        kind=person.kind,
        priced_with_version=recorded.rule_set_version,
        old_pence=old.indicative_pence,
        new_pence=new.indicative_pence,
        difference_pence=new.indicative_pence - old.indicative_pence,
        old_council_pence=old_statement.council_amount_pence,
        new_council_pence=new_statement.council_amount_pence,
        new_contribution_pence=new_statement.adult_contribution_pence,
        financially_assessed=person.assessed_contribution_pence is not None,
        old_exceeds_cap=old.exceeds_cap,
        new_exceeds_cap=new.exceeds_cap,
        new_cap_pence=new.cap_pence,
        explanation=new.explanation + "\n" + new_statement.explanation,
    )


class _Group(BaseModel):
    cases: int = 0
    up: int = 0
    down: int = 0
    unchanged: int = 0
    old_pence: int = 0
    new_pence: int = 0
    difference_pence: int = 0
    council_difference_pence: int = 0

    def add(self, case: CaseSimulation) -> None:
        self.cases += 1
        setattr(self, case.direction, getattr(self, case.direction) + 1)
        self.old_pence += case.old_pence
        self.new_pence += case.new_pence
        self.difference_pence += case.difference_pence
        self.council_difference_pence += case.council_difference_pence


class SimulationTotals:
    """Totals and the distribution, added up case by case as the simulation streams."""

    def __init__(self) -> None:
        self.all = _Group()
        self.people = 0
        self.people_not_priced = 0
        self.cases_not_priced_with_this_rule_set = 0
        self.newly_over_cap: list[str] = []
        self.old_council_pence = 0
        self.new_council_pence = 0
        self.by: dict[str, defaultdict[str, _Group]] = {
            dimension: defaultdict(_Group) for dimension in ("team", "client_type", "budget_band")
        }

    def add(self, case: CaseSimulation | None) -> None:
        if case is None:
            self.cases_not_priced_with_this_rule_set += 1
            return
        self.all.add(case)
        self.people += len(case.people)
        self.people_not_priced += len(case.not_priced)
        self.old_council_pence += sum(p.old_council_pence for p in case.people)
        self.new_council_pence += sum(p.new_council_pence for p in case.people)
        if case.newly_over_cap:
            self.newly_over_cap.append(case.case_id)
        self.by["team"][case.team].add(case)
        self.by["client_type"][case.client_type].add(case)
        self.by["budget_band"][case.budget_band].add(case)

    def as_dict(self) -> dict[str, Any]:
        return {
            **self.all.model_dump(),
            "people": self.people,
            "people_not_priced": self.people_not_priced,
            "cases_not_priced_with_this_rule_set": self.cases_not_priced_with_this_rule_set,
            "annual_cost_to_council": {
                "old_pence": self.old_council_pence,
                "new_pence": self.new_council_pence,
                "change_pence": self.new_council_pence - self.old_council_pence,
            },
            "newly_over_cap": {"cases": len(self.newly_over_cap), "case_ids": self.newly_over_cap},
            "by": {
                dimension: {key: group.model_dump() for key, group in sorted(groups.items())}
                for dimension, groups in self.by.items()
            },
        }
