"""Rules E1 (adult, regulation 2) and E2 (carer, regulation 3): eligibility with written reasons."""

from __future__ import annotations

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from domain.eligibility import (
    ADULT_REGULATION,
    CARER_REGULATION,
    LIMBS_AVAILABLE_TO_CARERS,
    AdultNeedsFindings,
    AdultOutcome,
    CarerNeedsFindings,
    CarerOutcome,
    Difficulty,
    carer_blind_view,
    determine_adult_eligibility,
    determine_carer_eligibility,
    read_adult_findings,
    read_carer_findings,
)
from domain.errors import InvalidInput

pytestmark = pytest.mark.unit

ASSISTANCE = [Difficulty.NEEDS_ASSISTANCE]
DISTRESS = Difficulty.SIGNIFICANT_PAIN_DISTRESS_OR_ANXIETY


def adult(**overrides) -> AdultNeedsFindings:
    """Findings that meet all three conditions of regulation 2 unless overridden."""
    fields = {
        "needs_arise_from_impairment_or_illness": True,
        "unable_to_achieve": {AdultOutcome.NUTRITION: ASSISTANCE, AdultOutcome.PERSONAL_HYGIENE: ASSISTANCE},
        "significant_impact_on_wellbeing": True,
    }
    return AdultNeedsFindings(**(fields | overrides))


def carer(**overrides) -> CarerNeedsFindings:
    """Findings that meet all three conditions of regulation 3 unless overridden."""
    fields = {
        "needs_arise_from_providing_necessary_care": True,
        "health_deteriorating_or_at_risk": True,
        "unable_to_achieve": {CarerOutcome.RECREATION: ASSISTANCE},
        "significant_impact_on_wellbeing": True,
    }
    return CarerNeedsFindings(**(fields | overrides))


def met(determination) -> list[bool]:
    return [condition.met for condition in determination.conditions]


# --- Adult, regulation 2 ------------------------------------------------------------------------


def test_an_adult_meeting_all_three_conditions_is_eligible_and_told_why():
    findings = adult()

    determination = determine_adult_eligibility(findings)

    assert determination.person_kind == "adult"
    assert determination.eligible is True
    assert determination.regulation == ADULT_REGULATION
    assert met(determination) == [True, True, True]
    assert determination.outcomes_unable_to_achieve == ["nutrition", "personal_hygiene"]
    assert determination.prevention_advice_required is False
    assert "regulation 2" in determination.reasons
    assert "managing and maintaining nutrition" in determination.reasons
    assert "maintaining personal hygiene" in determination.reasons
    assert "meet the eligibility criteria" in determination.reasons


def test_an_adult_whose_needs_do_not_arise_from_impairment_or_illness_is_not_eligible():
    findings = adult(needs_arise_from_impairment_or_illness=False)

    determination = determine_adult_eligibility(findings)

    assert determination.eligible is False
    assert met(determination) == [False, True, True]
    assert "Condition 1 (needs arising from an impairment or illness) is not met" in determination.reasons
    assert "regulation 2(1)(a)" in determination.conditions[0].reason


def test_an_adult_unable_to_achieve_only_one_outcome_is_not_eligible():
    findings = adult(unable_to_achieve={AdultOutcome.TOILET_NEEDS: ASSISTANCE})

    determination = determine_adult_eligibility(findings)

    assert determination.eligible is False
    assert met(determination) == [True, False, True]
    assert determination.outcomes_unable_to_achieve == ["toilet_needs"]
    assert "unable to achieve 1 of the 10 specified outcomes" in determination.conditions[1].reason
    assert "managing toilet needs" in determination.reasons
    assert "Condition 2 (unable to achieve two or more outcomes) is not met" in determination.reasons


