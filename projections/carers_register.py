"""The carers register: one row per carer identified on any case, from identification to support.

It answers what the Carers Trust review (2012) found councils could not say: how many carers
they identified, told of their right to an assessment, offered one, saw decline, assessed, found
eligible, and supported in their own right — and how many young carers they referred on to
children's services. ``register_figures`` gives those counts in the council's words.

Columns (times are when the event was recorded, ISO 8601; NULL = has not happened):

- ``case_id``, ``carer_id``: the case (hex) and the carer's id on it.
- ``young_carer``: 1 if the carer was under 18 when identified (adult carer rules never apply).
- ``team``, ``council_code``: from the referral that opened the case.
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
- ``updated_at``: when the last event that changed any other column of this row was recorded.

Side tables (same handlers, never read from outside): the case's council, team and closure; each
direct payment agreement's person and whether it has ended; each review's people (a review's
completion names only the review).
"""

from __future__ import annotations

import json
from typing import Any

from domain.vocabulary import ReviewOutcome, SignOffOutcome
from projections.base import Projection
from projections.store import ViewCursor

REGISTER = "view_carers_register"
CASE = "view_carers_register_case"
AGREEMENT = "view_carers_register_agreement"
REVIEW = "view_carers_register_review"

APPROVED = (SignOffOutcome.APPROVED, SignOffOutcome.APPROVED_WITH_CHANGES)

# Every column but the keys and updated_at: a change in any of them moves updated_at on.
FIGURES = (
    "young_carer",
    "team",
    "council_code",
    "identified_at",
    "referred_to_childrens_services_at",
    "told_of_right_at",
    "offered_at",
    "declined",
    "last_declined_at",
    "requested_at",
    "assessment",
    "assessed_at",
    "eligible",
    "supported",
    "support_pence",
)


def _case_id(event: Any) -> str:
    return event.originator_id.hex


