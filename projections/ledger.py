"""The budget ledger: the money on each case — allocated, committed, paid, recovered — and every
movement that made those figures, so finance can reconcile a case line by line.

Each figure is the one the case itself holds (``CaseState``), worked out from events alone.

``view_budget_ledger``, one row per case (amounts in pence):

- ``case_id``, ``council_code``, ``team``: the case (hex) and where it was referred.
- ``allocated_pence``: the personal budgets approved and standing now: the sum, over the adult and
  each carer with a sign-off standing, of the approved amount (as revised by an upheld challenge)
  — ``domain.case.decisions.current_budget_pence`` of each person who has a sign-off. A revised
  plan or a fresh assessment lifts a person's sign-off until the next one. Not cut on closure: it
  is what was approved.
- ``committed_pence``: what the council is bound to pay a year under arrangements in force now:
  each direct payment agreement not ended, at its amount per payment times payments a year
  (``domain.planning.PERIODS_PER_YEAR``; a one-off counts once), plus, for each person with a
  sign-off standing whose plan is not held as a direct payment (council-managed, individual service
  fund, third-party managed account), the approved amount — the council arranges that support
  itself, so signing the plan off commits it; for a plan held as a mix, the approved amount less
  the plan's own direct payment a year (never below 0), the direct payment part being committed by
  its agreement. A closed case commits nothing (closure stops every agreement).
- ``paid_pence``: direct payments issued (a back-dated start's catch-up included) less those that
  failed (``Agreement.paid_pence`` summed).
- ``failed_payments``: how many issued payments failed (a slot reissued and failed again counts twice).
- ``suspended``: 1 while direct payments under any agreement on the case are suspended. Slots that
  fall due during a suspension are skipped by the payments workflow, which records nothing on the
  case for them (``workflows/payments.py``), so the ledger cannot show a skipped amount.
- ``underspent_pence``: underspend reported by monitoring returns, summed.
- ``recovered_pence``: unspent funds recovered (s.33), summed.
- ``closed``: 1 once the case is closed.
- ``updated_at``: when the last event that changed any other column of the row was recorded.

``view_budget_ledger_entry``, one row per movement of a figure above (``case_id``, ``version`` of the
event, ``seq`` within the event, ``kind``, ``person_id``, ``agreement_id``, ``amount_pence``, ``at``
= when the event was recorded). ``amount_pence`` is signed: it is the change the movement made to
its figure, so each figure is the sum of its entries:

- ``allocated`` (person): change in the person's approved budget — a sign-off (+), a challenge's
  revision (+/-), a revised plan or a fresh assessment lifting the sign-off (-).
- ``committed`` (person, and the agreement when the event names one): change in what the person's
  arrangements commit a year — an agreement made (+) or ended (-), a sign-off of a plan the council
  holds (+), closure (-).
- ``paid`` (+) and ``failed`` (-) (agreement and its person): together they make ``paid_pence``.
- ``underspend_reported`` (+, agreement): the underspend a monitoring return reported (0 included:
  each return is a line).
- ``recovered`` (+, agreement): funds recovered.
- ``suspended`` / ``resumed`` (agreement): no money moves; ``amount_pence`` is NULL.

Side tables kept by the same handlers: ``view_budget_ledger_person`` (each person's approved amount,
how their plan is held, and their last allocated and committed figures, from which entries are the
differences) and ``view_budget_ledger_agreement`` (each agreement's person, yearly value, status and
running sums).
"""

from __future__ import annotations

from typing import Any

from domain.planning import PERIODS_PER_YEAR
from domain.vocabulary import BudgetManagement, SignOffOutcome
from projections.base import Projection
from projections.store import ViewCursor

LEDGER = "view_budget_ledger"
ENTRY = "view_budget_ledger_entry"
PERSON = "view_budget_ledger_person"
AGREEMENT = "view_budget_ledger_agreement"

APPROVED = (SignOffOutcome.APPROVED, SignOffOutcome.APPROVED_WITH_CHANGES)
FIGURES = (
    "allocated_pence",
    "committed_pence",
    "paid_pence",
    "failed_payments",
    "suspended",
    "underspent_pence",
    "recovered_pence",
    "closed",
)


def _case_id(event: Any) -> str:
    return event.originator_id.hex


def committed_by_person(
    approved: int | None,
    management: str | None,
    plan_direct_payment_a_year: int | None,
    agreements_a_year: int,
    closed: bool,
) -> int:
    """What one person's arrangements commit a year (see ``committed_pence`` above)."""
    if closed:
        return 0
    held = 0
    if approved is not None and management is not None:
        if management == BudgetManagement.MIX.value:
            held = max(approved - (plan_direct_payment_a_year or 0), 0)
        elif management != BudgetManagement.DIRECT_PAYMENT.value:
            held = approved
    return agreements_a_year + held


