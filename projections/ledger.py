"""The budget ledger: the money on each case — allocated, committed, paid, recovered — and every
movement that made those figures, so finance can reconcile a case line by line.

Each figure is read from the case's state as the event leaves it (``CaseState``, decision 0009):
the ledger never works out for itself whether a sign-off stands or an agreement is in force. Only
the movements are the events' own: each payment, failure, return and recovery is a line, and each
change an event made to a person's allocated or committed figure is a line for that event.

``view_budget_ledger``, one row per case (amounts in pence):

- ``case_id``, ``council_code``, ``team``: the case (hex), its council and the team it is with now.
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
  its agreement. An agreement paying an ISF provider or a managed account pays out of that
  approved amount, so adds nothing to it. A closed case commits nothing (closure stops every agreement),
  nor does a person whose involvement ended.
- ``paid_pence``: direct payments issued (a back-dated start's catch-up included) less those that
  failed (``Agreement.paid_pence`` summed).
- ``failed_payments``: how many issued payments failed (a slot reissued and failed again counts twice).
- ``suspended``: 1 while direct payments under any agreement on the case are suspended. Slots that
  fall due during a suspension are skipped by the payments workflow, which records nothing on the
  case for them (``workflows/payments.py``), so the ledger cannot show a skipped amount.
- ``underspent_pence``: what the monitoring returns show unspent: the balance the latest return
  left (returns recorded before balances were kept: their periods' underspends, summed).
- ``recovered_pence``: money recovered under the agreements, summed: unspent funds (a surplus, less
  the contingency), money misspent (s.33) and payments made after a suspension or an end.
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
- ``recovered`` (+, agreement): unspent funds recovered; ``recovered_misspent`` (+, agreement): money
  misspent recovered; ``recovered_after_stop`` (+, agreement): payments made after a stop recovered.
  Together they make ``recovered_pence``.
- ``suspended`` / ``resumed`` / ``stopped`` (agreement): no money moves; ``amount_pence`` is NULL.
  (``stopped``: the agreement ended; its ``committed`` line, if any, follows it.)
- ``reablement_cost`` (+, person) and ``charged_to_person`` (person, always 0): a period of
  reablement started, what it costs the council for the period and what the person is charged for
  it — nothing, reablement being free (decision 0032). Neither is part of a figure above: the
  council arranges reablement outside the personal budget.

``view_budget_ledger_part``, one row per person and part of their budget (issue 18): how the
approved budget standing now (``allocated``) is held, so the parts of each person's budget add up
to it exactly. ``part`` is ``direct_payment`` (paid to the person, their authorised person or
nominee), ``council_managed`` (services the council commissions), ``individual_service_fund`` (held
by the plan's ISF provider) or ``managed_account`` (held by a third-party account holder);
``payee`` names who holds the part (the ISF provider or account holder, else empty). A plan held
one way puts all of it in that part; a mix puts the plan's direct payment a year (never more than
the approved budget) in ``direct_payment`` and the rest in ``council_managed``. A part a person's
budget no longer has stays at 0.

``view_budget_ledger_account``, one row per agreement that ended with its person's involvement
(issue 19, decision 0027): the money after the ending, as the agreement's state says it —
``final_payment_pence`` worked out to the day (``final_payment_paid`` 1 once issued),
``overpayment_pence`` (paid in advance for days after the ending) and what was recovered of it
(``recovered_overpayment_pence``), the ``balance_pence`` the person or their estate holds unspent
as the returns left it, ``written_off_pence``, ``outstanding_pence`` (the final payment unpaid,
plus the overpayment not recovered and the balance, less what was written off:
``Agreement.outstanding_pence``), and ``account_closed`` (1 once finance closed it, when
``outstanding_pence`` is 0). Movements of its own in the entries: ``final_payment_due`` (+) and
``overpaid`` (+) when the ending is worked out, the final payment issued as ``paid`` (+),
``recovered_overpayment`` (+, part of ``recovered_pence``) and ``written_off`` (+, on closing the
account; 0 included).

No side tables: a person's allocated or committed figure before an event is the sum of their
``allocated`` or ``committed`` entries so far, and the event's entry is the difference.
"""