class CarersRegisterView(Projection):
    """One row per identified carer; the module docstring gives every column.

    What ``supported`` means: the council is meeting the carer's needs in their own right *now*.
    That is, the case is open and either

    - a sign-off of the carer's own support plan stands (an approved personal budget, whether held
      as a direct payment, by the council, in an individual service fund or a managed account), or
    - a direct payment agreement made for the carer has not ended (a suspended one still counts:
      the agreement stands, only the payments pause; this covers a carer whose plan is being
      revised or who is being reassessed while payments carry on).

    Not counted: support arranged in the adult's plan for the carer's benefit (replacement care so
    the carer can take a break) — that is the adult's support, reported as theirs; an indicative
    budget or a submitted plan not yet signed off; a deferred or declined plan. A revised plan or a
    fresh assessment lifts the sign-off until the next one (as on the case); closing the case ends
    support, and stops every agreement.
    """

    name = "carers_register"
    tables = (REGISTER, CASE, AGREEMENT, REVIEW)

    def create_tables(self, cursor: ViewCursor) -> None:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {REGISTER} ("
            "case_id TEXT NOT NULL, carer_id TEXT NOT NULL, young_carer INTEGER NOT NULL, "
            "team TEXT NOT NULL, council_code TEXT NOT NULL, identified_at TEXT NOT NULL, "
            "referred_to_childrens_services_at TEXT, told_of_right_at TEXT, offered_at TEXT, "
            "declined INTEGER NOT NULL DEFAULT 0, last_declined_at TEXT, requested_at TEXT, "
            "assessment TEXT NOT NULL, assessed_at TEXT, eligible INTEGER, "
            "supported INTEGER NOT NULL DEFAULT 0, support_pence BIGINT, updated_at TEXT NOT NULL, "
            "PRIMARY KEY (case_id, carer_id))"
        )
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {CASE} ("
            "case_id TEXT PRIMARY KEY, council_code TEXT NOT NULL, team TEXT NOT NULL, "
            "closed INTEGER NOT NULL DEFAULT 0)"
        )
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {AGREEMENT} ("
            "case_id TEXT NOT NULL, agreement_id TEXT NOT NULL, person_id TEXT NOT NULL, "
            "ended INTEGER NOT NULL DEFAULT 0, PRIMARY KEY (case_id, agreement_id))"
        )
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {REVIEW} ("
            "case_id TEXT NOT NULL, review_id TEXT NOT NULL, person_ids TEXT NOT NULL, "
            "PRIMARY KEY (case_id, review_id))"
        )

    def handle(self, cursor: ViewCursor, event: Any, notification_id: int) -> bool:
        handler = self.handler_for(event)
        if handler is None:
            return False
        case_id = _case_id(event)
        before = self._figures(cursor, case_id)
        handler(cursor, event, notification_id)
        self._settle_support(cursor, case_id)
        # updated_at moves only for the rows this event changed: a timestamp on an unchanged row
        # would claim a change that did not happen.
        for carer_id, figures in self._figures(cursor, case_id).items():
            if before.get(carer_id) != figures:
                cursor.execute(
                    f"UPDATE {REGISTER} SET updated_at = ? WHERE case_id = ? AND carer_id = ?",
                    (event.timestamp.isoformat(), case_id, carer_id),
                )
        return True

    # Helpers -------------------------------------------------------------------------------------

    @staticmethod
    def _figures(cursor: ViewCursor, case_id: str) -> dict[str, tuple[Any, ...]]:
        rows = cursor.execute(
            f"SELECT carer_id, {', '.join(FIGURES)} FROM {REGISTER} WHERE case_id = ?", (case_id,)
        ).fetchall()
        return {row[0]: row[1:] for row in rows}

    @staticmethod
    def _carer(cursor: ViewCursor, event: Any, carer_id: str, assignments: str, params: tuple[Any, ...]) -> None:
        # Events about a person may be about the adult: they match no row here and change nothing.
        cursor.execute(
            f"UPDATE {REGISTER} SET {assignments} WHERE case_id = ? AND carer_id = ?",
            (*params, _case_id(event), carer_id),
        )

    @staticmethod
    def _settle_support(cursor: ViewCursor, case_id: str) -> None:
        """``supported`` from what stands now: the case open, and a sign-off or a live agreement."""
        cursor.execute(
            f"UPDATE {REGISTER} SET supported = CASE WHEN "
            f"(SELECT closed FROM {CASE} WHERE {CASE}.case_id = {REGISTER}.case_id) = 0 AND "
            f"(support_pence IS NOT NULL OR EXISTS (SELECT 1 FROM {AGREEMENT} a "
            f"WHERE a.case_id = {REGISTER}.case_id AND a.person_id = {REGISTER}.carer_id AND a.ended = 0)) "
            "THEN 1 ELSE 0 END WHERE case_id = ?",
            (case_id,),
        )

    # Handlers: the case --------------------------------------------------------------------------

    def on_ReferralReceived(self, cursor: ViewCursor, event: Any, notification_id: int) -> None:
        cursor.execute(
            f"INSERT INTO {CASE} (case_id, council_code, team) VALUES (?, ?, ?)",
            (_case_id(event), event.council_code, event.team),
        )

    def on_CaseClosed(self, cursor: ViewCursor, event: Any, notification_id: int) -> None:
        # Closing a case stops every agreement on it (domain CaseClosed.apply).
        cursor.execute(f"UPDATE {CASE} SET closed = 1 WHERE case_id = ?", (_case_id(event),))
        cursor.execute(f"UPDATE {AGREEMENT} SET ended = 1 WHERE case_id = ?", (_case_id(event),))

    # Handlers: identification, the offer and its answers -----------------------------------------

    def on_CarerIdentified(self, cursor: ViewCursor, event: Any, notification_id: int) -> None:
        case_id = _case_id(event)
        council_code, team = cursor.execute(
            f"SELECT council_code, team FROM {CASE} WHERE case_id = ?", (case_id,)
        ).fetchone() or ("", "")
        at = event.timestamp.isoformat()
        cursor.execute(
            f"INSERT INTO {REGISTER} (case_id, carer_id, young_carer, team, council_code, identified_at, "
            "assessment, updated_at) VALUES (?, ?, ?, ?, ?, ?, 'not_started', ?)",
            (case_id, event.carer_id, int(event.young_carer), team, council_code, at, at),
        )

    def on_YoungCarerReferredToChildrensServices(self, cursor: ViewCursor, event: Any, notification_id: int) -> None:
        self._carer(
            cursor, event, event.carer_id, "referred_to_childrens_services_at = ?", (event.timestamp.isoformat(),)
        )

    def on_CarerAssessmentOffered(self, cursor: ViewCursor, event: Any, notification_id: int) -> None:
        at = event.timestamp.isoformat()
        self._carer(
            cursor,
            event,
            event.carer_id,
            "assessment = 'offered', offered_at = COALESCE(offered_at, ?), "
            "told_of_right_at = COALESCE(told_of_right_at, ?)",
            (at, at if event.told_of_right else None),
        )

    def on_CarerAssessmentAccepted(self, cursor: ViewCursor, event: Any, notification_id: int) -> None:
        self._carer(cursor, event, event.carer_id, "assessment = 'accepted'", ())

    def on_CarerAssessmentDeclined(self, cursor: ViewCursor, event: Any, notification_id: int) -> None:
        self._carer(
            cursor,
            event,
            event.carer_id,
            "assessment = 'declined', declined = declined + 1, last_declined_at = ?",
            (event.timestamp.isoformat(),),
        )

    def on_CarerAssessmentRequested(self, cursor: ViewCursor, event: Any, notification_id: int) -> None:
        self._carer(
            cursor, event, event.carer_id, "assessment = 'requested', requested_at = ?", (event.timestamp.isoformat(),)
        )

    # Handlers: assessment and decisions ----------------------------------------------------------

    def on_CarerAssessmentStarted(self, cursor: ViewCursor, event: Any, notification_id: int) -> None:
        self._carer(cursor, event, event.carer_id, "assessment = 'in_progress'", ())

    def on_CarerAssessmentCompleted(self, cursor: ViewCursor, event: Any, notification_id: int) -> None:
        # A fresh assessment supersedes the decisions built on the old one (domain _reopen_decisions).
        self._carer(
            cursor,
            event,
            event.carer_id,
            "assessment = 'completed', assessed_at = ?, eligible = NULL, support_pence = NULL",
            (event.timestamp.isoformat(),),
        )

    def on_EligibilityDetermined(self, cursor: ViewCursor, event: Any, notification_id: int) -> None:
        self._carer(cursor, event, event.person_id, "eligible = ?", (int(event.determination.eligible),))

    def on_SignOffDecisionRecorded(self, cursor: ViewCursor, event: Any, notification_id: int) -> None:
        if event.outcome in APPROVED:
            self._carer(cursor, event, event.person_id, "support_pence = ?", (event.approved_pence,))

    def on_ChallengeResolved(self, cursor: ViewCursor, event: Any, notification_id: int) -> None:
        # A revision replaces the approved amount only where a sign-off stands.
        if event.revised_pence is not None:
            self._carer(
                cursor,
                event,
                event.person_id,
                "support_pence = CASE WHEN support_pence IS NULL THEN NULL ELSE ? END",
                (event.revised_pence,),
            )

    def on_SupportPlanRevised(self, cursor: ViewCursor, event: Any, notification_id: int) -> None:
        self._carer(cursor, event, event.person_id, "support_pence = NULL", ())

    # Handlers: direct payments -------------------------------------------------------------------

    def on_DirectPaymentAgreementMade(self, cursor: ViewCursor, event: Any, notification_id: int) -> None:
        cursor.execute(
            f"INSERT INTO {AGREEMENT} (case_id, agreement_id, person_id) VALUES (?, ?, ?)",
            (_case_id(event), event.agreement_id, event.person_id),
        )

    def on_DirectPaymentAgreementEnded(self, cursor: ViewCursor, event: Any, notification_id: int) -> None:
        cursor.execute(
            f"UPDATE {AGREEMENT} SET ended = 1 WHERE case_id = ? AND agreement_id = ?",
            (_case_id(event), event.agreement_id),
        )

    # Handlers: reviews ---------------------------------------------------------------------------

    def on_ReviewScheduled(self, cursor: ViewCursor, event: Any, notification_id: int) -> None:
        self._review(cursor, event)

    def on_ReviewRequested(self, cursor: ViewCursor, event: Any, notification_id: int) -> None:
        self._review(cursor, event)

    @staticmethod
    def _review(cursor: ViewCursor, event: Any) -> None:
        cursor.execute(
            f"INSERT INTO {REVIEW} (case_id, review_id, person_ids) VALUES (?, ?, ?) "
            "ON CONFLICT (case_id, review_id) DO UPDATE SET person_ids = excluded.person_ids",
            (_case_id(event), event.review_id, json.dumps(list(event.person_ids))),
        )

    def on_ReviewCompleted(self, cursor: ViewCursor, event: Any, notification_id: int) -> None:
        if event.outcome != ReviewOutcome.REASSESS:
            return
        row = cursor.execute(
            f"SELECT person_ids FROM {REVIEW} WHERE case_id = ? AND review_id = ?", (_case_id(event), event.review_id)
        ).fetchone()
        # A budget is never cut without a reassessment: each carer reviewed is outstanding again.
        for person_id in json.loads(row[0]) if row else []:
            self._carer(cursor, event, person_id, "assessment = 'requested'", ())


