"""The carers register: one row per carer identified on any case, from identification to support.

It answers what the Carers Trust review (2012) found councils could not say: how many carers
they identified, told of their right to an assessment, offered one, saw decline, assessed, found
eligible, and supported in their own right — and how many young carers they referred on to
children's services. ``register_figures`` gives those counts in the council's words.

Columns (times are when the event was recorded, ISO 8601; NULL = has not happened):

- ``case_id``, ``carer_id``: the case (hex) and the carer's id on it.
- ``young_carer``: 1 if the carer was under 18 when identified (adult carer rules never apply).
- ``team``, ``council_code``: the case's team and council now.
- ``identified_at``: when the carer was identified (``CarerIdentified``).
- ``referred_to_childrens_services_at``: when a young carer was referred to children's services.
- ``told_of_right_at``: the first offer that records the carer was told of their right to a
  carer's assessment (``CarerAssessmentOffered`` with ``told_of_right``; s.10, made on
  identification of every adult carer — no request needed).
- ``offered_at``: the first offer of an assessment, whether or not it records the telling.
- ``declined``: how many times the carer declined an assessment; ``last_declined_at`` the latest.
- ``requested_at``: the latest time the carer asked for an assessment after declining.
- ``assessment``: where the carer's assessment stands now (``AssessmentStatus``: not_started,
  offered, accepted, declined, requested, in_progress, completed). A review that decides to
  reassess puts it back to ``requested``, as on the case.
- ``assessed_at``: when the carer's latest assessment was completed (stays after a reassessment
  is requested; moves on when the reassessment completes).
- ``eligible``: the eligibility determination standing now (1 eligible, 0 not, NULL none since the
  latest assessment: a fresh assessment supersedes the old determination).
- ``supported``: 1 while the carer is supported in their own right now (see ``CarersRegisterView``).
- ``support_pence``: the carer's approved personal budget standing now (the sign-off amount, as
  revised by an upheld challenge); NULL when no sign-off stands (none yet, or the plan was revised
  or the carer reassessed since). Kept after the case closes: it is what was approved.
- ``involvement_ended_on``, ``involvement_end_reason``: the day the carer's involvement ended and
  why (``InvolvementEndReason``: stopped caring, died, the adult died, the case closed...); NULL
  while it goes on. An ended carer has left the active funnel: not ``supported`` any more, and
  counted among the ended by reason (``ended_by_reason``).
- ``council_person_id``: the carer's council person id (domain.person_index): one carer caring
  for two adults has a row on each case under the same id (``carer_cases``).
- ``updated_at``: when the last event that changed any other column of this row was recorded.

Where each carer stands (``young_carer``, ``team``, ``council_code``, ``assessment``,
``assessed_at``, ``eligible``, ``supported``, ``support_pence``) is read from the case's state as
each event leaves it (``CaseState``, decision 0009): the register never works out for itself what
lifts a sign-off or reopens an assessment. The times and counts of offers, declines and requests
are facts only the events hold, and its handlers write those.
"""

from __future__ import annotations

from pydantic import Field

from domain.case.aggregate import Case
from domain.case.base import CaseEvent
from domain.case.state import AssessmentStatus, CaseState, Person
from domain.vocabulary import InvolvementEndReason
from projections.base import handles
from projections.case_rows import CaseRowsView, CaseTable, Key, Values
from projections.reading import Bit, Instant, ViewRow, select
from projections.store import ViewCursor, has_column

REGISTER = "view_carers_register"

# What only the events say: when, and how often.
FACTS = (
    "identified_at",
    "referred_to_childrens_services_at",
    "told_of_right_at",
    "offered_at",
    "declined",
    "last_declined_at",
    "requested_at",
)
# What the case's state says now.
STANDING = (
    "young_carer",
    "team",
    "council_code",
    "assessment",
    "assessed_at",
    "eligible",
    "supported",
    "support_pence",
    "involvement_ended_on",
    "involvement_end_reason",
    "council_person_id",
)
REGISTER_TABLE = CaseTable(REGISTER, keys=("carer_id",), columns=(*FACTS, *STANDING))
Rows = dict[Key, Values]


