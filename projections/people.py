"""The person index's view: one row per person on each case, found by who they are across cases.

The front door asks "is this person known to us?" (``GET /people``) by council person id, by NHS
number, or by name and date of birth. Every column is the case state's (decision 0009): the
person's council person id and NHS number as recorded, their name normalised for matching
(``domain.person_index.normalised_name``), the case's team, stage and whether it is closed.
Once a person's personal data is erased at the end of retention, the case state reads their name,
date of birth and NHS number as erased, and this view's row for them loses all three: they are
found by their council person id alone from then on.

``view_people_earlier_cases`` lists, for each case, the adult's earlier (closed) cases that the
referral was linked to, oldest first.

Tables:

- ``view_people``: ``case_id``, ``person_id`` (the in-case id), ``role`` (adult or carer),
  ``council_person_id``, ``nhs_number``, ``name_key``, ``date_of_birth`` (YYYY-MM-DD; the last
  three NULL when not known or erased), ``team``, ``stage``, ``open`` (1 while the case is open and
  the person's involvement has not ended), ``closed`` (1 once the case is closed).
- ``view_people_earlier_cases``: ``case_id``, ``place`` (0 the oldest), ``earlier_case_id``.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import date
from typing import ClassVar, Literal

from domain.case.state import CaseState, Person
from domain.need_to_know import Reach
from domain.person_index import normalised_name
from domain.personal_data import ERASED, WITHHELD
from domain.vocabulary import Stage
from projections.case_access import reach_clause
from projections.derived import CaseDerivedView, Row
from projections.reading import Bit, ViewRow, columns_of
from projections.store import ViewCursor

PEOPLE = "view_people"
EARLIER = "view_people_earlier_cases"
UNREADABLE = (ERASED, WITHHELD)


class PersonOnCase(ViewRow):
    """One person on one case, as the index answers it (ids and where the case stands; no name)."""

    case_id: str
    person_id: str
    role: Literal["adult", "carer"]
    council_person_id: str
    team: str
    stage: Stage
    open: Bit
    closed: Bit


PEOPLE_COLUMNS = (
    "case_id",
    "person_id",
    "role",
    "council_person_id",
    "nhs_number",
    "name_key",
    "date_of_birth",
    "team",
    "stage",
    "open",
    "closed",
)


def _readable(value: str | None) -> str | None:
    return None if value is None or value in UNREADABLE else value


def person_row(state: CaseState, person: Person) -> Row:
    name = _readable(person.name)
    return (
        state.case_id,
        person.person_id,
        person.kind,
        person.council_person_id or "",
        _readable(person.nhs_number),
        None if name is None else normalised_name(name),
        None if person.date_of_birth is None else person.date_of_birth.isoformat(),
        state.team,
        state.stage.value,
        int(not state.closed and person.involvement_ended_on is None),
        int(state.closed),
    )


class PeopleView(CaseDerivedView):
    name = "people"
    columns: ClassVar = {PEOPLE: PEOPLE_COLUMNS, EARLIER: ("case_id", "place", "earlier_case_id")}

    def create_tables(self, cursor: ViewCursor) -> None:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {PEOPLE} ("
            "case_id TEXT NOT NULL, person_id TEXT NOT NULL, role TEXT NOT NULL, council_person_id TEXT NOT NULL, "
            "nhs_number TEXT, name_key TEXT, date_of_birth TEXT, team TEXT NOT NULL, stage TEXT NOT NULL, "
            "open INTEGER NOT NULL, closed INTEGER NOT NULL, PRIMARY KEY (case_id, person_id))"
        )
        cursor.execute(f"CREATE INDEX IF NOT EXISTS {PEOPLE}_by_person ON {PEOPLE} (council_person_id)")
        cursor.execute(f"CREATE INDEX IF NOT EXISTS {PEOPLE}_by_nhs_number ON {PEOPLE} (nhs_number)")
        cursor.execute(f"CREATE INDEX IF NOT EXISTS {PEOPLE}_by_name ON {PEOPLE} (name_key, date_of_birth)")
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {EARLIER} (case_id TEXT NOT NULL, place INTEGER NOT NULL, "
            "earlier_case_id TEXT NOT NULL, PRIMARY KEY (case_id, place))"
        )

    def rows(self, state: CaseState, version: int) -> dict[str, list[Row]]:
        return {
            PEOPLE: [person_row(state, person) for person in state.people.values()],
            EARLIER: [(state.case_id, place, earlier) for place, earlier in enumerate(state.earlier_cases)],
        }


# Reading the view -----------------------------------------------------------------------------


class PersonFound(ViewRow):
    """One person the index found: the cases the reader may see, and how many others there are."""

    council_person_id: str
    cases: list[PersonOnCase]
    other_cases_not_shown: int


class PeopleFound(ViewRow):
    people: list[PersonFound]
    # Cases of people found who are on no case the reader may see (so not listed at all).
    other_cases_not_shown: int


def council_person_ids(
    cursor: ViewCursor,
    *,
    council_person_id: str | None = None,
    nhs_number: str | None = None,
    name: str | None = None,
    date_of_birth: date | None = None,
) -> list[str]:
    """The council person ids the keys given match (each key given must match; a name only with a
    date of birth)."""
    if (name is None) != (date_of_birth is None):
        raise ValueError("a person is matched by name only with their date of birth")
    keys = (
        ("council_person_id", council_person_id),
        ("nhs_number", nhs_number),
        ("name_key", None if name is None else normalised_name(name)),
        ("date_of_birth", None if date_of_birth is None else date_of_birth.isoformat()),
    )
    where = [f"{column} = ?" for column, value in keys if value is not None]
    params = [value for _, value in keys if value is not None]
    if not where:
        return []
    rows = cursor.execute(
        f"SELECT DISTINCT council_person_id FROM {PEOPLE} WHERE {' AND '.join(where)} ORDER BY council_person_id",
        params,
    ).fetchall()
    return [r[0] for r in rows]


def people_found(cursor: ViewCursor, ids: Sequence[str], reach: Reach) -> PeopleFound:
    """Each person's cases within ``reach`` (need to know), and a count of those outside it."""
    if not ids:
        return PeopleFound(people=[], other_cases_not_shown=0)
    within, reach_params = reach_clause(reach, "p.case_id")
    columns = ", ".join(f"p.{c}" for c in columns_of(PersonOnCase))
    rows = cursor.execute(
        f"SELECT {columns}, CASE WHEN {within} THEN 1 ELSE 0 END FROM {PEOPLE} p "
        f"WHERE p.council_person_id IN ({', '.join('?' for _ in ids)}) ORDER BY p.council_person_id, p.case_id",
        (*reach_params, *ids),
    ).fetchall()
    seen: dict[str, list[PersonOnCase]] = {i: [] for i in ids}
    unseen: dict[str, int] = dict.fromkeys(ids, 0)
    names = columns_of(PersonOnCase)
    for row in rows:
        *values, visible = row
        found = PersonOnCase.model_validate(dict(zip(names, values, strict=True)))
        if visible:
            seen[found.council_person_id].append(found)
        else:
            unseen[found.council_person_id] += 1
    people = [PersonFound(council_person_id=i, cases=seen[i], other_cases_not_shown=unseen[i]) for i in ids if seen[i]]
    hidden = sum(unseen[i] for i in ids if not seen[i])
    return PeopleFound(people=people, other_cases_not_shown=hidden)


def earlier_cases_of(cursor: ViewCursor, case_id: str) -> list[str]:
    """The adult's earlier cases the referral was linked to, oldest first."""
    rows = cursor.execute(f"SELECT earlier_case_id FROM {EARLIER} WHERE case_id = ? ORDER BY place", (case_id,))
    return [r[0] for r in rows.fetchall()]