from __future__ import annotations

from dataclasses import dataclass

from domain.case.aggregate import Case
from domain.case.base import CaseEvent
from domain.case.decisions import current_budget_pence
from domain.case.rules import DIRECT_PAYEES
from domain.case.state import Agreement, CaseState, Person
from domain.planning import PERIODS_PER_YEAR
from domain.vocabulary import BudgetManagement
from projections.base import handles
from projections.case_rows import CaseRowsView, CaseTable, Key, Values
from projections.reading import Bit, Instant, ViewRow, select, select_one
from projections.store import ViewCursor

LEDGER = "view_budget_ledger"
ENTRY = "view_budget_ledger_entry"
PARTS = "view_budget_ledger_part"
ACCOUNTS = "view_budget_ledger_account"

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
LEDGER_TABLE = CaseTable(LEDGER, keys=(), columns=("council_code", "team", *FIGURES))
PARTS_TABLE = CaseTable(PARTS, keys=("person_id", "part"), columns=("payee", "amount_pence"))
ACCOUNT_FIGURES = (
    "person_id",
    "final_payment_pence",
    "final_payment_paid",
    "overpayment_pence",
    "recovered_overpayment_pence",
    "balance_pence",
    "written_off_pence",
    "outstanding_pence",
    "account_closed",
)
ACCOUNTS_TABLE = CaseTable(ACCOUNTS, keys=("agreement_id",), columns=ACCOUNT_FIGURES)
# The part of a budget each way of holding it fills (a mix fills two).
PART_OF: dict[BudgetManagement, str] = {
    BudgetManagement.DIRECT_PAYMENT: "direct_payment",
    BudgetManagement.COUNCIL_MANAGED: "council_managed",
    BudgetManagement.INDIVIDUAL_SERVICE_FUND: "individual_service_fund",
    BudgetManagement.THIRD_PARTY_MANAGED_ACCOUNT: "managed_account",
}
ENTRY_COLUMNS = ("case_id", "version", "seq", "kind", "person_id", "agreement_id", "amount_pence", "at")
# The kinds of entry that are changes in a person's figure (named as the figure, less _pence).
REVALUED = ("allocated", "committed")


@dataclass(frozen=True)
class Movement:
    """One line of the ledger before it is numbered: what moved, for whom, under which agreement."""

    kind: str
    person_id: str | None
    agreement_id: str | None
    amount_pence: int | None


def a_year_pence(agreement: Agreement) -> int:
    """What the agreement commits a year on the terms in force (as varied, if it has been)."""
    terms = agreement.current_terms()
    return terms.amount_per_payment_pence * PERIODS_PER_YEAR[terms.frequency]


def allocated_pence(person: Person) -> int:
    """The person's approved budget standing now (as revised on challenge); 0 while no sign-off stands."""
    return current_budget_pence(person) if person.sign_off is not None else 0


def committed_pence(state: CaseState, person: Person) -> int:
    """What the person's arrangements in force commit a year (see ``committed_pence`` above)."""
    if state.closed or person.involvement_ended_on is not None:
        return 0  # nothing is arranged for a person whose involvement ended
    # An ISF provider's or a managed account's agreement pays out of what the sign-off committed.
    agreements = sum(
        a_year_pence(a)
        for a in state.agreements.values()
        if a.person_id == person.person_id and a.status != "stopped" and a.recipient in DIRECT_PAYEES
    )
    plan, held = person.plan, 0
    if person.sign_off is not None and plan is not None:
        if plan.management == BudgetManagement.MIX:
            paid_directly = 0
            if plan.direct_payment_pence is not None and plan.direct_payment_frequency is not None:
                paid_directly = plan.direct_payment_pence * PERIODS_PER_YEAR[plan.direct_payment_frequency]
            held = max(allocated_pence(person) - paid_directly, 0)
        elif plan.management != BudgetManagement.DIRECT_PAYMENT:
            held = allocated_pence(person)
    return agreements + held


