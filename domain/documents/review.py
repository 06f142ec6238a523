"""The outcome of a review of the person's support (Care Act 2014 s.27): which review, when it was
due and done, and what it decided, in plain words."""

from __future__ import annotations

from typing import Any

from domain.case.reviews import ReviewSteps
from domain.documents.making import IF_YOU_DO_NOT_AGREE, budget_before, made_from
from domain.documents.model import Document, Section
from domain.documents.sources import RecordedEvents
from domain.documents.words import REVIEW_OUTCOMES, day, words_for
from domain.vocabulary import DocumentKind, ReviewKind

ReviewScheduled = ReviewSteps.ReviewScheduled
ReviewRequested = ReviewSteps.ReviewRequested
ReviewCompleted = ReviewSteps.ReviewCompleted

KINDS = {
    ReviewKind.PLANNED_FIRST: "your first review after your plan was approved",
    ReviewKind.PLANNED_ANNUAL: "your yearly review",
    ReviewKind.DIRECT_PAYMENT_FIRST: "the first review of your direct payment",
    ReviewKind.UNPLANNED: "a review that was asked for",
}


def review_outcome(events: RecordedEvents, person_id: str) -> Document:
    def reviews_them(event: Any) -> bool:
        review = events.state_at(event.originator_version).reviews[event.review_id]
        return person_id in review.person_ids

    completed = events.latest(ReviewCompleted, reviews_them)
    assert completed is not None
    at = completed.originator_version
    opened = events.latest(
        (ReviewScheduled, ReviewRequested),  # type: ignore[arg-type]  # either opens a review
        lambda e: e.review_id == completed.review_id,
        before=at,
    )
    assert opened is not None
    review = events.state_at(at).reviews[completed.review_id]
    what = KINDS[review.kind]
    summary = f"We completed {what} on {day(completed.timestamp)}. {REVIEW_OUTCOMES[completed.outcome]}"
    about = [f"This was {what}. It was due by {day(review.due_on)}."]
    if isinstance(opened, ReviewRequested):
        about.append(f"It was asked for because of: {words_for(opened.reason.value)}.")
    sections = [
        Section(heading="Your review", paragraphs=about),
        Section(heading="What we decided", paragraphs=[REVIEW_OUTCOMES[completed.outcome]]),
    ]
    if completed.notes:
        sections.append(Section(heading="Our notes, as we recorded them", paragraphs=[completed.notes]))
    sections.append(IF_YOU_DO_NOT_AGREE)
    calculation = budget_before(events, person_id, at)
    sources = [opened, completed] + ([calculation] if calculation is not None else [])
    return made_from(
        events,
        DocumentKind.REVIEW_OUTCOME,
        person_id,
        sources,
        summary=summary,
        sections=sections,
        rule_set=calculation,
    )
