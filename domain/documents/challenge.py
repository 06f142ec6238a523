"""The outcome of the person's challenge to the amount of their budget (CSSG 11.24; rule X1): what
they said, what was decided and why, any new figure, and where to go next (a complaint, then the
Ombudsman: there is no statutory appeal)."""

from __future__ import annotations

from domain.case.decisions import DecisionSteps
from domain.documents.making import budget_before, made_from
from domain.documents.model import Document, Figure, Section
from domain.documents.sources import RecordedEvents, of_person
from domain.documents.words import CHALLENGE_OUTCOMES, day, pounds
from domain.vocabulary import DocumentKind

BudgetChallenged = DecisionSteps.BudgetChallenged
ChallengeResolved = DecisionSteps.ChallengeResolved


def challenge_outcome(events: RecordedEvents, person_id: str) -> Document:
    resolved = events.latest(ChallengeResolved, of_person(person_id))
    assert resolved is not None
    at = resolved.originator_version
    raised = events.latest(
        BudgetChallenged, lambda e: e.person_id == person_id and e.challenge_id == resolved.challenge_id, before=at
    )
    assert raised is not None
    figures = [Figure.of("The amount you challenged, a year", raised.amount_challenged_pence)]
    decided = [CHALLENGE_OUTCOMES[resolved.outcome]]
    if resolved.revised_pence is not None:
        figures.append(Figure.of("Your new budget, a year", resolved.revised_pence))
        decided.append(f"Your budget is now {pounds(resolved.revised_pence)} a year.")
    else:
        decided.append(
            f"Your budget stays at {pounds(resolved.previous_pence or raised.amount_challenged_pence)} a year."
        )
    summary = f"We looked at your challenge and decided on {day(resolved.timestamp)}. " + " ".join(decided)
    sections = [
        Section(
            heading="What you told us",
            paragraphs=[f"On {day(raised.timestamp)} you challenged the amount of your budget.", raised.grounds],
        ),
        Section(heading="What we decided", paragraphs=decided),
        Section(heading="Our reasons, as we recorded them", paragraphs=[resolved.reasons]),
        Section(
            heading="If you are still unhappy",
            paragraphs=[
                "You can make a complaint to the council.",
                "If you are still unhappy after that, you can ask the Local Government and Social Care "
                "Ombudsman to look at it. This is free.",
            ],
        ),
    ]
    calculation = budget_before(events, person_id, at)
    sources = [raised, resolved] + ([calculation] if calculation is not None else [])
    return made_from(
        events,
        DocumentKind.CHALLENGE_OUTCOME,
        person_id,
        sources,
        summary=summary,
        sections=sections,
        figures=figures,
        rule_set=calculation,
    )