def budget_parts(person: Person) -> dict[str, tuple[str, int]]:
    """How the person's approved budget standing now is held: part -> (payee, amount a year)."""
    plan, allocated = person.plan, allocated_pence(person)
    if plan is None or allocated == 0:
        return {}
    if plan.management == BudgetManagement.MIX:
        paid_directly = min(plan.direct_payment_a_year_pence, allocated)
        return {"direct_payment": ("", paid_directly), "council_managed": ("", allocated - paid_directly)}
    payee = {
        BudgetManagement.INDIVIDUAL_SERVICE_FUND: plan.isf_provider,
        BudgetManagement.THIRD_PARTY_MANAGED_ACCOUNT: plan.account_holder,
    }.get(plan.management)
    return {PART_OF[plan.management]: (payee or "", allocated)}


def part_rows(state: CaseState, before: dict[Key, Values]) -> dict[Key, Values]:
    """Every person's parts now; a part they had before and no longer have is kept at 0."""
    rows: dict[Key, Values] = {key: {**values, "amount_pence": 0} for key, values in before.items()}
    for person in state.people.values():
        for part, (payee, amount) in budget_parts(person).items():
            rows[(person.person_id, part)] = {"payee": payee, "amount_pence": amount}
    return rows


def account_rows(state: CaseState) -> dict[Key, Values]:
    """The money after each ending, agreement by agreement, as the case state says it."""
    return {
        (a.agreement_id,): {
            "person_id": a.person_id,
            "final_payment_pence": a.final_payment_pence,
            "final_payment_paid": int(a.final_payment_paid),
            "overpayment_pence": a.overpayment_pence,
            "recovered_overpayment_pence": a.recovered_overpayment_pence,
            "balance_pence": a.balance_pence,
            "written_off_pence": a.written_off_pence,
            "outstanding_pence": a.outstanding_pence(),
            "account_closed": int(a.account_closed),
        }
        for a in state.agreements.values()
        if a.settled
    }


def ledger_row(state: CaseState, people: dict[str, tuple[int, int]]) -> Values:
    agreements = state.agreements.values()
    return {
        "council_code": state.council_code,
        "team": state.team,
        "allocated_pence": sum(allocated for allocated, _ in people.values()),
        "committed_pence": sum(committed for _, committed in people.values()),
        "paid_pence": sum(a.paid_pence for a in agreements),
        "failed_payments": sum(slot.failures for a in agreements for slot in a.slots.values()),
        "suspended": int(any(a.status == "suspended" for a in agreements)),
        "underspent_pence": sum(a.reported_underspend_pence for a in agreements),
        "recovered_pence": sum(a.recovered_pence for a in agreements),
        "closed": int(state.closed),
    }