def standing(state: CaseState, carer: Person) -> Values:
    """Where the carer stands now, from the case (``supported``: see ``CarersRegisterView``)."""
    agreement_in_force = any(
        a.person_id == carer.person_id and a.status != "stopped" for a in state.agreements.values()
    )
    return {
        "young_carer": int(carer.young_carer),
        "team": state.team,
        "council_code": state.council_code,
        "assessment": carer.assessment.value,
        "assessed_at": carer.assessment_completed_at.isoformat() if carer.assessment_completed_at else None,
        "eligible": None if carer.eligibility is None else int(carer.eligibility.eligible),
        "supported": int(
            not state.closed
            and carer.involvement_ended_on is None
            and (carer.sign_off is not None or agreement_in_force)
        ),
        "support_pence": carer.sign_off.approved_pence if carer.sign_off is not None else None,
        "involvement_ended_on": carer.involvement_ended_on.isoformat() if carer.involvement_ended_on else None,
        "involvement_end_reason": carer.involvement_end_reason.value if carer.involvement_end_reason else None,
        "council_person_id": carer.council_person_id,
    }


class CarersRegisterView(CaseRowsView):
    """One row per identified carer; the module docstring gives every column.

    What ``supported`` means: the council is meeting the carer's needs in their own right *now*.
    That is, the case is open, the carer's involvement has not ended, and either

    - a sign-off of the carer's own support plan stands (an approved personal budget, whether held
      as a direct payment, by the council, in an individual service fund or a managed account), or
    - a direct payment agreement made for the carer has not ended (a suspended one still counts:
      the agreement stands, only the payments pause; this covers a carer whose plan is being
      revised or who is being reassessed while payments carry on).

    Not counted: support arranged in the adult's plan for the carer's benefit (replacement care so
    the carer can take a break) — that is the adult's support, reported as theirs; an indicative
    budget or a submitted plan not yet signed off; a deferred or declined plan. Whether a sign-off
    stands and an agreement has ended is the case's to say (a revised plan or a fresh assessment
    lifts the sign-off; closing the case stops every agreement).

    The handlers record the facts, as ``handler(rows, event)`` on the case's rows read for the
    event; every event then brings each carer's standing up to date from the case's state.
    """

    name = "carers_register"
    tables = (REGISTER,)
    # Side tables of earlier releases, which re-derived from events what the case state now says.
    retired = ("view_carers_register_case", "view_carers_register_agreement", "view_carers_register_review")

    def create_tables(self, cursor: ViewCursor) -> None:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {REGISTER} ("
            "case_id TEXT NOT NULL, carer_id TEXT NOT NULL, young_carer INTEGER NOT NULL, "
            "team TEXT NOT NULL, council_code TEXT NOT NULL, identified_at TEXT NOT NULL, "
            "referred_to_childrens_services_at TEXT, told_of_right_at TEXT, offered_at TEXT, "
            "declined INTEGER NOT NULL DEFAULT 0, last_declined_at TEXT, requested_at TEXT, "
            "assessment TEXT NOT NULL, assessed_at TEXT, eligible INTEGER, "
            "supported INTEGER NOT NULL DEFAULT 0, support_pence BIGINT, involvement_ended_on TEXT, "
            "involvement_end_reason TEXT, updated_at TEXT NOT NULL, "
            "council_person_id TEXT, PRIMARY KEY (case_id, carer_id))"
        )
        for column in ("involvement_ended_on", "involvement_end_reason", "council_person_id"):
            if not has_column(cursor, REGISTER, column):
                # A register made before endings or the person index: its rows gain the column as
                # their cases move on (or at once, with `carecase projections rebuild`).
                cursor.execute(f"ALTER TABLE {REGISTER} ADD COLUMN {column} TEXT")
        cursor.execute(f"CREATE INDEX IF NOT EXISTS {REGISTER}_by_person ON {REGISTER} (council_person_id)")
        self.drop_retired(cursor)

    def apply(self, cursor: ViewCursor, event: CaseEvent, state: CaseState) -> None:
        rows = {key: dict(values) for key, values in self.rows(cursor, REGISTER_TABLE, state.case_id).items()}
        handler = self.handler_of(type(event))
        if handler is not None:
            handler(self, rows, event)
        for carer in state.carers():
            rows[(carer.person_id,)].update(standing(state, carer))
        self.save(cursor, REGISTER_TABLE, state.case_id, rows, event.timestamp.isoformat())

    # Handlers: identification, the offer and its answers -----------------------------------------

    @handles(Case.CarerIdentified)
    def identified(self, rows: Rows, event: Case.CarerIdentified) -> None:
        rows[(event.carer_id,)] = {fact: None for fact in FACTS} | {
            "identified_at": event.timestamp.isoformat(),
            "declined": 0,
        }

    @handles(Case.YoungCarerReferredToChildrensServices)
    def referred(self, rows: Rows, event: Case.YoungCarerReferredToChildrensServices) -> None:
        rows[(event.carer_id,)]["referred_to_childrens_services_at"] = event.timestamp.isoformat()

    @handles(Case.CarerAssessmentOffered)
    def offered(self, rows: Rows, event: Case.CarerAssessmentOffered) -> None:
        row, at = rows[(event.carer_id,)], event.timestamp.isoformat()
        row["offered_at"] = row["offered_at"] or at
        if event.told_of_right:
            row["told_of_right_at"] = row["told_of_right_at"] or at

    @handles(Case.CarerAssessmentDeclined)
    def declined(self, rows: Rows, event: Case.CarerAssessmentDeclined) -> None:
        row = rows[(event.carer_id,)]
        row["declined"] += 1
        row["last_declined_at"] = event.timestamp.isoformat()

    @handles(Case.CarerAssessmentRequested)
    def requested(self, rows: Rows, event: Case.CarerAssessmentRequested) -> None:
        rows[(event.carer_id,)]["requested_at"] = event.timestamp.isoformat()


