"""The eligibility determination with its reasons (Care Act 2014 s.13(1)-(2)), for the adult or a
carer; where the needs are not eligible, the written advice on preventing and reducing them that
s.13(5) asks for, as it was recorded, or a plain statement that it is still owed."""

from __future__ import annotations

from typing import Any

from domain.case.decisions import DecisionSteps
from domain.case.prevention import PreventionSteps
from domain.documents.making import IF_YOU_DO_NOT_AGREE, made_from
from domain.documents.model import Document, Section
from domain.documents.sources import RecordedEvents, of_person
from domain.documents.words import ADULT_OUTCOMES, ADVICE_TOPICS, CARER_OUTCOMES, day, listed, words_for
from domain.eligibility import AdultOutcome, CarerOutcome, EligibilityDetermination
from domain.vocabulary import DocumentKind

EligibilityDetermined = DecisionSteps.EligibilityDetermined
InformationAndAdviceGiven = PreventionSteps.InformationAndAdviceGiven
NeedsToBeMetAtDiscretion = PreventionSteps.NeedsToBeMetAtDiscretion


def eligibility_determination(events: RecordedEvents, person_id: str) -> Document:
    determined = events.latest(EligibilityDetermined, of_person(person_id))
    assert determined is not None
    after = determined.originator_version
    determination = determined.determination
    carer = determination.person_kind == "carer"
    advice = events.every(InformationAndAdviceGiven, of_person(person_id), after=after)
    discretion = events.latest(NeedsToBeMetAtDiscretion, of_person(person_id), after=after)
    whose = "your needs as a carer" if carer else "your needs"
    if determination.eligible:
        summary = f"We have decided that {whose} are eligible for support from the council."
    else:
        summary = f"We have decided that {whose} are not eligible for support from the council."
    sections = [
        Section(
            heading="What we decided",
            paragraphs=[f"We made this decision on {day(determined.timestamp)}."],
        ),
        Section(
            heading="Why we decided this",
            paragraphs=[
                "The law sets out 3 things that must all be true. This is what we found:",
            ],
            points=_conditions(determination),
        ),
    ]
    sources: list[Any] = [determined]
    if not determination.eligible:
        sections.append(_prevention(advice, discretion))
        sources += [a for a in advice if a.meets_the_written_advice_duty]
        if discretion is not None:
            sources.append(discretion)
    sections += [
        Section(
            heading="Our reasons, as we recorded them",
            paragraphs=[determination.reasons, f"The law we used: {determination.regulation}."],
        ),
        IF_YOU_DO_NOT_AGREE,
    ]
    return made_from(
        events, DocumentKind.ELIGIBILITY_DETERMINATION, person_id, sources, summary=summary, sections=sections
    )


def _conditions(determination: EligibilityDetermination) -> list[str]:
    met = {condition.name: condition.met for condition in determination.conditions}
    if determination.person_kind == "adult":
        outcomes = [ADULT_OUTCOMES[o] for o in AdultOutcome if o.value in determination.outcomes_unable_to_achieve]
        things = _things(outcomes, 10)
        return [
            "Your needs come from a physical or mental condition or illness: "
            + _yes(met["needs_arise_from_impairment_or_illness"]),
            f"You cannot do 2 or more of the 10 things the law lists without help. {things}: "
            + _yes(met["unable_to_achieve_two_or_more_outcomes"]),
            "This has, or is likely to have, a big effect on your wellbeing: "
            + _yes(met["significant_impact_on_wellbeing"]),
            "We did not count the help a carer gives you when we made this decision.",
        ]
    outcomes = [CARER_OUTCOMES[o] for o in CarerOutcome if o.value in determination.outcomes_unable_to_achieve]
    things = _things(outcomes, 8)
    return [
        "Your needs come from the care you give: " + _yes(met["needs_arise_from_providing_necessary_care"]),
        "Your health is getting worse or could get worse, or you cannot do 1 or more of the 8 things "
        f"the law lists. {things}: " + _yes(met["health_at_risk_or_unable_to_achieve_an_outcome"]),
        "This has, or is likely to have, a big effect on your wellbeing: "
        + _yes(met["significant_impact_on_wellbeing"]),
    ]


def _things(outcomes: list[str], total: int) -> str:
    if not outcomes:
        return f"We found none of the {total} things"
    return f"We found {len(outcomes)}: {listed(outcomes)}"


def _yes(met: bool) -> str:
    return "yes." if met else "no."


def _prevention(advice: list[Any], discretion: Any | None) -> Section:
    paragraphs = []
    written = [a for a in advice if a.meets_the_written_advice_duty]
    for given in written:
        topics = listed([ADVICE_TOPICS.get(t, words_for(t.value)) for t in given.topics])
        paragraphs.append(
            f"On {day(given.given_on)} we gave you written advice ({words_for(given.format.value)}) about {topics}."
        )
        paragraphs.append(f"What we told you: {given.notes}")
    if not written:
        paragraphs.append(
            "We must give you written advice about what can help to meet or reduce your needs, and "
            "to stop them getting worse. We have not recorded giving it yet. Please ask your social worker."
        )
    if discretion is not None:
        paragraphs.append(
            f"On {day(discretion.decided_on)} we decided to meet some of your needs anyway. Our reasons: "
            f"{discretion.reasons}"
        )
    return Section(heading="Help to stop your needs getting worse", paragraphs=paragraphs)