class BudgetLedgerView(CaseRowsView):
    """The ledger's row is the case's money as its state says; its handlers give the movements
    only the events hold, as ``handler(state, event) -> [Movement]``."""

    name = "budget_ledger"
    tables = (LEDGER, ENTRY, PARTS, ACCOUNTS)
    # Side tables of earlier releases, which re-derived from events what the case state now says.
    retired = ("view_budget_ledger_person", "view_budget_ledger_agreement")

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
        # Each person's figures so far are sums of their revaluation entries: a covering index
        # keeps that a short scan however many payments the case has had.
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {PARTS} ("
            "case_id TEXT NOT NULL, person_id TEXT NOT NULL, part TEXT NOT NULL, payee TEXT NOT NULL, "
            "amount_pence BIGINT NOT NULL, updated_at TEXT NOT NULL, PRIMARY KEY (case_id, person_id, part))"
        )
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {ACCOUNTS} ("
            "case_id TEXT NOT NULL, agreement_id TEXT NOT NULL, person_id TEXT NOT NULL, "
            "final_payment_pence BIGINT NOT NULL, final_payment_paid INTEGER NOT NULL, "
            "overpayment_pence BIGINT NOT NULL, recovered_overpayment_pence BIGINT NOT NULL, "
            "balance_pence BIGINT NOT NULL, written_off_pence BIGINT NOT NULL, outstanding_pence BIGINT NOT NULL, "
            "account_closed INTEGER NOT NULL, updated_at TEXT NOT NULL, PRIMARY KEY (case_id, agreement_id))"
        )
        cursor.execute(
            f"CREATE INDEX IF NOT EXISTS {ENTRY}_by_kind ON {ENTRY} (case_id, kind, person_id, amount_pence)"
        )
        self.drop_retired(cursor)

    def apply(self, cursor: ViewCursor, event: CaseEvent, state: CaseState) -> None:
        handler = self.handler_of(type(event))
        movements: list[Movement] = handler(self, state, event) if handler is not None else []
        people = {p.person_id: (allocated_pence(p), committed_pence(state, p)) for p in state.people.values()}
        movements += self._revaluations(cursor, state, event, people)
        cursor.executemany(
            f"INSERT INTO {ENTRY} ({', '.join(ENTRY_COLUMNS)}) VALUES ({', '.join('?' for _ in ENTRY_COLUMNS)})",
            [
                (
                    state.case_id,
                    event.originator_version,
                    seq,
                    m.kind,
                    m.person_id,
                    m.agreement_id,
                    m.amount_pence,
                    event.timestamp.isoformat(),
                )
                for seq, m in enumerate(movements)
            ],
        )
        at = event.timestamp.isoformat()
        self.save(cursor, LEDGER_TABLE, state.case_id, {(): ledger_row(state, people)}, at)
        parts_before = self.rows(cursor, PARTS_TABLE, state.case_id)
        self.save(cursor, PARTS_TABLE, state.case_id, part_rows(state, parts_before), at)
        if any(a.settled for a in state.agreements.values()):
            self.save(cursor, ACCOUNTS_TABLE, state.case_id, account_rows(state), at)

    def _revaluations(
        self, cursor: ViewCursor, state: CaseState, event: CaseEvent, people: dict[str, tuple[int, int]]
    ) -> list[Movement]:
        """A line for each person's figure the event moved: the new figure less the sum so far."""

        def load() -> dict[tuple[str, str], int]:
            return {
                (kind, person_id): int(total)
                for kind, person_id, total in cursor.execute(
                    f"SELECT kind, person_id, SUM(amount_pence) FROM {ENTRY} "
                    f"WHERE case_id = ? AND kind IN ({', '.join('?' for _ in REVALUED)}) GROUP BY kind, person_id",
                    (state.case_id, *REVALUED),
                ).fetchall()
            }

        so_far = self.held("revalued", state.case_id, load)
        # The committed line names the agreement when the event is about one of the person's own.
        named: str | None = getattr(event, "agreement_id", None)
        owner = state.agreements[named].person_id if named in state.agreements else None
        movements: list[Movement] = []
        for person_id, (allocated, committed) in sorted(people.items()):
            moved = allocated - so_far.get(("allocated", person_id), 0)
            if moved:
                movements.append(Movement("allocated", person_id, None, moved))
                so_far[("allocated", person_id)] = allocated
            moved = committed - so_far.get(("committed", person_id), 0)
            if moved:
                movements.append(Movement("committed", person_id, named if owner == person_id else None, moved))
                so_far[("committed", person_id)] = committed
        return movements

    # Handlers: the money each event moves --------------------------------------------------------

    @staticmethod
    def _on(state: CaseState, kind: str, agreement_id: str, amount_pence: int | None) -> list[Movement]:
        return [Movement(kind, state.agreements[agreement_id].person_id, agreement_id, amount_pence)]

    # The catch-up for a back-dated start is paid money like any slot's payment.
    @handles(Case.PaymentIssued, Case.ArrearsPaymentIssued)
    def paid(self, state: CaseState, event: Case.PaymentIssued | Case.ArrearsPaymentIssued) -> list[Movement]:
        return self._on(state, "paid", event.agreement_id, event.amount_pence)

    @handles(Case.PaymentFailed)
    def failed(self, state: CaseState, event: Case.PaymentFailed) -> list[Movement]:
        return self._on(state, "failed", event.agreement_id, -event.amount_pence)

    @handles(Case.DirectPaymentsSuspended)
    def suspended(self, state: CaseState, event: Case.DirectPaymentsSuspended) -> list[Movement]:
        return self._on(state, "suspended", event.agreement_id, None)

    @handles(Case.DirectPaymentsResumed)
    def resumed(self, state: CaseState, event: Case.DirectPaymentsResumed) -> list[Movement]:
        return self._on(state, "resumed", event.agreement_id, None)

    @handles(Case.DirectPaymentAgreementEnded)
    def stopped(self, state: CaseState, event: Case.DirectPaymentAgreementEnded) -> list[Movement]:
        return self._on(state, "stopped", event.agreement_id, None)

    @handles(Case.MonitoringReturnReceived)
    def returned(self, state: CaseState, event: Case.MonitoringReturnReceived) -> list[Movement]:
        return self._on(state, "underspend_reported", event.agreement_id, event.underspend_pence)

    @handles(Case.UnspentFundsRecovered)
    def recovered(self, state: CaseState, event: Case.UnspentFundsRecovered) -> list[Movement]:
        return self._on(state, "recovered", event.agreement_id, event.amount_pence)

    @handles(Case.MisspentFundsRecovered)
    def recovered_misspent(self, state: CaseState, event: Case.MisspentFundsRecovered) -> list[Movement]:
        return self._on(state, "recovered_misspent", event.agreement_id, event.amount_pence)

    @handles(Case.PaymentsAfterStopRecovered)
    def recovered_after_stop(self, state: CaseState, event: Case.PaymentsAfterStopRecovered) -> list[Movement]:
        return self._on(state, "recovered_after_stop", event.agreement_id, event.amount_pence)

    @handles(Case.FinalSettlementWorkedOut)
    def settled(self, state: CaseState, event: Case.FinalSettlementWorkedOut) -> list[Movement]:
        movements = []
        if event.final_payment_pence:
            movements += self._on(state, "final_payment_due", event.agreement_id, event.final_payment_pence)
        if event.overpayment_pence:
            movements += self._on(state, "overpaid", event.agreement_id, event.overpayment_pence)
        return movements

    @handles(Case.FinalPaymentIssued)
    def final_payment(self, state: CaseState, event: Case.FinalPaymentIssued) -> list[Movement]:
        return self._on(state, "paid", event.agreement_id, event.amount_pence)

    @handles(Case.OverpaymentRecovered)
    def recovered_overpayment(self, state: CaseState, event: Case.OverpaymentRecovered) -> list[Movement]:
        return self._on(state, "recovered_overpayment", event.agreement_id, event.amount_pence)

    @handles(Case.ReablementStarted)
    def reablement(self, state: CaseState, event: Case.ReablementStarted) -> list[Movement]:
        """Reablement is free: what it costs the council for its period, and £0 charged to the person."""
        return [
            Movement("reablement_cost", event.person_id, None, event.statement.council_amount_pence),
            Movement("charged_to_person", event.person_id, None, event.statement.adult_contribution_pence),
        ]

    @handles(Case.DirectPaymentAccountClosed)
    def account_closed(self, state: CaseState, event: Case.DirectPaymentAccountClosed) -> list[Movement]:
        return self._on(state, "written_off", event.agreement_id, event.written_off_pence)