def test_an_adult_unable_to_achieve_two_outcomes_crosses_the_threshold():
    findings = adult(
        unable_to_achieve={
            AdultOutcome.TOILET_NEEDS: [Difficulty.TAKES_SIGNIFICANTLY_LONGER],
            AdultOutcome.USING_HOME_SAFELY: [Difficulty.ENDANGERS_HEALTH_OR_SAFETY],
        }
    )

    determination = determine_adult_eligibility(findings)

    assert determination.eligible is True
    assert determination.conditions[1].met is True
    assert "significantly longer than would normally be expected" in determination.reasons
    assert "health or safety of the person or of others" in determination.reasons


def test_an_adult_unable_to_achieve_no_outcome_is_told_none_was_found():
    findings = adult(unable_to_achieve={})

    determination = determine_adult_eligibility(findings)

    assert determination.eligible is False
    assert determination.outcomes_unable_to_achieve == []
    assert "not found unable to achieve any of the 10 specified outcomes" in determination.conditions[1].reason


def test_an_adult_without_a_significant_impact_on_wellbeing_is_not_eligible():
    findings = adult(significant_impact_on_wellbeing=False)

    determination = determine_adult_eligibility(findings)

    assert determination.eligible is False
    assert met(determination) == [True, True, False]
    assert "Condition 3 (significant impact on wellbeing) is not met" in determination.reasons


def test_an_adult_who_is_not_eligible_is_still_owed_prevention_advice():
    findings = adult(significant_impact_on_wellbeing=False)

    determination = determine_adult_eligibility(findings)

    assert determination.prevention_advice_required is True
    assert "section 13(5)" in determination.reasons


def test_an_adult_whose_carer_does_everything_is_still_eligible_because_eligibility_is_carer_blind():
    findings = adult(carer_currently_helps_with=[AdultOutcome.NUTRITION, AdultOutcome.PERSONAL_HYGIENE])

    determination = determine_adult_eligibility(findings)

    assert determination.eligible is True
    assert determination == determine_adult_eligibility(adult())
    assert "as if no carer were helping" in determination.reasons


def test_the_carer_blind_view_drops_the_carers_help_and_keeps_everything_else():
    findings = adult(carer_currently_helps_with=[AdultOutcome.NUTRITION])

    view = carer_blind_view(findings)

    assert view.carer_currently_helps_with == []
    assert view.model_dump(exclude={"carer_currently_helps_with"}) == findings.model_dump(
        exclude={"carer_currently_helps_with"}
    )


def test_reasons_list_outcomes_in_the_regulations_order_whatever_order_they_were_recorded_in():
    recorded_backwards = adult(
        unable_to_achieve={
            AdultOutcome.CARING_FOR_A_CHILD: [DISTRESS, Difficulty.NEEDS_ASSISTANCE],
            AdultOutcome.NUTRITION: ASSISTANCE,
        }
    )
    recorded_forwards = adult(
        unable_to_achieve={
            AdultOutcome.NUTRITION: ASSISTANCE,
            AdultOutcome.CARING_FOR_A_CHILD: [Difficulty.NEEDS_ASSISTANCE, DISTRESS],
        }
    )

    backwards = determine_adult_eligibility(recorded_backwards)
    forwards = determine_adult_eligibility(recorded_forwards)

    assert backwards.model_dump() == forwards.model_dump()
    reasons = backwards.reasons
    assert reasons.index("managing and maintaining nutrition") < reasons.index("caring responsibilities the adult has")


def test_every_outcome_and_limb_has_words_in_the_reasons():
    every_outcome = {outcome: [Difficulty.NEEDS_ASSISTANCE] for outcome in AdultOutcome}
    every_limb = {AdultOutcome.NUTRITION: list(Difficulty)}

    outcomes_text = determine_adult_eligibility(adult(unable_to_achieve=every_outcome)).reasons
    limbs_text = determine_adult_eligibility(adult(unable_to_achieve=every_limb)).reasons

    assert "unable to achieve 10 of the 10 specified outcomes" in outcomes_text
    assert "including public transport" in outcomes_text
    assert "_" not in outcomes_text + limbs_text, "machine identifiers must not leak into the written reasons"
    assert "cannot achieve it without assistance" in limbs_text
    assert "significant pain, distress or anxiety" in limbs_text
    assert "endangers, or is likely to endanger" in limbs_text
    assert "significantly longer" in limbs_text


