"""An auditor explains and verifies recorded decisions: recomputed where they can be, judged for
authority and reasons where they are judgements, and a tampered figure is caught."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from domain.application import CaseRecord
from domain.commands import CouncilSettings
from domain.decision_audit import DECISIONS, explain
from domain.errors import NotFound
from policy.catalogue import RuleSetCatalogue
from tests.builders import Scenario
from tests.clock import SteppingClock


def decisions_of(record: CaseRecord, s: Scenario) -> dict[str, int]:
    return {
        type(e).__name__: e.originator_version for e in record.stored_events(s.case_id) if type(e).__name__ in DECISIONS
    }


def test_every_decision_of_a_case_is_explained_and_verifies(record: CaseRecord):
    s = Scenario()
    for command in [
        *s.up_to_planning(carers=()),
        s.challenge(),
        s.resolve(revised_pence=1_000_000),
        s.draft(),
        s.submit(),
        s.sign_off(),
        s.agreement(),
    ]:
        record.handle(command)
    found = decisions_of(record, s)
    # The cap override, a variation and the recoveries have their own stories (test_cap_override,
    # test_variation, test_monitoring).
    assert set(found) == set(DECISIONS) - {
        "BudgetCapOverridden",
        "DirectPaymentAgreementVaried",
        "UnspentFundsRecovered",
        "MisspentFundsRecovered",
        "PaymentsAfterStopRecovered",
        # An ending's settlement and its overpayment's recovery have theirs (test_endings).
        "FinalSettlementWorkedOut",
        "OverpaymentRecovered",
    }

    for name, version in found.items():
        event = record.decision_at(s.case_id, version)
        explained = explain(event)
        assert explained.decision == name and explained.plain_english.strip()
        check = record.verify_decision(s.case_id, version)
        assert check.verified, (name, check.problems)
        # A sign-off and a challenge's revision are approvals: their figures and the approver's
        # delegated authority are recomputed, not only the authority's role and the reasons.
        expected = "figures_and_authority" if name in ("ChallengeResolved", "SignOffDecisionRecorded") else "recomputed"
        assert check.method == expected
    agreement = explain(record.decision_at(s.case_id, found["DirectPaymentAgreementMade"]))
    assert agreement.plain_english == (
        "Agreement dp-1 pays £920.00 four-weekly from 2026-02-02 to the person, at the request of adult-1 on 2026-01-05"
    )
    budget = explain(record.decision_at(s.case_id, found["IndicativeBudgetCalculated"]))
    assert budget.breakdown["indicative_pence"] > 0 and "point" in budget.plain_english


def test_a_version_that_is_not_a_decision_is_not_found(record: CaseRecord):
    s = Scenario()
    record.handle(s.referral())
    with pytest.raises(NotFound) as missing:
        record.verify_decision(s.case_id, 1)
    assert missing.value.code == "no_decision_there"


def test_an_agreement_is_recomputed_against_the_approved_figure_with_the_councils_tolerance(
    store_env: dict[str, str], catalogue: RuleSetCatalogue, clock: SteppingClock
):
    """Made 5% under the plan's direct payment where the council allowed 10%; verified where it allows none."""
    s = Scenario()
    lenient = CaseRecord(
        store_env, rule_sets=catalogue, council=CouncilSettings(agreement_tolerance_basis_points=1_000), clock=clock
    )
    for command in [*s.up_to_planning(carers=()), s.draft(), s.submit(), s.sign_off()]:
        lenient.handle(command)
    lenient.handle(s.agreement(amount_per_payment_pence=87_400))
    version = next(
        e.originator_version
        for e in lenient.stored_events(s.case_id)
        if type(e).__name__ == "DirectPaymentAgreementMade"
    )
    assert lenient.verify_decision(s.case_id, version).verified

    strict = CaseRecord(store_env, rule_sets=catalogue, council=CouncilSettings(), clock=clock)
    check = strict.verify_decision(s.case_id, version)
    assert (check.method, check.verified) == ("recomputed", False)
    assert len(check.problems) == 1 and "£874.00 four-weekly" in check.problems[0]


def test_an_agreement_recorded_after_the_fact_is_recomputed_as_of_the_day_it_took_effect(
    record: CaseRecord, clock: SteppingClock
):
    """Recorded on 10 March, made on 1 February: no slot was due then, so no arrears, whatever the
    recorded day would say (2 February and 2 March had passed by the 10th)."""
    s = Scenario()
    for command in [*s.up_to_planning(carers=()), s.draft(), s.submit(), s.sign_off()]:
        record.handle(command)
    clock.advance(datetime(2026, 3, 10, 9, tzinfo=UTC) - clock.now)
    record.handle(s.agreement(effective_at="2026-02-01T10:00:00Z"))
    [made] = [e for e in record.stored_events(s.case_id) if type(e).__name__ == "DirectPaymentAgreementMade"]
    assert (made.arrears_slots, made.timestamp.date().isoformat()) == (0, "2026-03-10")

    check = record.verify_decision(s.case_id, made.originator_version)
    assert (check.verified, check.problems) == (True, [])
