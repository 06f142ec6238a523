"""Which documents a case can give a person, read from the case's state alone: the rulebook checks
``record-document-issued`` with it (a workflow's dry run has the state, not the events), and the
catalogue offers exactly these (``catalogue.py``).

A document is the one that stands: after a reassessment clears a person's eligibility and
statement, neither can be given until they are decided again (an earlier one is still rendered as
of an instant before it, ``?as_of=``, for the record).
"""

from __future__ import annotations

from domain.case.state import CaseState, Person
from domain.vocabulary import DocumentKind


def can_give(state: CaseState, kind: DocumentKind, person_id: str) -> bool:
    person = state.people.get(person_id)
    if person is None:
        return False
    return _GIVES[kind](state, person)


def kinds_for(state: CaseState, person_id: str) -> list[DocumentKind]:
    return [kind for kind in DocumentKind if can_give(state, kind, person_id)]


def _eligibility(state: CaseState, person: Person) -> bool:
    return person.eligibility is not None


def _statement(state: CaseState, person: Person) -> bool:
    return person.statement is not None


def _plan(state: CaseState, person: Person) -> bool:
    return person.last_signed_off_at is not None


def _agreement(state: CaseState, person: Person) -> bool:
    return any(a.person_id == person.person_id for a in state.agreements.values())


def _review(state: CaseState, person: Person) -> bool:
    return any(r.status == "completed" and person.person_id in r.person_ids for r in state.reviews.values())


def _challenge(state: CaseState, person: Person) -> bool:
    return any(c.resolved for c in person.challenges)


_GIVES = {
    DocumentKind.ELIGIBILITY_DETERMINATION: _eligibility,
    DocumentKind.PERSONAL_BUDGET_STATEMENT: _statement,
    DocumentKind.SUPPORT_PLAN: _plan,
    DocumentKind.DIRECT_PAYMENT_AGREEMENT: _agreement,
    DocumentKind.REVIEW_OUTCOME: _review,
    DocumentKind.CHALLENGE_OUTCOME: _challenge,
}