# --- Carer, regulation 3 ------------------------------------------------------------------------


def test_a_carer_meeting_all_three_conditions_is_eligible_and_told_why():
    findings = carer()

    determination = determine_carer_eligibility(findings)

    assert determination.person_kind == "carer"
    assert determination.eligible is True
    assert determination.regulation == CARER_REGULATION
    assert met(determination) == [True, True, True]
    assert determination.outcomes_unable_to_achieve == ["recreation"]
    assert determination.prevention_advice_required is False
    assert "regulation 3" in determination.reasons
    assert "engaging in recreational activities" in determination.reasons


def test_a_carer_whose_needs_do_not_arise_from_providing_necessary_care_is_not_eligible():
    findings = carer(needs_arise_from_providing_necessary_care=False)

    determination = determine_carer_eligibility(findings)

    assert determination.eligible is False
    assert met(determination) == [False, True, True]
    assert "Condition 1 (needs arising from providing necessary care) is not met" in determination.reasons


def test_a_carer_with_health_at_risk_but_every_outcome_achievable_is_eligible():
    findings = carer(health_deteriorating_or_at_risk=True, unable_to_achieve={})

    determination = determine_carer_eligibility(findings)

    assert determination.eligible is True
    assert determination.conditions[1].met is True
    assert "is, or is at risk of, deteriorating" in determination.conditions[1].reason


def test_a_carer_with_health_not_at_risk_but_unable_to_achieve_one_outcome_is_eligible():
    findings = carer(
        health_deteriorating_or_at_risk=False,
        unable_to_achieve={CarerOutcome.WORK_TRAINING_EDUCATION_VOLUNTEERING: [DISTRESS]},
    )

    determination = determine_carer_eligibility(findings)

    assert determination.eligible is True
    assert determination.conditions[1].met is True
    assert "engaging in work, training, education or volunteering" in determination.reasons


def test_a_carer_with_health_not_at_risk_and_every_outcome_achievable_is_not_eligible():
    findings = carer(health_deteriorating_or_at_risk=False, unable_to_achieve={})

    determination = determine_carer_eligibility(findings)

    assert determination.eligible is False
    assert met(determination) == [True, False, True]
    assert "Condition 2 (health at risk, or unable to achieve an outcome) is not met" in determination.reasons
    assert determination.prevention_advice_required is True


def test_a_carer_without_a_significant_impact_on_wellbeing_is_not_eligible():
    findings = carer(significant_impact_on_wellbeing=False)

    determination = determine_carer_eligibility(findings)

    assert determination.eligible is False
    assert met(determination) == [True, True, False]
    assert "Condition 3 (significant impact on wellbeing) is not met" in determination.reasons
    assert "section 13(5)" in determination.reasons


# --- Findings that the regulations do not allow -------------------------------------------------


def test_a_carer_cannot_rely_on_taking_significantly_longer():
    with pytest.raises(ValidationError) as refused:
        carer(unable_to_achieve={CarerOutcome.NUTRITION: [Difficulty.TAKES_SIGNIFICANTLY_LONGER]})

    [error] = refused.value.errors()
    assert error["loc"] == ("unable_to_achieve", "nutrition")
    assert error["type"] == "limb_not_available_to_carers"
    assert "unable_to_achieve" in error["msg"]


def test_an_adult_outcome_listed_without_any_limb_is_refused():
    with pytest.raises(ValidationError) as refused:
        adult(unable_to_achieve={AdultOutcome.NUTRITION: []})

    [error] = refused.value.errors()
    assert error["loc"] == ("unable_to_achieve", "nutrition")
    assert error["type"] == "limbs_required"


def test_a_carer_outcome_listed_without_any_limb_is_refused():
    with pytest.raises(ValidationError) as refused:
        carer(unable_to_achieve={CarerOutcome.RELATIONSHIPS: []})

    [error] = refused.value.errors()
    assert error["loc"] == ("unable_to_achieve", "relationships")
    assert error["type"] == "limbs_required"


