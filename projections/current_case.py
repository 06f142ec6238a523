"""The current case: one row per case with the figures a worker's screen opens on.

Built from events alone. Columns that depend on several people (carers outstanding, eligible
people, the budget total) are worked out from two small side tables kept by the same handlers:
one row per person and one per budget challenge, plus one per review for the next review due.

Left out on purpose: ``stage`` and ``stage_entered_at``. The stage is derived from the whole case
(``domain.case.stage.current_stage``); copying that derivation into SQL would be a second
implementation free to drift from the first, and no event names the stage.
"""

from __future__ import annotations

import json
from typing import Any

from domain.case.state import FINISHED_FOR_GATE
from domain.vocabulary import ReviewOutcome, SignOffOutcome
from projections.base import Projection
from projections.store import ViewCursor

CASE = "view_current_case"
PERSON = "view_current_case_person"
CHALLENGE = "view_current_case_challenge"
REVIEW = "view_current_case_review"

APPROVED = (SignOffOutcome.APPROVED, SignOffOutcome.APPROVED_WITH_CHANGES)
CARER_FINISHED = tuple(sorted(s.value for s in FINISHED_FOR_GATE["carer"]))


def _case_id(event: Any) -> str:
    return event.originator_id.hex


class CurrentCaseView(Projection):
    name = "current_case"
    tables = (CASE, PERSON, CHALLENGE, REVIEW)

    def create_tables(self, cursor: ViewCursor) -> None:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {CASE} ("
            "case_id TEXT PRIMARY KEY, council_code TEXT NOT NULL, team TEXT NOT NULL, "
            "adult_id TEXT NOT NULL, adult_name TEXT NOT NULL, "
            "carers_identified INTEGER NOT NULL DEFAULT 0, carers_outstanding INTEGER NOT NULL DEFAULT 0, "
            "eligible_people INTEGER NOT NULL DEFAULT 0, budget_total_pence BIGINT NOT NULL DEFAULT 0, "
            "next_review_due TEXT, closed INTEGER NOT NULL DEFAULT 0, "
            "version BIGINT NOT NULL, updated_at TEXT NOT NULL)"
        )
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {PERSON} ("
            "case_id TEXT NOT NULL, person_id TEXT NOT NULL, kind TEXT NOT NULL, "
            "young_carer INTEGER NOT NULL DEFAULT 0, assessment TEXT NOT NULL, "
            "assessment_completed_version BIGINT, eligible INTEGER, indicative_pence BIGINT, "
            "cap_override_pence BIGINT, approved_pence BIGINT, PRIMARY KEY (case_id, person_id))"
        )
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {CHALLENGE} ("
            "case_id TEXT NOT NULL, person_id TEXT NOT NULL, raised_version BIGINT NOT NULL, "
            "challenge_id TEXT NOT NULL, resolved INTEGER NOT NULL DEFAULT 0, revised_pence BIGINT, "
            "PRIMARY KEY (case_id, person_id, raised_version))"
        )
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {REVIEW} ("
            "case_id TEXT NOT NULL, review_id TEXT NOT NULL, person_ids TEXT NOT NULL, due_on TEXT NOT NULL, "
            "completed INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (case_id, review_id))"
        )

    def handle(self, cursor: ViewCursor, event: Any, notification_id: int) -> bool:
        handled = super().handle(cursor, event, notification_id)
        if hasattr(event, "command_id"):
            # Every case event moves the row's version on, whether or not it changes a figure.
            self._refresh(cursor, event)
        return handled

    # Helpers -------------------------------------------------------------------------------------

    @staticmethod
    def _person(cursor: ViewCursor, event: Any, person_id: str, assignments: str, params: tuple[Any, ...]) -> None:
        cursor.execute(f"UPDATE {PERSON} SET {assignments} WHERE case_id = ? AND person_id = ?",
                       (*params, _case_id(event), person_id))

    def _assessment(self, cursor: ViewCursor, event: Any, person_id: str, status: str) -> None:
        self._person(cursor, event, person_id, "assessment = ?", (status,))

    def _completed(self, cursor: ViewCursor, event: Any, person_id: str) -> None:
        # A fresh assessment supersedes the decisions built on the old one (domain _reopen_decisions).
        self._person(cursor, event, person_id,
                     "assessment = 'completed', assessment_completed_version = ?, eligible = NULL, "
                     "indicative_pence = NULL, cap_override_pence = NULL, approved_pence = NULL",
                     (event.originator_version,))

    def _refresh(self, cursor: ViewCursor, event: Any) -> None:
        case_id = _case_id(event)
        carers, outstanding, eligible = cursor.execute(
            f"SELECT COALESCE(SUM(CASE WHEN kind = 'carer' THEN 1 ELSE 0 END), 0), "
            f"COALESCE(SUM(CASE WHEN kind = 'carer' AND young_carer = 0 AND assessment NOT IN (?, ?) "
            f"THEN 1 ELSE 0 END), 0), "
            f"COALESCE(SUM(CASE WHEN eligible = 1 THEN 1 ELSE 0 END), 0) FROM {PERSON} WHERE case_id = ?",
            (*CARER_FINISHED, case_id),
        ).fetchone() or (0, 0, 0)
        total = sum(self._current_budget(cursor, case_id, row) for row in cursor.execute(
            f"SELECT person_id, assessment_completed_version, approved_pence, cap_override_pence, indicative_pence "
            f"FROM {PERSON} WHERE case_id = ? ORDER BY person_id", (case_id,)).fetchall())
        due = cursor.execute(f"SELECT MIN(due_on) FROM {REVIEW} WHERE case_id = ? AND completed = 0",
                             (case_id,)).fetchone()
        cursor.execute(
            f"UPDATE {CASE} SET carers_identified = ?, carers_outstanding = ?, eligible_people = ?, "
            "budget_total_pence = ?, next_review_due = ?, version = ?, updated_at = ? WHERE case_id = ?",
            (int(carers), int(outstanding), int(eligible), total, due[0] if due else None,
             event.originator_version, event.timestamp.isoformat(), case_id),
        )

    @staticmethod
    def _current_budget(cursor: ViewCursor, case_id: str, row: tuple[Any, ...]) -> int:
        """``domain.case.decisions.current_budget_pence``, from the side tables."""
        person_id, completed_version, approved, override, indicative = row
        if approved is not None:
            return int(approved)
        revised = cursor.execute(
            f"SELECT revised_pence FROM {CHALLENGE} WHERE case_id = ? AND person_id = ? AND resolved = 1 "
            "AND revised_pence IS NOT NULL AND raised_version > ? ORDER BY raised_version DESC LIMIT 1",
            (case_id, person_id, completed_version or 0),
        ).fetchone()
        if revised is not None:
            return int(revised[0])
        if override is not None:
            return int(override)
        return int(indicative or 0)

    # Handlers ------------------------------------------------------------------------------------

    def on_ReferralReceived(self, cursor: ViewCursor, event: Any, notification_id: int) -> None:
        cursor.execute(
            f"INSERT INTO {CASE} (case_id, council_code, team, adult_id, adult_name, version, updated_at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?)",
            (_case_id(event), event.council_code, event.team, event.adult_id, event.adult_name,
             event.originator_version, event.timestamp.isoformat()),
        )
        cursor.execute(f"INSERT INTO {PERSON} (case_id, person_id, kind, assessment) VALUES (?, ?, 'adult', ?)",
                       (_case_id(event), event.adult_id, "not_started"))

    def on_CarerIdentified(self, cursor: ViewCursor, event: Any, notification_id: int) -> None:
        cursor.execute(
            f"INSERT INTO {PERSON} (case_id, person_id, kind, young_carer, assessment) VALUES (?, ?, 'carer', ?, ?)",
            (_case_id(event), event.carer_id, int(event.young_carer), "not_started"),
        )

    def on_CarerAssessmentOffered(self, cursor: ViewCursor, event: Any, notification_id: int) -> None:
        self._assessment(cursor, event, event.carer_id, "offered")

    def on_CarerAssessmentAccepted(self, cursor: ViewCursor, event: Any, notification_id: int) -> None:
        self._assessment(cursor, event, event.carer_id, "accepted")

    def on_CarerAssessmentDeclined(self, cursor: ViewCursor, event: Any, notification_id: int) -> None:
        self._assessment(cursor, event, event.carer_id, "declined")

    def on_CarerAssessmentRequested(self, cursor: ViewCursor, event: Any, notification_id: int) -> None:
        self._assessment(cursor, event, event.carer_id, "requested")

    def on_CarerAssessmentStarted(self, cursor: ViewCursor, event: Any, notification_id: int) -> None:
        self._assessment(cursor, event, event.carer_id, "in_progress")

    def on_CarerAssessmentCompleted(self, cursor: ViewCursor, event: Any, notification_id: int) -> None:
        self._completed(cursor, event, event.carer_id)

    def _adult_id(self, cursor: ViewCursor, event: Any) -> str:
        row = cursor.execute(f"SELECT adult_id FROM {CASE} WHERE case_id = ?", (_case_id(event),)).fetchone()
        assert row is not None, f"case {_case_id(event)} has no referral in the view"
        return str(row[0])

    def on_NeedsAssessmentStarted(self, cursor: ViewCursor, event: Any, notification_id: int) -> None:
        self._assessment(cursor, event, self._adult_id(cursor, event), "in_progress")

    def on_NeedsAssessmentCompleted(self, cursor: ViewCursor, event: Any, notification_id: int) -> None:
        self._completed(cursor, event, self._adult_id(cursor, event))

    def on_NeedsAssessmentRefused(self, cursor: ViewCursor, event: Any, notification_id: int) -> None:
        if event.duty_ends:
            self._assessment(cursor, event, self._adult_id(cursor, event), "refused")

    def on_NeedsAssessmentRequested(self, cursor: ViewCursor, event: Any, notification_id: int) -> None:
        self._assessment(cursor, event, self._adult_id(cursor, event), "requested")

    def on_EligibilityDetermined(self, cursor: ViewCursor, event: Any, notification_id: int) -> None:
        self._person(cursor, event, event.person_id,
                     "eligible = ?, indicative_pence = NULL, cap_override_pence = NULL",
                     (int(event.determination.eligible),))

    def on_IndicativeBudgetCalculated(self, cursor: ViewCursor, event: Any, notification_id: int) -> None:
        self._person(cursor, event, event.person_id, "indicative_pence = ?, cap_override_pence = NULL",
                     (event.calculation.indicative_pence,))

    def on_BudgetCapOverridden(self, cursor: ViewCursor, event: Any, notification_id: int) -> None:
        self._person(cursor, event, event.person_id, "cap_override_pence = ?", (event.approved_pence,))

    def on_BudgetChallenged(self, cursor: ViewCursor, event: Any, notification_id: int) -> None:
        cursor.execute(
            f"INSERT INTO {CHALLENGE} (case_id, person_id, raised_version, challenge_id) VALUES (?, ?, ?, ?)",
            (_case_id(event), event.person_id, event.originator_version, event.challenge_id),
        )

    def on_ChallengeResolved(self, cursor: ViewCursor, event: Any, notification_id: int) -> None:
        cursor.execute(
            f"UPDATE {CHALLENGE} SET resolved = 1, revised_pence = ? "
            "WHERE case_id = ? AND person_id = ? AND challenge_id = ?",
            (event.revised_pence, _case_id(event), event.person_id, event.challenge_id),
        )
        if event.revised_pence is not None:
            self._person(cursor, event, event.person_id,
                         "approved_pence = CASE WHEN approved_pence IS NULL THEN NULL ELSE ? END",
                         (event.revised_pence,))

    def on_SupportPlanRevised(self, cursor: ViewCursor, event: Any, notification_id: int) -> None:
        self._person(cursor, event, event.person_id, "approved_pence = NULL", ())

    def on_SignOffDecisionRecorded(self, cursor: ViewCursor, event: Any, notification_id: int) -> None:
        if event.outcome in APPROVED:
            self._person(cursor, event, event.person_id, "approved_pence = ?", (event.approved_pence,))

    def on_ReviewScheduled(self, cursor: ViewCursor, event: Any, notification_id: int) -> None:
        self._review(cursor, event)

    def on_ReviewRequested(self, cursor: ViewCursor, event: Any, notification_id: int) -> None:
        self._review(cursor, event)

    def _review(self, cursor: ViewCursor, event: Any) -> None:
        cursor.execute(
            f"INSERT INTO {REVIEW} (case_id, review_id, person_ids, due_on, completed) VALUES (?, ?, ?, ?, 0) "
            "ON CONFLICT (case_id, review_id) DO UPDATE SET person_ids = excluded.person_ids, "
            "due_on = excluded.due_on, completed = 0",
            (_case_id(event), event.review_id, json.dumps(list(event.person_ids)), event.due_on.isoformat()),
        )

    def on_ReviewCompleted(self, cursor: ViewCursor, event: Any, notification_id: int) -> None:
        case_id = _case_id(event)
        row = cursor.execute(f"SELECT person_ids FROM {REVIEW} WHERE case_id = ? AND review_id = ?",
                             (case_id, event.review_id)).fetchone()
        cursor.execute(f"UPDATE {REVIEW} SET completed = 1 WHERE case_id = ? AND review_id = ?",
                       (case_id, event.review_id))
        if event.outcome == ReviewOutcome.REASSESS and row is not None:
            # A budget is never cut without a reassessment: each person goes back through the gate.
            for person_id in json.loads(row[0]):
                self._assessment(cursor, event, person_id, "requested")

    def on_CaseClosed(self, cursor: ViewCursor, event: Any, notification_id: int) -> None:
        cursor.execute(f"UPDATE {CASE} SET closed = 1 WHERE case_id = ?", (_case_id(event),))
