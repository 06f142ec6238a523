"""The facts about a person that can be corrected (UK GDPR Art. 16, the right to rectification).

A correction names an earlier event by its version on the case and one of its fields. Only the
fields listed here can be corrected: what the record says about who a person is (a name, a date of
birth, a relationship) and the free text describing them. Never a figure, a decision, an actor, a
time or an id: those change only by the process's own commands (a reassessment, a challenge, a
review), which keep their own reasons and authority.

Each entry says what kind of value the field holds (so the correction can be checked against the
same bounds the original command was) and where the case state keeps the fact now, to read it
(the value being corrected) and to write the corrected value.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from domain.case.state import CaseState
from domain.personal_data import ERASED, WITHHELD


class FactKind(StrEnum):
    NAME = "name"  # one line, not blank, at most 200 characters (domain.values.Name)
    DATE_OF_BIRTH = "date_of_birth"  # YYYY-MM-DD, in the case calendar, no later than the event's day
    TEXT = "text"  # reasons in plain English, not blank, at most 4,000 characters (domain.values.Reason)


@dataclass(frozen=True)
class CorrectableFact:
    event_type: str
    field: str
    kind: FactKind
    read: Callable[[CaseState, str], str]  # the value now, as text, for the person the event is about
    write: Callable[[CaseState, str, str], None]  # the corrected value, as text


def _set_person_name(state: CaseState, person_id: str, value: str) -> None:
    state.people[person_id].name = value
    _follow_payee_name(state, person_id, value)


def _set_person_born(state: CaseState, person_id: str, value: str) -> None:
    # A sealed value read without its key (the workflow's mirror) or after erasure is a marker,
    # not a date: the date is unknown there, as a sealed date of birth is.
    unreadable = value in (ERASED, WITHHELD)
    state.people[person_id].date_of_birth = None if unreadable else date.fromisoformat(value)


def _set_referral_reason(state: CaseState, _: str, value: str) -> None:
    state.referral_reason = value


def _set_relationship_to_adult(state: CaseState, person_id: str, value: str) -> None:
    state.people[person_id].relationship_to_adult = value


def _set_representative_name(state: CaseState, representative_id: str, value: str) -> None:
    state.representatives[representative_id].name = value
    _follow_payee_name(state, representative_id, value)


def _set_representative_relationship(state: CaseState, representative_id: str, value: str) -> None:
    state.representatives[representative_id].relationship = value


def _follow_payee_name(state: CaseState, payee_id: str, name: str) -> None:
    """An agreement paying the person by id names them as they are now; its recorded event keeps
    the name it was made with."""
    for agreement in state.agreements.values():
        if agreement.recipient_id == payee_id:
            agreement.recipient_name = name


def _correctable(*facts: CorrectableFact) -> dict[tuple[str, str], CorrectableFact]:
    return {(f.event_type, f.field): f for f in facts}


def _born_text(state: CaseState, person_id: str) -> str:
    born = state.people[person_id].date_of_birth
    return "" if born is None else born.isoformat()  # None once erased at the end of retention


CORRECTABLE_FACTS: dict[tuple[str, str], CorrectableFact] = _correctable(
    CorrectableFact("ReferralReceived", "adult_name", FactKind.NAME, lambda s, p: s.people[p].name, _set_person_name),
    CorrectableFact(
        "ReferralReceived",
        "adult_date_of_birth",
        FactKind.DATE_OF_BIRTH,
        lambda s, p: _born_text(s, p),
        _set_person_born,
    ),
    CorrectableFact("ReferralReceived", "reason", FactKind.TEXT, lambda s, _: s.referral_reason, _set_referral_reason),
    CorrectableFact("CarerIdentified", "name", FactKind.NAME, lambda s, p: s.people[p].name, _set_person_name),
    CorrectableFact(
        "CarerIdentified",
        "date_of_birth",
        FactKind.DATE_OF_BIRTH,
        lambda s, p: _born_text(s, p),
        _set_person_born,
    ),
    CorrectableFact(
        "CarerIdentified",
        "relationship_to_adult",
        FactKind.NAME,
        lambda s, p: s.people[p].relationship_to_adult or "",
        _set_relationship_to_adult,
    ),
    CorrectableFact(
        "RepresentativeRecorded",
        "name",
        FactKind.NAME,
        lambda s, r: s.representatives[r].name,
        _set_representative_name,
    ),
    CorrectableFact(
        "RepresentativeRecorded",
        "relationship",
        FactKind.NAME,
        lambda s, r: s.representatives[r].relationship,
        _set_representative_relationship,
    ),
)


def correctable_fields(event_type: str) -> list[str]:
    """The fields of an event type a correction may name, in the table's order."""
    return [field for (kind, field) in CORRECTABLE_FACTS if kind == event_type]