def test_a_limb_given_twice_for_one_outcome_is_refused():
    with pytest.raises(ValidationError) as refused:
        adult(unable_to_achieve={AdultOutcome.NUTRITION: [Difficulty.NEEDS_ASSISTANCE, Difficulty.NEEDS_ASSISTANCE]})

    [error] = refused.value.errors()
    assert error["loc"] == ("unable_to_achieve", "nutrition")
    assert error["type"] == "duplicate_limbs"


@pytest.mark.parametrize(
    ("build", "outcome"),
    [(adult, "recreation"), (carer, "personal_hygiene"), (adult, "walking_the_dog")],
    ids=["carer-only outcome for an adult", "adult-only outcome for a carer", "made-up outcome"],
)
def test_an_outcome_outside_the_regulation_is_refused(build, outcome):
    with pytest.raises(ValidationError) as refused:
        build(unable_to_achieve={outcome: ["needs_assistance"]})

    [error] = refused.value.errors()
    assert error["loc"][0] == "unable_to_achieve"
    assert error["type"] == "enum"


def test_a_finding_the_regulations_do_not_ask_about_is_refused():
    with pytest.raises(ValidationError) as refused:
        adult(eligible_anyway=True)

    assert refused.value.errors()[0]["type"] == "extra_forbidden"


def test_findings_cannot_be_altered_once_recorded():
    findings = adult()

    with pytest.raises(ValidationError):
        findings.significant_impact_on_wellbeing = False


def test_plain_data_with_a_bad_finding_is_refused_as_invalid_input_naming_the_field():
    data = {
        "needs_arise_from_providing_necessary_care": True,
        "health_deteriorating_or_at_risk": False,
        "unable_to_achieve": {"nutrition": ["takes_significantly_longer"]},
        "significant_impact_on_wellbeing": True,
    }

    with pytest.raises(InvalidInput) as refused:
        read_carer_findings(data)

    assert refused.value.code == "limb_not_available_to_carers"
    assert refused.value.field == "unable_to_achieve.nutrition"
    assert all("input" not in error for error in refused.value.details["errors"]), "inputs may hold personal data"


def test_plain_data_that_is_well_formed_becomes_findings():
    data = {
        "needs_arise_from_impairment_or_illness": True,
        "unable_to_achieve": {"nutrition": ["needs_assistance"], "toilet_needs": ["takes_significantly_longer"]},
        "significant_impact_on_wellbeing": True,
        "carer_currently_helps_with": ["nutrition"],
    }

    findings = read_adult_findings(data)

    assert findings.unable_to_achieve[AdultOutcome.TOILET_NEEDS] == [Difficulty.TAKES_SIGNIFICANTLY_LONGER]
    assert determine_adult_eligibility(findings).eligible is True


# --- Properties ---------------------------------------------------------------------------------


def limbs(available) -> st.SearchStrategy[list[Difficulty]]:
    return st.lists(st.sampled_from(sorted(available, key=list(Difficulty).index)), min_size=1, unique=True)


adult_unable_to_achieve = st.dictionaries(st.sampled_from(AdultOutcome), limbs(Difficulty))
carer_unable_to_achieve = st.dictionaries(st.sampled_from(CarerOutcome), limbs(LIMBS_AVAILABLE_TO_CARERS))
carer_help = st.lists(st.sampled_from(AdultOutcome), unique=True)

adult_findings = st.builds(
    AdultNeedsFindings,
    needs_arise_from_impairment_or_illness=st.booleans(),
    unable_to_achieve=adult_unable_to_achieve,
    significant_impact_on_wellbeing=st.booleans(),
    carer_currently_helps_with=carer_help,
)
carer_findings = st.builds(
    CarerNeedsFindings,
    needs_arise_from_providing_necessary_care=st.booleans(),
    health_deteriorating_or_at_risk=st.booleans(),
    unable_to_achieve=carer_unable_to_achieve,
    significant_impact_on_wellbeing=st.booleans(),
)