class BudgetLedgerView(Projection):
    name = "budget_ledger"
    tables = (LEDGER, ENTRY, PERSON, AGREEMENT)

    def create_tables(self, cursor: ViewCursor) -> None:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {LEDGER} ("
            "case_id TEXT PRIMARY KEY, council_code TEXT NOT NULL, team TEXT NOT NULL, "
            "allocated_pence BIGINT NOT NULL DEFAULT 0, committed_pence BIGINT NOT NULL DEFAULT 0, "
            "paid_pence BIGINT NOT NULL DEFAULT 0, failed_payments INTEGER NOT NULL DEFAULT 0, "
            "suspended INTEGER NOT NULL DEFAULT 0, underspent_pence BIGINT NOT NULL DEFAULT 0, "
            "recovered_pence BIGINT NOT NULL DEFAULT 0, closed INTEGER NOT NULL DEFAULT 0, "
            "updated_at TEXT NOT NULL)"
        )
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {ENTRY} ("
            "case_id TEXT NOT NULL, version BIGINT NOT NULL, seq INTEGER NOT NULL, kind TEXT NOT NULL, "
            "person_id TEXT, agreement_id TEXT, amount_pence BIGINT, at TEXT NOT NULL, "
            "PRIMARY KEY (case_id, version, seq))"
        )
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {PERSON} ("
            "case_id TEXT NOT NULL, person_id TEXT NOT NULL, kind TEXT NOT NULL, approved_pence BIGINT, "
            "management TEXT, plan_direct_payment_a_year_pence BIGINT, "
            "allocated_pence BIGINT NOT NULL DEFAULT 0, committed_pence BIGINT NOT NULL DEFAULT 0, "
            "PRIMARY KEY (case_id, person_id))"
        )
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {AGREEMENT} ("
            "case_id TEXT NOT NULL, agreement_id TEXT NOT NULL, person_id TEXT NOT NULL, "
            "a_year_pence BIGINT NOT NULL, status TEXT NOT NULL, paid_pence BIGINT NOT NULL DEFAULT 0, "
            "failed_payments INTEGER NOT NULL DEFAULT 0, underspent_pence BIGINT NOT NULL DEFAULT 0, "
            "recovered_pence BIGINT NOT NULL DEFAULT 0, PRIMARY KEY (case_id, agreement_id))"
        )

    def handle(self, cursor: ViewCursor, event: Any, notification_id: int) -> bool:
        handler = self.handler_for(event)
        if handler is None:
            return False
        case_id = _case_id(event)
        before = self._figures(cursor, case_id)
        handler(cursor, event, notification_id)
        self._settle(cursor, event, case_id)
        if self._figures(cursor, case_id) != before:
            cursor.execute(
                f"UPDATE {LEDGER} SET updated_at = ? WHERE case_id = ?", (event.timestamp.isoformat(), case_id)
            )
        return True

    # Helpers -------------------------------------------------------------------------------------

    @staticmethod
    def _figures(cursor: ViewCursor, case_id: str) -> tuple[Any, ...] | None:
        return cursor.execute(f"SELECT {', '.join(FIGURES)} FROM {LEDGER} WHERE case_id = ?", (case_id,)).fetchone()

    @staticmethod
    def _entry(
        cursor: ViewCursor,
        event: Any,
        kind: str,
        person_id: str | None,
        agreement_id: str | None,
        amount_pence: int | None,
    ) -> None:
        case_id, version = _case_id(event), event.originator_version
        seq = cursor.execute(
            f"SELECT COUNT(*) FROM {ENTRY} WHERE case_id = ? AND version = ?", (case_id, version)
        ).fetchone()
        # A plain INSERT: applying an event twice fails loudly instead of doubling money.
        cursor.execute(
            f"INSERT INTO {ENTRY} (case_id, version, seq, kind, person_id, agreement_id, amount_pence, at) "
            "VALUES (?, ?, ?, ?, ?, ?, ?, ?)",
            (
                case_id,
                version,
                int(seq[0]) if seq else 0,
                kind,
                person_id,
                agreement_id,
                amount_pence,
                event.timestamp.isoformat(),
            ),
        )

    def _agreement_entry(self, cursor: ViewCursor, event: Any, kind: str, amount_pence: int | None) -> None:
        row = cursor.execute(
            f"SELECT person_id FROM {AGREEMENT} WHERE case_id = ? AND agreement_id = ?",
            (_case_id(event), event.agreement_id),
        ).fetchone()
        self._entry(cursor, event, kind, row[0] if row else None, event.agreement_id, amount_pence)

    def _agreement(self, cursor: ViewCursor, event: Any, assignments: str, params: tuple[Any, ...]) -> None:
        cursor.execute(
            f"UPDATE {AGREEMENT} SET {assignments} WHERE case_id = ? AND agreement_id = ?",
            (*params, _case_id(event), event.agreement_id),
        )

    @staticmethod
    def _person(cursor: ViewCursor, event: Any, person_id: str, assignments: str, params: tuple[Any, ...]) -> None:
        cursor.execute(
            f"UPDATE {PERSON} SET {assignments} WHERE case_id = ? AND person_id = ?",
            (*params, _case_id(event), person_id),
        )

    def _settle(self, cursor: ViewCursor, event: Any, case_id: str) -> None:
        """Work each person's allocated and committed figures out again, write an entry for each one
        that moved, then the case row's totals."""
        closed = bool(cursor.execute(f"SELECT closed FROM {LEDGER} WHERE case_id = ?", (case_id,)).fetchone()[0])
        agreements = cursor.execute(
            f"SELECT agreement_id, person_id, a_year_pence, status, paid_pence, failed_payments, underspent_pence, "
            f"recovered_pence FROM {AGREEMENT} WHERE case_id = ? ORDER BY agreement_id",
            (case_id,),
        ).fetchall()
        in_force: dict[str, int] = {}
        for _, person_id, a_year, status, *_ in agreements:
            if status != "stopped":
                in_force[person_id] = in_force.get(person_id, 0) + int(a_year)
        named = getattr(event, "agreement_id", None)
        owner = next((a[1] for a in agreements if a[0] == named), None)
        allocated_total = committed_total = 0
        for person_id, approved, management, plan_dp, was_allocated, was_committed in cursor.execute(
            f"SELECT person_id, approved_pence, management, plan_direct_payment_a_year_pence, allocated_pence, "
            f"committed_pence FROM {PERSON} WHERE case_id = ? ORDER BY person_id",
            (case_id,),
        ).fetchall():
            allocated = int(approved) if approved is not None else 0
            committed = committed_by_person(
                None if approved is None else int(approved),
                management,
                None if plan_dp is None else int(plan_dp),
                in_force.get(person_id, 0),
                closed,
            )
            if allocated != was_allocated:
                self._entry(cursor, event, "allocated", person_id, None, allocated - int(was_allocated))
            if committed != was_committed:
                self._entry(
                    cursor,
                    event,
                    "committed",
                    person_id,
                    named if owner == person_id else None,
                    committed - int(was_committed),
                )
            if (allocated, committed) != (was_allocated, was_committed):
                self._person(
                    cursor, event, person_id, "allocated_pence = ?, committed_pence = ?", (allocated, committed)
                )
            allocated_total += allocated
            committed_total += committed
        cursor.execute(
            f"UPDATE {LEDGER} SET allocated_pence = ?, committed_pence = ?, paid_pence = ?, failed_payments = ?, "
            "suspended = ?, underspent_pence = ?, recovered_pence = ? WHERE case_id = ?",
            (
                allocated_total,
                committed_total,
                sum(int(a[4]) for a in agreements),
                sum(int(a[5]) for a in agreements),
                int(any(a[3] == "suspended" for a in agreements)),
                sum(int(a[6]) for a in agreements),
                sum(int(a[7]) for a in agreements),
                case_id,
            ),
        )

    # Handlers: the case and its people -----------------------------------------------------------

    def on_ReferralReceived(self, cursor: ViewCursor, event: Any, notification_id: int) -> None:
        case_id = _case_id(event)
        cursor.execute(
            f"INSERT INTO {LEDGER} (case_id, council_code, team, updated_at) VALUES (?, ?, ?, ?)",
            (case_id, event.council_code, event.team, event.timestamp.isoformat()),
        )
        cursor.execute(
            f"INSERT INTO {PERSON} (case_id, person_id, kind) VALUES (?, ?, 'adult')", (case_id, event.adult_id)
        )

    def on_CarerIdentified(self, cursor: ViewCursor, event: Any, notification_id: int) -> None:
        cursor.execute(
            f"INSERT INTO {PERSON} (case_id, person_id, kind) VALUES (?, ?, 'carer')", (_case_id(event), event.carer_id)
        )

    def on_CaseClosed(self, cursor: ViewCursor, event: Any, notification_id: int) -> None:
        # Closure stops every agreement (domain CaseClosed.apply); _settle then drops what they committed.
        cursor.execute(f"UPDATE {LEDGER} SET closed = 1 WHERE case_id = ?", (_case_id(event),))
        cursor.execute(f"UPDATE {AGREEMENT} SET status = 'stopped' WHERE case_id = ?", (_case_id(event),))

    # Handlers: approved budgets ------------------------------------------------------------------

    def on_SupportPlanDrafted(self, cursor: ViewCursor, event: Any, notification_id: int) -> None:
        self._plan(cursor, event, lifts_sign_off=False)

    def on_SupportPlanRevised(self, cursor: ViewCursor, event: Any, notification_id: int) -> None:
        self._plan(cursor, event, lifts_sign_off=True)

    def _plan(self, cursor: ViewCursor, event: Any, *, lifts_sign_off: bool) -> None:
        plan = event.plan
        a_year = None
        if plan.direct_payment_pence is not None and plan.direct_payment_frequency is not None:
            a_year = plan.direct_payment_pence * PERIODS_PER_YEAR[plan.direct_payment_frequency]
        assignments = "management = ?, plan_direct_payment_a_year_pence = ?"
        if lifts_sign_off:
            assignments += ", approved_pence = NULL"
        self._person(cursor, event, event.person_id, assignments, (plan.management.value, a_year))

    def on_SignOffDecisionRecorded(self, cursor: ViewCursor, event: Any, notification_id: int) -> None:
        if event.outcome in APPROVED:
            self._person(cursor, event, event.person_id, "approved_pence = ?", (event.approved_pence,))

    def on_ChallengeResolved(self, cursor: ViewCursor, event: Any, notification_id: int) -> None:
        # A revision replaces the approved amount only where a sign-off stands (domain ChallengeResolved.apply).
        if event.revised_pence is not None:
            self._person(
                cursor,
                event,
                event.person_id,
                "approved_pence = CASE WHEN approved_pence IS NULL THEN NULL ELSE ? END",
                (event.revised_pence,),
            )

    def on_NeedsAssessmentCompleted(self, cursor: ViewCursor, event: Any, notification_id: int) -> None:
        # A fresh assessment lifts the sign-off built on the old one (domain _reopen_decisions).
        cursor.execute(
            f"UPDATE {PERSON} SET approved_pence = NULL WHERE case_id = ? AND kind = 'adult'", (_case_id(event),)
        )

    def on_CarerAssessmentCompleted(self, cursor: ViewCursor, event: Any, notification_id: int) -> None:
        self._person(cursor, event, event.carer_id, "approved_pence = NULL", ())

    # Handlers: direct payments -------------------------------------------------------------------

    def on_DirectPaymentAgreementMade(self, cursor: ViewCursor, event: Any, notification_id: int) -> None:
        cursor.execute(
            f"INSERT INTO {AGREEMENT} (case_id, agreement_id, person_id, a_year_pence, status) "
            "VALUES (?, ?, ?, ?, 'active')",
            (
                _case_id(event),
                event.agreement_id,
                event.person_id,
                event.amount_per_payment_pence * PERIODS_PER_YEAR[event.frequency],
            ),
        )

    def on_PaymentIssued(self, cursor: ViewCursor, event: Any, notification_id: int) -> None:
        self._agreement(cursor, event, "paid_pence = paid_pence + ?", (event.amount_pence,))
        self._agreement_entry(cursor, event, "paid", event.amount_pence)

    def on_ArrearsPaymentIssued(self, cursor: ViewCursor, event: Any, notification_id: int) -> None:
        # The catch-up for a back-dated start is paid money like any slot's payment.
        self.on_PaymentIssued(cursor, event, notification_id)

    def on_PaymentFailed(self, cursor: ViewCursor, event: Any, notification_id: int) -> None:
        self._agreement(
            cursor, event, "paid_pence = paid_pence - ?, failed_payments = failed_payments + 1", (event.amount_pence,)
        )
        self._agreement_entry(cursor, event, "failed", -event.amount_pence)

    def on_DirectPaymentsSuspended(self, cursor: ViewCursor, event: Any, notification_id: int) -> None:
        self._agreement(cursor, event, "status = 'suspended'", ())
        self._agreement_entry(cursor, event, "suspended", None)

    def on_DirectPaymentsResumed(self, cursor: ViewCursor, event: Any, notification_id: int) -> None:
        self._agreement(cursor, event, "status = 'active'", ())
        self._agreement_entry(cursor, event, "resumed", None)

    def on_DirectPaymentAgreementEnded(self, cursor: ViewCursor, event: Any, notification_id: int) -> None:
        self._agreement(cursor, event, "status = 'stopped'", ())

    def on_MonitoringReturnReceived(self, cursor: ViewCursor, event: Any, notification_id: int) -> None:
        self._agreement(cursor, event, "underspent_pence = underspent_pence + ?", (event.underspend_pence,))
        self._agreement_entry(cursor, event, "underspend_reported", event.underspend_pence)

    def on_UnspentFundsRecovered(self, cursor: ViewCursor, event: Any, notification_id: int) -> None:
        self._agreement(cursor, event, "recovered_pence = recovered_pence + ?", (event.amount_pence,))
        self._agreement_entry(cursor, event, "recovered", event.amount_pence)