# Reading the view -----------------------------------------------------------------------------


class LedgerRow(ViewRow):
    """The case's money (see the module docstring for each figure), in pence."""

    case_id: str
    council_code: str
    team: str
    allocated_pence: int
    committed_pence: int
    paid_pence: int
    failed_payments: int
    suspended: Bit
    underspent_pence: int
    recovered_pence: int
    closed: Bit
    updated_at: Instant


class LedgerEntry(ViewRow):
    """One movement of a figure (see the module docstring for each kind)."""

    case_id: str
    version: int
    seq: int
    kind: str
    person_id: str | None
    agreement_id: str | None
    amount_pence: int | None
    at: Instant


def ledger_of(cursor: ViewCursor, case_id: str) -> LedgerRow | None:
    return select_one(cursor, LedgerRow, LEDGER, "WHERE case_id = ?", (case_id,))


def entries_of(cursor: ViewCursor, case_id: str) -> list[LedgerEntry]:
    """The case's movements in the order they were recorded."""
    return select(cursor, LedgerEntry, ENTRY, "WHERE case_id = ? ORDER BY version, seq", (case_id,))


# The entries finance is told of, each by one message of the payment outbox (decision 0043): the
# message's kind for each.
TOLD_TO_FINANCE = {
    "paid": ("payment", "reissue"),
    "suspended": ("suspension",),
    "resumed": ("resumption",),
    "stopped": ("stop",),
    "recovered": ("recovery",),
    "recovered_misspent": ("recovery",),
    "recovered_after_stop": ("recovery",),
    "recovered_overpayment": ("recovery",),
}


