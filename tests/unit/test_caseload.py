"""The synthetic caseload generator: reproducible, lazy, and holding the mix it states."""

from __future__ import annotations

import itertools
import time
import types
from collections import Counter

import pytest

from domain import commands as c
from simulation import caseload as cl

pytestmark = pytest.mark.unit


def dumps(scripts):
    return [
        (s.case_id, s.profile, [(type(cmd).__name__, cmd.model_dump(mode="json")) for cmd in s.commands])
        for s in scripts
    ]


@pytest.fixture(scope="module")
def two_thousand() -> list[cl.CaseScript]:
    return list(cl.generate_caseload(2_000, seed=20240401))


def test_the_same_seed_gives_the_same_caseload():
    assert dumps(cl.generate_caseload(300, seed=11)) == dumps(cl.generate_caseload(300, seed=11))


def test_a_different_seed_gives_a_different_caseload():
    first = dumps(cl.generate_caseload(50, seed=11))
    second = dumps(cl.generate_caseload(50, seed=12))
    assert first != second
    assert not {s[0] for s in first} & {s[0] for s in second}


def test_a_larger_caseload_begins_with_the_smaller_one():
    assert dumps(cl.generate_caseload(20, seed=5)) == dumps(itertools.islice(cl.generate_caseload(40, seed=5), 20))


def test_generation_is_lazy():
    scripts = cl.generate_caseload(1_000_000, seed=3)
    assert isinstance(scripts, types.GeneratorType)
    began = time.perf_counter()
    five = list(itertools.islice(scripts, 5))
    assert len(five) == 5
    assert time.perf_counter() - began < 5  # a million cases built eagerly would take hours


def test_case_ids_are_unique_version_4_uuids(two_thousand):
    ids = [s.case_id for s in two_thousand]
    assert len(set(ids)) == len(ids)
    assert all(i.version == 4 for i in ids)
    assert all(cmd.case_id == s.case_id for s in two_thousand for cmd in s.commands)


def test_every_script_opens_with_a_referral_and_runs_forward_in_time(two_thousand):
    for script in two_thousand:
        assert script.command_names[0] == "ReceiveReferral"
        days = [cmd.effective_at for cmd in script.commands]
        assert days == sorted(days)
        assert len({cmd.command_id for cmd in script.commands}) == len(script.commands)


def test_carers_follow_the_stated_shares(two_thousand):
    counts = Counter(s.carers for s in two_thousand)
    n = len(two_thousand)
    assert abs(counts[1] / n - cl.ONE_CARER_SHARE) <= 0.04
    assert abs(counts[2] / n - cl.TWO_CARER_SHARE) <= 0.03
    identified = Counter(s.command_names.count("IdentifyCarer") for s in two_thousand)
    assert identified == counts  # every carer drawn is identified on the case


def test_some_carers_care_for_two_adults_under_one_council_person_id(two_thousand):
    cases_of: dict[str, set[str]] = {}
    for script in two_thousand:
        for command in script.commands:
            if isinstance(command, c.IdentifyCarer):
                assert command.council_person_id is not None
                cases_of.setdefault(command.council_person_id, set()).add(script.case_id.hex)
    carers = sum(s.carers for s in two_thousand)
    # A carer drawn again is one person on two cases: never twice on one, never on three.
    assert {len(cases) for cases in cases_of.values()} == {1, 2}
    shared = sum(1 for cases in cases_of.values() if len(cases) == 2)
    assert abs(shared / carers - cl.CARER_OF_TWO_ADULTS_SHARE) <= 0.02


def test_every_profile_is_present_in_about_its_share(two_thousand):
    n = len(two_thousand)
    share = {p: c / n for p, c in Counter(s.profile for s in two_thousand).items()}
    assert set(share) == set(cl.PROFILES)
    assert abs(share["signposted"] - cl.SIGNPOSTED_SHARE) <= 0.02
    with_carers = cl.ONE_CARER_SHARE + cl.TWO_CARER_SHARE
    carer_only = (1 - cl.SIGNPOSTED_SHARE) * with_carers * cl.CARER_ONLY_SHARE_OF_CASES_WITH_CARERS
    assert abs(share["carer_only"] - carer_only) <= 0.02
    not_eligible = (1 - cl.SIGNPOSTED_SHARE - carer_only) * cl.NOT_ELIGIBLE_SHARE
    assert abs(share["not_eligible"] - not_eligible) <= 0.025
    assert share["supported"] > 0.6


def test_each_profile_tells_its_own_story(two_thousand):
    for script in two_thousand:
        names = script.command_names
        if script.profile == "signposted":
            assert names.count("ScreenReferral") <= 1
            assert "StartNeedsAssessment" not in names
            screens = [cmd for cmd in script.commands if type(cmd).__name__ == "ScreenReferral"]
            assert all(cmd.outcome == "information_and_advice" for cmd in screens)
        elif script.profile == "carer_only":
            assert script.carers >= 1
            assert "StartNeedsAssessment" not in names
            refusals = [cmd for cmd in script.commands if type(cmd).__name__ == "RecordAssessmentRefusal"]
            assert all(cmd.exceptions == [] for cmd in refusals)
            assert all(
                cmd.person_id != cl.ADULT
                for cmd in script.commands
                if type(cmd).__name__ in ("DraftSupportPlan", "DetermineEligibility")
            )
        elif script.profile == "not_eligible":
            assert "DraftSupportPlan" not in names
            for cmd in script.commands:
                if type(cmd).__name__ == "CompleteNeedsAssessment":
                    assert len(cmd.findings.unable_to_achieve) == 1
                if type(cmd).__name__ == "CloseCase":
                    assert cmd.reason in ("no_longer_eligible", "information_and_advice_only")


def test_the_mix_of_features_over_the_years(two_thousand):
    n = len(two_thousand)

    def share(predicate) -> float:
        return sum(1 for s in two_thousand if predicate(s)) / n

    # Carers who decline and later ask; a challenge now and then; reviews of both kinds; closures.
    assert share(lambda s: s.has("DeclineCarerAssessment")) > 0.05
    assert share(lambda s: s.has("RequestCarerAssessment")) > 0.01
    assert 0.005 <= share(lambda s: s.has("ChallengeBudget")) <= 0.06
    assert share(lambda s: s.has("ScheduleReview")) > 0.3
    assert share(lambda s: s.has("RequestReview")) > 0.05
    assert share(lambda s: s.has("CloseCase")) > 0.1
    assert share(lambda s: s.has("MakeDirectPaymentAgreement")) > 0.1
    assert share(lambda s: s.has("IssuePayment")) > 0.1
    # Some adults paid by direct payment die or move into residential care: their ending is recorded.
    assert share(lambda s: s.has("EndInvolvement")) >= 0.003


def test_adult_plans_are_held_mostly_by_the_council_more_so_for_older_people(two_thousand):
    held: dict[str, Counter[str]] = {"older": Counter(), "younger": Counter()}
    for script in two_thousand:
        drafts = [
            cmd for cmd in script.commands if type(cmd).__name__ == "DraftSupportPlan" and cmd.person_id == cl.ADULT
        ]
        for cmd in drafts:
            held[script.age_band][cmd.plan.management.value] += 1
    for band, expected in cl.COUNCIL_MANAGED_SHARE.items():
        total = sum(held[band].values())
        assert total > 200
        assert abs(held[band]["council_managed"] / total - expected) <= 0.06, (band, held[band])
        assert held[band]["direct_payment"] > 0
