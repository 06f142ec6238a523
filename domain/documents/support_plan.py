"""The support plan or carer's support plan given to the person (Care Act 2014 s.25(9)): the plan
as it was last signed off, its needs, outcomes, costed lines, budget and how it is held, and the
lines it shares with an aligned plan (a carer's break is in both the adult's and the carer's plan),
named in both."""

from __future__ import annotations

from typing import Any

from domain.case.planning import PlanningSteps
from domain.case.rules import APPROVING_OUTCOMES, same_line
from domain.documents.making import IF_YOU_DO_NOT_AGREE, made_from
from domain.documents.model import Document, Figure, Section, Table
from domain.documents.sources import RecordedEvents
from domain.documents.words import HELD_AS, HOW_OFTEN, SIGN_OFF_OUTCOMES, day, listed, pounds
from domain.planning import SupportPlan
from domain.vocabulary import DocumentKind

SupportPlanDrafted = PlanningSteps.SupportPlanDrafted
SupportPlanRevised = PlanningSteps.SupportPlanRevised
SignOffDecisionRecorded = PlanningSteps.SignOffDecisionRecorded
PLAN_EVENTS = (SupportPlanDrafted, SupportPlanRevised)


def _plan_event(events: RecordedEvents, person_id: str, before: int, plan_version: int | None = None) -> Any:
    found = [
        e
        for e in events.events[:before]
        if isinstance(e, PLAN_EVENTS)
        and e.person_id == person_id
        and (plan_version is None or e.plan_version == plan_version)
    ]
    return found[-1] if found else None


def support_plan(events: RecordedEvents, person_id: str) -> Document:
    signed = events.latest(
        SignOffDecisionRecorded, lambda e: e.person_id == person_id and e.outcome in APPROVING_OUTCOMES
    )
    assert signed is not None
    at = signed.originator_version
    drafted = _plan_event(events, person_id, at, signed.plan_version)
    assert drafted is not None, "a plan signed off was drafted or revised first"
    plan: SupportPlan = drafted.plan
    state = events.state_at(at)
    sources: list[Any] = [signed, drafted]
    shared: list[str] = []
    others = [*plan.aligned_with]
    others += [
        p.person_id
        for p in state.people.values()
        if p.person_id != person_id and p.plan is not None and person_id in p.plan.aligned_with
    ]
    for other_id in sorted(dict.fromkeys(others)):
        theirs = _plan_event(events, other_id, at)
        if theirs is None:
            continue
        sources.append(theirs)
        name = state.people[other_id].name
        in_both = [line.what for line in plan.lines if any(same_line(line, mine) for mine in theirs.plan.lines)]
        if in_both:
            shared.append(f"This support is in your plan and in the plan of {name}: {listed(in_both)}.")
        else:
            shared.append(f"Your plan is planned together with the plan of {name}.")
    rows = [
        [
            line.need,
            line.what,
            line.provider_name,
            f"{line.units_per_period} {HOW_OFTEN[line.frequency]}",
            pounds(line.unit_cost_pence),
            pounds(line.annual_cost_pence),
        ]
        for line in plan.lines
    ]
    figures = [
        Figure.of("What your plan costs the council, a year", plan.annual_cost_pence),
        Figure.of("Your budget approved, a year", signed.approved_pence),
    ]
    summary = (
        f"Your support plan was {SIGN_OFF_OUTCOMES[signed.outcome]} on {day(signed.timestamp)}. "
        f"Your budget is {pounds(signed.approved_pence)} a year."
    )
    held = [f"Your budget is held as {HELD_AS[plan.management]}."]
    if plan.direct_payment_pence is not None and plan.direct_payment_frequency is not None:
        held.append(f"The payment is {pounds(plan.direct_payment_pence)} {HOW_OFTEN[plan.direct_payment_frequency]}.")
    if plan.isf_provider:
        held.append(f"The provider holding it is {plan.isf_provider}.")
    if plan.account_holder:
        held.append(f"The account holder is {plan.account_holder}.")
    sections = [
        Section(heading="Your needs", points=list(plan.needs)),
        Section(heading="What you want to achieve", points=list(plan.outcomes)),
        Section(
            heading="How your needs will be met",
            table=Table(heads=["Need", "What", "Who", "How often", "Cost each time", "Cost a year"], rows=rows),
        ),
    ]
    if shared:
        sections.append(Section(heading="Support planned with someone else's plan", paragraphs=shared))
    sections += [
        Section(heading="How your budget is held", paragraphs=held),
        Section(heading="If something goes wrong", paragraphs=[plan.contingency]),
    ]
    if plan.risks:
        sections.append(
            Section(
                heading="Risks and how we manage them",
                table=Table(heads=["Risk", "What we do about it"], rows=[[r.risk, r.how_managed] for r in plan.risks]),
            )
        )
    if plan.review_by is not None:
        sections.append(
            Section(heading="Your review", paragraphs=[f"We will review your plan by {day(plan.review_by)}."])
        )
    sections += [
        Section(heading="The decision on your plan", paragraphs=[summary, f"The reasons recorded: {signed.reasons}"]),
        IF_YOU_DO_NOT_AGREE,
    ]
    return made_from(
        events,
        DocumentKind.SUPPORT_PLAN,
        person_id,
        sources,
        summary=summary,
        sections=sections,
        figures=figures,
        rule_set=signed,
    )