def entries_told_to_finance(cursor: ViewCursor, case_id: str | None = None) -> list[LedgerEntry]:
    """The movements finance is told of (``TOLD_TO_FINANCE``), of one case or every case, in order."""
    kinds = tuple(TOLD_TO_FINANCE)
    where = f"WHERE kind IN ({', '.join('?' for _ in kinds)})"
    params: tuple[str, ...] = kinds
    if case_id is not None:
        where += " AND case_id = ?"
        params = (*kinds, case_id)
    return select(cursor, LedgerEntry, ENTRY, where + " ORDER BY case_id, version, seq", params)


class LedgerPart(ViewRow):
    """One part of a person's approved budget (see the module docstring), in pence a year."""

    case_id: str
    person_id: str
    part: str
    payee: str
    amount_pence: int
    updated_at: Instant


def parts_of(cursor: ViewCursor, case_id: str) -> list[LedgerPart]:
    """How each person's approved budget on the case is held, part by part."""
    return select(cursor, LedgerPart, PARTS, "WHERE case_id = ? ORDER BY person_id, part", (case_id,))


class LedgerAccount(ViewRow):
    """The money after one agreement's ending (see the module docstring), in pence."""

    case_id: str
    agreement_id: str
    person_id: str
    final_payment_pence: int
    final_payment_paid: Bit
    overpayment_pence: int
    recovered_overpayment_pence: int
    balance_pence: int
    written_off_pence: int
    outstanding_pence: int
    account_closed: Bit
    updated_at: Instant


def accounts_of(cursor: ViewCursor, case_id: str) -> list[LedgerAccount]:
    """The money after each ending on the case, agreement by agreement."""
    return select(cursor, LedgerAccount, ACCOUNTS, "WHERE case_id = ? ORDER BY agreement_id", (case_id,))


def payments_issued(cursor: ViewCursor) -> tuple[int, int]:
    """Every payment issued on every case so far (slots, catch-ups and final payments, failed ones
    too): how many, and their pence. Figures only, for /metrics."""
    row = cursor.execute(f"SELECT COUNT(*), COALESCE(SUM(amount_pence), 0) FROM {ENTRY} WHERE kind = ?", ("paid",))
    count, pence = row.fetchone() or (0, 0)
    return int(count), int(pence)
