"""Every kind of document and the function that makes it; which documents a case can give as of a
version, with the versions each is made from; and one document, or why there is none."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from domain.case.rules import person_must_exist
from domain.documents.agreement import direct_payment_agreement
from domain.documents.availability import can_give, kinds_for
from domain.documents.budget_statement import personal_budget_statement
from domain.documents.challenge import challenge_outcome
from domain.documents.eligibility import eligibility_determination
from domain.documents.model import Document, DocumentAvailable
from domain.documents.review import review_outcome
from domain.documents.sources import RecordedEvents
from domain.documents.support_plan import support_plan
from domain.errors import NotFound
from domain.vocabulary import DocumentKind

MAKERS: dict[DocumentKind, Callable[[RecordedEvents, str], Document]] = {
    DocumentKind.ELIGIBILITY_DETERMINATION: eligibility_determination,
    DocumentKind.PERSONAL_BUDGET_STATEMENT: personal_budget_statement,
    DocumentKind.SUPPORT_PLAN: support_plan,
    DocumentKind.DIRECT_PAYMENT_AGREEMENT: direct_payment_agreement,
    DocumentKind.REVIEW_OUTCOME: review_outcome,
    DocumentKind.CHALLENGE_OUTCOME: challenge_outcome,
}


def documents_available(events: Sequence[Any]) -> list[DocumentAvailable]:
    """What the case can give as of its last event: for the adult, then each carer by id."""
    recorded = RecordedEvents(events)
    if not recorded.events:
        return []
    state = recorded.state_at(recorded.version)
    people = [state.adult_id, *sorted(p for p in state.people if p != state.adult_id)]
    found = []
    for person_id in people:
        for kind in kinds_for(state, person_id):
            made = MAKERS[kind](recorded, person_id)
            found.append(
                DocumentAvailable(
                    kind=kind,
                    person_id=person_id,
                    person_kind=made.person_kind,
                    title=made.title,
                    source_versions=made.source_versions,
                )
            )
    return found


def document_for(events: Sequence[Any], kind: DocumentKind, person_id: str) -> Document:
    """One document as of the last of ``events``; 404 naming why when the case cannot give it."""
    recorded = RecordedEvents(events)
    state = recorded.state_at(recorded.version)
    person_must_exist(state, person_id)
    if not can_give(state, kind, person_id):
        raise NotFound(
            f"the case has no {kind.value.replace('_', ' ')} for {person_id} yet: nothing recorded to make it from",
            code="no_such_document_yet",
            field="kind",
            details={"kinds": [k.value for k in kinds_for(state, person_id)]},
        )
    return MAKERS[kind](recorded, person_id)