@given(adult_findings)
def test_an_adult_is_eligible_exactly_when_regulation_2_says_so(findings):
    determination = determine_adult_eligibility(findings)

    assert determination.eligible == (
        findings.needs_arise_from_impairment_or_illness
        and len(findings.unable_to_achieve) >= 2
        and findings.significant_impact_on_wellbeing
    )
    assert determination.eligible == all(met(determination))
    assert len(determination.conditions) == 3


@given(carer_findings)
def test_a_carer_is_eligible_exactly_when_regulation_3_says_so(findings):
    determination = determine_carer_eligibility(findings)

    assert determination.eligible == (
        findings.needs_arise_from_providing_necessary_care
        and (findings.health_deteriorating_or_at_risk or len(findings.unable_to_achieve) >= 1)
        and findings.significant_impact_on_wellbeing
    )
    assert determination.eligible == all(met(determination))
    assert len(determination.conditions) == 3


@given(adult_findings, carer_help)
def test_what_a_carer_currently_helps_with_never_changes_the_adults_determination(findings, other_help):
    with_other_help = AdultNeedsFindings(
        **findings.model_dump(exclude={"carer_currently_helps_with"}), carer_currently_helps_with=other_help
    )

    assert (
        determine_adult_eligibility(with_other_help).model_dump() == determine_adult_eligibility(findings).model_dump()
    )


@given(adult_findings)
def test_the_same_adult_findings_always_give_the_identical_determination(findings):
    rebuilt = AdultNeedsFindings.model_validate_json(findings.model_dump_json())

    assert determine_adult_eligibility(rebuilt).model_dump() == determine_adult_eligibility(findings).model_dump()


@given(carer_findings)
def test_the_same_carer_findings_always_give_the_identical_determination(findings):
    rebuilt = CarerNeedsFindings.model_validate_json(findings.model_dump_json())

    assert determine_carer_eligibility(rebuilt).model_dump() == determine_carer_eligibility(findings).model_dump()


@given(adult_findings)
def test_the_order_outcomes_were_recorded_in_never_changes_the_adults_determination(findings):
    reversed_order = findings.model_copy(
        update={"unable_to_achieve": dict(reversed(findings.unable_to_achieve.items()))}
    )

    assert (
        determine_adult_eligibility(reversed_order).model_dump() == determine_adult_eligibility(findings).model_dump()
    )


@given(adult_findings)
def test_an_adult_not_eligible_is_always_owed_prevention_advice(findings):
    determination = determine_adult_eligibility(findings)

    assert determination.prevention_advice_required == (not determination.eligible)


@given(carer_findings)
def test_a_carer_not_eligible_is_always_owed_prevention_advice(findings):
    determination = determine_carer_eligibility(findings)

    assert determination.prevention_advice_required == (not determination.eligible)


@given(adult_findings)
def test_the_adults_outcomes_counted_are_the_outcomes_recorded_sorted(findings):
    determination = determine_adult_eligibility(findings)

    assert determination.outcomes_unable_to_achieve == sorted(o.value for o in findings.unable_to_achieve)


@given(carer_findings)
def test_the_carers_outcomes_counted_are_the_outcomes_recorded_sorted(findings):
    determination = determine_carer_eligibility(findings)

    assert determination.outcomes_unable_to_achieve == sorted(o.value for o in findings.unable_to_achieve)


@given(carer_unable_to_achieve, st.sampled_from(CarerOutcome))
def test_a_carer_relying_on_taking_significantly_longer_is_always_refused(unable_to_achieve, outcome):
    longer = Difficulty.TAKES_SIGNIFICANTLY_LONGER
    with_longer = unable_to_achieve | {outcome: [*unable_to_achieve.get(outcome, []), longer]}

    with pytest.raises(ValidationError) as refused:
        carer(unable_to_achieve=with_longer)

    assert [error["loc"] for error in refused.value.errors()] == [("unable_to_achieve", outcome.value)]
