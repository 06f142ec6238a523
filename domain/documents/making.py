"""What every document shares: its header made from its source events (the person as the record
stood at the latest of them, the day of that event, the versions), the rule set it rests on, and
the standard words on what to do if the person does not agree."""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from domain.case.decisions import DecisionSteps
from domain.documents.model import Document, Figure, Section
from domain.documents.sources import RecordedEvents, of_person
from domain.documents.words import CARER_TITLES, TITLES
from domain.vocabulary import DocumentKind

IndicativeBudgetCalculated = DecisionSteps.IndicativeBudgetCalculated

IF_YOU_DO_NOT_AGREE = Section(
    heading="If you do not agree",
    paragraphs=[
        "Please tell your social worker. They will explain the decision and can look at it again.",
        "You can also make a complaint to the council.",
        "If you are still unhappy after that, you can ask the Local Government and Social Care "
        "Ombudsman to look at it. This is free.",
    ],
)


def made_from(
    events: RecordedEvents,
    kind: DocumentKind,
    person_id: str,
    sources: Sequence[Any],
    *,
    summary: str,
    sections: list[Section],
    figures: list[Figure] | None = None,
    rule_set: Any | None = None,
) -> Document:
    """A document of ``kind`` for ``person_id`` from ``sources`` (events, the latest being the
    decision it records); ``rule_set`` is the budget calculation (or sign-off) naming the rule set."""
    assert sources, f"a {kind.value} is made from at least one recorded event"
    versions = sorted({event.originator_version for event in sources})
    latest = max(sources, key=lambda event: event.originator_version)
    person = events.state_at(latest.originator_version).people[person_id]
    title = (CARER_TITLES if person.kind == "carer" else {}).get(kind, TITLES[kind])
    rule_set_id = rule_set_hash = None
    if rule_set is not None:
        calculation = getattr(rule_set, "calculation", rule_set)
        rule_set_id, rule_set_hash = calculation.rule_set_id, calculation.rule_set_hash
    return Document(
        kind=kind,
        title=title,
        case_reference=latest.originator_id.hex,
        council_code=events.state_at(latest.originator_version).council_code,
        person_id=person_id,
        person_name=person.name,
        person_kind=person.kind,
        dated=latest.timestamp,
        source_versions=versions,
        rule_set_id=rule_set_id,
        rule_set_hash=rule_set_hash,
        summary=summary,
        figures=figures or [],
        sections=sections,
    )


def budget_before(events: RecordedEvents, person_id: str, version: int) -> Any | None:
    """The person's budget calculation standing at ``version``: the rule set a decision rests on."""
    return events.latest(IndicativeBudgetCalculated, of_person(person_id), before=version)