# Reading the view -----------------------------------------------------------------------------


class CarerRow(ViewRow):
    """One carer's row: every column, in the table's order (the module docstring gives each)."""

    case_id: str
    carer_id: str
    young_carer: Bit
    team: str
    council_code: str
    identified_at: Instant
    referred_to_childrens_services_at: Instant | None
    told_of_right_at: Instant | None
    offered_at: Instant | None
    declined: int
    last_declined_at: Instant | None
    requested_at: Instant | None
    assessment: AssessmentStatus
    assessed_at: Instant | None
    eligible: Bit | None
    supported: Bit
    support_pence: int | None
    involvement_ended_on: str | None
    involvement_end_reason: InvolvementEndReason | None
    updated_at: Instant
    council_person_id: str | None


class RegisterFigures(ViewRow):
    """The register's counts of carers (people, not events), in the council's own words."""

    carers_identified: int = Field(description="every carer identified, young carers included")
    carers_told_of_their_right_to_an_assessment: int = Field(description="told of their right to a carer's assessment")
    carers_offered_an_assessment: int = Field(description="offered a carer's assessment")
    carers_who_declined_an_assessment: int = Field(
        description="declined at least once (even if they asked again later)"
    )
    carers_assessed: int = Field(description="had a carer's assessment completed")
    carers_with_eligible_needs: int = Field(description="found eligible by the determination standing now")
    carers_supported_in_their_own_right: int = Field(description="supported now (see CarersRegisterView)")
    young_carers_referred_to_childrens_services: int = Field(description="carers under 18 referred on")
    carers_whose_involvement_ended: int = Field(description="left the active funnel: their involvement ended")


