"""The personal budget statement (Care Act 2014 s.26): the cost of meeting the needs, what the
person pays and what the council pays, and how the figure was reached, step by step from the
recorded calculation to the figure approved (what R (KM) v Cambridgeshire [2012] UKSC 23 requires
a council to be able to explain)."""

from __future__ import annotations

from typing import Any

from domain.case.decisions import DecisionSteps
from domain.case.planning import PlanningSteps
from domain.case.rules import APPROVING_OUTCOMES
from domain.documents.making import IF_YOU_DO_NOT_AGREE, budget_before, made_from
from domain.documents.model import Document, Figure, Section, Table
from domain.documents.sources import RecordedEvents, of_person
from domain.documents.words import day, pounds
from domain.vocabulary import DocumentKind

FinancialAssessmentCompleted = DecisionSteps.FinancialAssessmentCompleted
BudgetCapOverridden = DecisionSteps.BudgetCapOverridden
ChallengeResolved = DecisionSteps.ChallengeResolved
SignOffDecisionRecorded = PlanningSteps.SignOffDecisionRecorded


def _sets_the_statement(person_id: str) -> Any:
    def sets(event: Any) -> bool:
        if getattr(event, "person_id", None) != person_id:
            return False
        if isinstance(event, FinancialAssessmentCompleted):
            return True
        if isinstance(event, SignOffDecisionRecorded):
            return event.outcome in APPROVING_OUTCOMES and event.statement is not None
        return isinstance(event, ChallengeResolved) and event.statement is not None

    return sets


def personal_budget_statement(events: RecordedEvents, person_id: str) -> Document:
    setting = [e for e in events.events if _sets_the_statement(person_id)(e)]
    assert setting, "a statement is made from the event that recorded it"
    decided = setting[-1]
    at = decided.originator_version
    statement = decided.statement
    calculation_event = budget_before(events, person_id, at)
    sources: list[Any] = [decided]
    steps: list[str] = []
    rows: list[list[str]] = []
    if calculation_event is not None:
        sources.append(calculation_event)
        calc = calculation_event.calculation
        since = calculation_event.originator_version
        rows = [[line.question, line.answer_id.replace("_", " "), str(line.points)] for line in calc.points]
        steps.append(f"Your assessment answers gave {calc.total_points} points.")
        steps.append(f"The council's price for those points is {pounds(calc.carer_neutral_pence)} a year.")
        for adjustment in calc.adjustments:
            change = "added" if adjustment.amount_pence >= 0 else "taken off"
            steps.append(f"{pounds(abs(adjustment.amount_pence))} was {change}: {adjustment.reason}")
        steps.append(f"This gave a starting figure (the indicative budget) of {pounds(calc.indicative_pence)} a year.")
        override = events.latest(BudgetCapOverridden, of_person(person_id), after=since, before=at)
        if calc.exceeds_cap and calc.cap_pence is not None:
            steps.append(f"This was more than the council's usual limit of {pounds(calc.cap_pence)}.")
        if override is not None:
            sources.append(override)
            steps.append(
                f"A manager agreed {pounds(override.approved_pence)} so that your eligible needs are met. "
                f"Their reasons: {override.reasons}"
            )
        signed = events.latest(
            SignOffDecisionRecorded,
            lambda e: e.person_id == person_id and e.outcome in APPROVING_OUTCOMES,
            after=since,
            before=at,
        )
        if signed is not None:
            sources.append(signed)
            steps.append(
                f"Your support plan costs {pounds(signed.plan_annual_cost_pence)} a year. "
                f"On {day(signed.timestamp)} it was approved at {pounds(signed.approved_pence)} a year."
            )
        revised = events.latest(
            ChallengeResolved,
            lambda e: e.person_id == person_id and e.revised_pence is not None,
            after=since,
            before=at,
        )
        if revised is not None:
            sources.append(revised)
            steps.append(
                f"After your challenge, the figure was changed to {pounds(revised.revised_pence or 0)} a year."
            )
    steps.append(f"So the cost of meeting your eligible needs is {pounds(statement.cost_pence)} a year.")
    assessed = events.latest(FinancialAssessmentCompleted, of_person(person_id), before=at)
    if assessed is not None:
        sources.append(assessed)
    if events.state_at(at).people[person_id].kind == "carer":
        paying = "Carers do not pay towards their own support. You pay nothing."
    elif assessed is not None:
        paying = (
            f"Your financial assessment on {day(assessed.timestamp)} found you should pay "
            f"{pounds(statement.adult_contribution_pence)} a year towards it. You never pay more than the cost."
        )
    else:
        paying = f"You pay {pounds(statement.adult_contribution_pence)} a year towards it."
    figures = [
        Figure.of("The cost of meeting your needs, a year", statement.cost_pence),
        Figure.of("What you pay, a year", statement.adult_contribution_pence),
        Figure.of("What the council pays, a year", statement.council_amount_pence),
    ]
    summary = (
        f"Your personal budget is {pounds(statement.cost_pence)} a year. You pay "
        f"{pounds(statement.adult_contribution_pence)} and the council pays {pounds(statement.council_amount_pence)}."
    )
    sections = [
        Section(
            heading="Your budget",
            paragraphs=["The amount you pay and the amount the council pays add up to the cost."],
        ),
        Section(heading="What you pay", paragraphs=[paying]),
        Section(heading="How we worked out the figure", points=steps),
    ]
    if rows:
        sections.append(
            Section(
                heading="Your assessment answers and their points",
                table=Table(heads=["Question", "Answer", "Points"], rows=rows),
            )
        )
    explanation = [statement.explanation]
    if calculation_event is not None:
        explanation.insert(0, calculation_event.calculation.explanation)
    sections += [Section(heading="Our explanation, as we recorded it", paragraphs=explanation), IF_YOU_DO_NOT_AGREE]
    return made_from(
        events,
        DocumentKind.PERSONAL_BUDGET_STATEMENT,
        person_id,
        sources,
        summary=summary,
        sections=sections,
        figures=figures,
        rule_set=calculation_event,
    )