# The figures a council reports, in its own words, and the column test that counts each.
FIGURE_TESTS: dict[str, str] = {
    "carers_identified": "1 = 1",
    "carers_told_of_their_right_to_an_assessment": "told_of_right_at IS NOT NULL",
    "carers_offered_an_assessment": "offered_at IS NOT NULL",
    "carers_who_declined_an_assessment": "declined > 0",
    "carers_assessed": "assessed_at IS NOT NULL",
    "carers_with_eligible_needs": "eligible = 1",
    "carers_supported_in_their_own_right": "supported = 1",
    "young_carers_referred_to_childrens_services": "referred_to_childrens_services_at IS NOT NULL",
}


def register_figures(cursor: ViewCursor, council_code: str | None = None, team: str | None = None) -> dict[str, int]:
    """The register's counts of carers (people, not events), for one council and/or team or all.

    - carers_identified: every carer identified, young carers included;
    - carers_told_of_their_right_to_an_assessment: told of their right to a carer's assessment;
    - carers_offered_an_assessment: offered a carer's assessment;
    - carers_who_declined_an_assessment: declined at least once (even if they asked again later);
    - carers_assessed: had a carer's assessment completed;
    - carers_with_eligible_needs: found eligible by the determination standing now;
    - carers_supported_in_their_own_right: supported now (see ``CarersRegisterView``);
    - young_carers_referred_to_childrens_services: carers under 18 referred on.
    """
    where, params = ["1 = 1"], []
    if council_code is not None:
        where.append("council_code = ?")
        params.append(council_code)
    if team is not None:
        where.append("team = ?")
        params.append(team)
    columns = ", ".join(f"COALESCE(SUM(CASE WHEN {test} THEN 1 ELSE 0 END), 0)" for test in FIGURE_TESTS.values())
    row = cursor.execute(f"SELECT {columns} FROM {REGISTER} WHERE {' AND '.join(where)}", params).fetchone()
    return {name: int(value) for name, value in zip(FIGURE_TESTS, row or (0,) * len(FIGURE_TESTS), strict=True)}