# The column test that counts each figure.
FIGURE_TESTS: dict[str, str] = {
    "carers_identified": "1 = 1",
    "carers_told_of_their_right_to_an_assessment": "told_of_right_at IS NOT NULL",
    "carers_offered_an_assessment": "offered_at IS NOT NULL",
    "carers_who_declined_an_assessment": "declined > 0",
    "carers_assessed": "assessed_at IS NOT NULL",
    "carers_with_eligible_needs": "eligible = 1",
    "carers_supported_in_their_own_right": "supported = 1",
    "young_carers_referred_to_childrens_services": "referred_to_childrens_services_at IS NOT NULL",
    "carers_whose_involvement_ended": "involvement_ended_on IS NOT NULL",
}


def _where(council_code: str | None, team: str | None) -> tuple[str, list[str]]:
    where, params = [], []
    for column, value in (("council_code", council_code), ("team", team)):
        if value is not None:
            where.append(f"{column} = ?")
            params.append(value)
    return ("WHERE " + " AND ".join(where) if where else ""), params


def register_figures(cursor: ViewCursor, council_code: str | None = None, team: str | None = None) -> RegisterFigures:
    """The register's counts, for one council and/or team or all."""
    where, params = _where(council_code, team)
    columns = ", ".join(f"COALESCE(SUM(CASE WHEN {test} THEN 1 ELSE 0 END), 0)" for test in FIGURE_TESTS.values())
    row = cursor.execute(f"SELECT {columns} FROM {REGISTER} {where}", params).fetchone()
    return RegisterFigures(
        **{name: int(value) for name, value in zip(FIGURE_TESTS, row or (0,) * len(FIGURE_TESTS), strict=True)}
    )


class MonthFigures(ViewRow):
    """The register's counts for the carers identified in one calendar month (UTC), as they stand now."""

    month: str = Field(description="the month the carers were identified, YYYY-MM")
    figures: RegisterFigures


def register_figures_by_month(
    cursor: ViewCursor, council_code: str | None = None, team: str | None = None
) -> list[MonthFigures]:
    """The register's counts by the month each carer was identified, oldest month first: how far
    the carers identified in each month have come (for one council and/or team or all)."""
    where, params = _where(council_code, team)
    columns = ", ".join(f"COALESCE(SUM(CASE WHEN {test} THEN 1 ELSE 0 END), 0)" for test in FIGURE_TESTS.values())
    rows = cursor.execute(
        f"SELECT SUBSTR(identified_at, 1, 7) AS month, {columns} FROM {REGISTER} {where} "
        "GROUP BY SUBSTR(identified_at, 1, 7) ORDER BY month",
        params,
    ).fetchall()
    return [
        MonthFigures(
            month=row[0],
            figures=RegisterFigures(**{name: int(value) for name, value in zip(FIGURE_TESTS, row[1:], strict=True)}),
        )
        for row in rows
    ]


def ended_by_reason(cursor: ViewCursor, council_code: str | None = None, team: str | None = None) -> dict[str, int]:
    """How many carers' involvement ended, by the reason it ended (for one council and/or team or all)."""
    where, params = _where(council_code, team)
    where = f"{where} AND" if where else "WHERE"
    rows = cursor.execute(
        f"SELECT involvement_end_reason, COUNT(*) FROM {REGISTER} {where} involvement_end_reason IS NOT NULL "
        "GROUP BY involvement_end_reason ORDER BY involvement_end_reason",
        params,
    ).fetchall()
    return {reason: int(count) for reason, count in rows}


def carers(
    cursor: ViewCursor, *, team: str | None = None, council_person_id: str | None = None, limit: int
) -> list[CarerRow]:
    """The register's rows (of one team, of one carer across the adults they care for, or all),
    by case and carer."""
    where, params = _where(None, team)
    if council_person_id is not None:
        where = (where + " AND " if where else "WHERE ") + "council_person_id = ?"
        params.append(council_person_id)
    return select(cursor, CarerRow, REGISTER, where + " ORDER BY case_id, carer_id LIMIT ?", (*params, limit))
