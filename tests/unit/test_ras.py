"""Stories of the resource allocation system.

Given a rule set and answers, when the budget is calculated, then the figure and its reasons.

Every expected figure below was worked out by hand from the published rule set files.
"""

from __future__ import annotations

import hashlib
import json

import pytest
from hypothesis import given
from hypothesis import strategies as st
from pydantic import ValidationError

from domain.errors import InvalidInput
from domain.money import apply_basis_points
from domain.ras import (
    CARER_BREAK_REINFLATION,
    CARER_NEUTRAL_REDUCTION,
    BudgetCalculation,
    CarerSupport,
    CarerSupportLevel,
    WellbeingImpact,
    calculate_adult_budget,
    calculate_carer_budget,
    parse_rule_set,
    recalculate,
)
from policy import RuleSetCatalogue

pytestmark = pytest.mark.unit

CATALOGUE = RuleSetCatalogue()
NORTHMOOR = CATALOGUE.get("northmoor-ras", "2026.1")
EASTVALE = CATALOGUE.get("eastvale-ras", "2026.1")

# Northmoor, £250.00 a point: 6 + 12 + 8 + 4 + 3 + 4 + 0 + 0 + 8 + 0 = 45 points = £11,250.00.
MRS_ALDER = {
    "nutrition": "some_help",
    "personal_hygiene": "full_help",
    "toilet_needs": "some_help",
    "clothing": "some_help",
    "home_safety": "with_difficulty",
    "habitable_home": "some_help",
    "relationships": "achieves",
    "work_education": "achieves",
    "community": "full_help",
    "caring_for_child": "not_applicable",
}
EVERY_OUTCOME_FULL_HELP = {question.id: "full_help" for question in NORTHMOOR.adult.questions}


def carer(
    carer_id: str,
    level: CarerSupportLevel,
    *,
    willing: bool = True,
    able: bool = True,
) -> CarerSupport:
    return CarerSupport(
        carer_id=carer_id, willing_to_continue_caring=willing, able_to_continue_caring=able, support_level=level
    )


def adult(rule_set=NORTHMOOR, answers=MRS_ALDER, carers=()) -> BudgetCalculation:
    return calculate_adult_budget(rule_set, person_id="adult-1", answers=answers, carer_support=list(carers))


def reductions(calculation: BudgetCalculation) -> dict[str, int]:
    return {a.carer_id: a.amount_pence for a in calculation.adjustments if a.kind == CARER_NEUTRAL_REDUCTION}


MINIMAL_RULE_SET = """
id = "testshire-ras"
version = "1"
council = "Testshire Council"
effective_from = 2026-04-01

[adult]
method = "points"
price_per_point_pence = 1_000

[[adult.questions]]
id = "nutrition"
text = "Managing and maintaining nutrition"
answers = { achieves = 0, full_help = 10 }

[carer_neutral]
max_total_reduction_bp = 5_000

[carer_neutral.reduction_bp]
occasional = 1_000
regular = 2_500
substantial = 4_000

[carer]
method = "flat"
amount_pence = 30_000
"""


TESTSHIRE = parse_rule_set(MINIMAL_RULE_SET.encode())


def rule_set_with(old: str, new: str):
    assert old in MINIMAL_RULE_SET
    return parse_rule_set(MINIMAL_RULE_SET.replace(old, new).encode())


def invalid_rule_set(old: str, new: str) -> InvalidInput:
    with pytest.raises(InvalidInput) as raised:
        rule_set_with(old, new)
    assert raised.value.code == "invalid_rule_set"
    return raised.value


class TestAdultPointsBudget:
    def test_with_no_carer_the_budget_is_the_points_priced(self):
        calculation = adult()

        assert calculation.total_points == 45
        assert calculation.carer_neutral_pence == 1_125_000
        assert calculation.indicative_pence == 1_125_000
        assert calculation.carer_break_pence == 0
        assert [(a.kind, a.amount_pence) for a in calculation.adjustments] == [(CARER_BREAK_REINFLATION, 0)]
        assert "nothing to give back" in calculation.adjustments[0].reason
        assert "Total: 45 points. At £250.00 a point" in calculation.explanation
        assert "Indicative budget: £11,250.00 a year." in calculation.explanation

    def test_each_answer_is_a_points_line_in_rule_set_order(self):
        calculation = adult()

        assert [(line.question_id, line.answer_id, line.points) for line in calculation.points] == [
            ("nutrition", "some_help", 6),
            ("personal_hygiene", "full_help", 12),
            ("toilet_needs", "some_help", 8),
            ("clothing", "some_help", 4),
            ("home_safety", "with_difficulty", 3),
            ("habitable_home", "some_help", 4),
            ("relationships", "achieves", 0),
            ("work_education", "achieves", 0),
            ("community", "full_help", 8),
            ("caring_for_child", "not_applicable", 0),
        ]
        assert calculation.points[0].question == "Managing and maintaining nutrition"


class TestCarerNeutral:
    def test_a_willing_and_able_carer_reduces_the_budget_and_part_comes_back_for_breaks(self):
        calculation = adult(carers=[carer("carer-daughter", CarerSupportLevel.REGULAR)])

        # 25% of £11,250.00 = £2,812.50 off; 20% of that = £562.50 back for carer breaks.
        assert calculation.carer_neutral_pence == 1_125_000
        assert reductions(calculation) == {"carer-daughter": -281_250}
        assert calculation.carer_break_pence == 56_250
        assert calculation.indicative_pence == 900_000
        reduction, carer_break = calculation.adjustments
        assert "willing and able to give regular support" in reduction.reason
        assert "25.00%" in reduction.reason
        assert carer_break.kind == CARER_BREAK_REINFLATION
        assert carer_break.carer_id is None
        assert "20.00% of the £2,812.50" in carer_break.reason

    @pytest.mark.parametrize(
        ("willing", "able", "why"),
        [
            (True, False, "not able to continue caring"),
            (False, True, "not willing to continue caring"),
            (False, False, "not willing and not able to continue caring"),
        ],
    )
    def test_a_carer_not_both_willing_and_able_gives_no_reduction_but_a_reason(self, willing, able, why):
        calculation = adult(carers=[carer("carer-son", CarerSupportLevel.SUBSTANTIAL, willing=willing, able=able)])

        assert reductions(calculation) == {"carer-son": 0}
        assert calculation.indicative_pence == calculation.carer_neutral_pence == 1_125_000
        assert calculation.carer_break_pence == 0
        assert why in calculation.adjustments[0].reason
        assert why in calculation.explanation

    def test_a_carer_giving_no_support_gives_no_reduction(self):
        calculation = adult(carers=[carer("carer-neighbour", CarerSupportLevel.NONE)])

        assert reductions(calculation) == {"carer-neighbour": 0}
        assert "no reduction for that level" in calculation.adjustments[0].reason

    def test_reductions_together_are_bounded_by_the_maximum(self):
        calculation = adult(
            carers=[
                carer("carer-son", CarerSupportLevel.REGULAR),
                carer("carer-daughter", CarerSupportLevel.SUBSTANTIAL),
            ]
        )

        # 40% + 25% would be 65%; Northmoor stops at 50%: £4,500.00 then only £1,125.00 more.
        assert reductions(calculation) == {"carer-daughter": -450_000, "carer-son": -112_500}
        assert calculation.carer_break_pence == 112_500
        assert calculation.indicative_pence == 1_125_000 - 562_500 + 112_500
        son = next(a for a in calculation.adjustments if a.carer_id == "carer-son")
        assert "limits all carer-neutral reductions together to 50.00%" in son.reason
        assert "reduces it by 10.00%" in son.reason

    def test_the_order_carers_are_listed_in_does_not_change_anything(self):
        daughter = carer("carer-daughter", CarerSupportLevel.SUBSTANTIAL)
        son = carer("carer-son", CarerSupportLevel.REGULAR)

        assert adult(carers=[son, daughter]).model_dump() == adult(carers=[daughter, son]).model_dump()

    def test_a_rule_set_without_carer_breaks_records_no_carer_break_line(self):
        answers = {question.id: "some_help" for question in EASTVALE.adult.questions}

        calculation = adult(EASTVALE, answers, [carer("carer-wife", CarerSupportLevel.REGULAR)])

        # Eastvale: 30 points is the £10,400.00 band; 15% off for regular support is £1,560.00.
        assert [a.kind for a in calculation.adjustments] == [CARER_NEUTRAL_REDUCTION]
        assert calculation.indicative_pence == 1_040_000 - 156_000 == 884_000
        assert calculation.carer_break_pence == 0

    def test_the_same_carer_twice_is_refused(self):
        with pytest.raises(InvalidInput) as raised:
            adult(carers=[carer("carer-son", CarerSupportLevel.REGULAR), carer("carer-son", CarerSupportLevel.NONE)])

        assert raised.value.code == "duplicate_carer"
        assert raised.value.field == "carer_support[1].carer_id"


class TestCap:
    def test_a_figure_above_the_cap_is_flagged_and_not_cut(self):
        calculation = adult(answers=EVERY_OUTCOME_FULL_HELP)

        # 92 points × £250.00 = £23,000.00, above Northmoor's £20,000.00 cap (rule P2).
        assert calculation.indicative_pence == 2_300_000
        assert calculation.cap_pence == 2_000_000
        assert calculation.exceeds_cap is True
        assert "£3,000.00 above the rule set's upper limit of £20,000.00" in calculation.explanation
        assert "has not been applied" in calculation.explanation
        assert "CSSG 10.27" in calculation.explanation

    def test_a_figure_within_the_cap_is_not_flagged(self):
        calculation = adult()

        assert calculation.exceeds_cap is False
        assert "within the rule set's upper limit of £20,000.00" in calculation.explanation

    def test_the_cap_is_compared_after_the_carer_adjustments(self):
        # £23,000.00 less 10% for occasional support = £20,700.00, plus £460.00 for breaks: still over.
        over = adult(answers=EVERY_OUTCOME_FULL_HELP, carers=[carer("c", CarerSupportLevel.OCCASIONAL)])
        # Less 40% = £13,800.00, plus £1,840.00 for breaks = £15,640.00: under.
        under = adult(answers=EVERY_OUTCOME_FULL_HELP, carers=[carer("c", CarerSupportLevel.SUBSTANTIAL)])

        assert (over.indicative_pence, over.exceeds_cap) == (2_116_000, True)
        assert (under.indicative_pence, under.exceeds_cap) == (1_564_000, False)

    def test_no_cap_means_nothing_to_flag(self):
        calculation = adult(TESTSHIRE, {"nutrition": "full_help"})

        assert calculation.cap_pence is None
        assert calculation.exceeds_cap is False
        assert "sets no upper limit" in calculation.explanation


class TestAdultBandedBudget:
    @pytest.mark.parametrize(
        ("full_help", "some_help", "with_difficulty", "points", "band_pence"),
        [
            (0, 0, 0, 0, 104_000),
            (1, 8, 0, 29, 624_000),
            (0, 10, 0, 30, 1_040_000),
            (0, 9, 1, 28, 624_000),
            (10, 0, 0, 50, 1_664_000),
        ],
    )
    def test_total_points_pick_one_band(self, full_help, some_help, with_difficulty, points, band_pence):
        ids = [question.id for question in EASTVALE.adult.questions]
        answers = dict.fromkeys(ids, "achieves")
        scale = ["full_help"] * full_help + ["some_help"] * some_help + ["with_difficulty"] * with_difficulty
        answers.update(zip(ids, scale, strict=False))  # the first questions take the scale

        calculation = adult(EASTVALE, answers)

        assert calculation.method == "bands"
        assert calculation.total_points == points
        assert calculation.carer_neutral_pence == calculation.indicative_pence == band_pence
        assert calculation.price_table["band_table"][0] == {"min_points": 0, "max_points": 9, "annual_pence": 104_000}

    def test_the_top_band_is_above_eastvales_cap_and_is_flagged(self):
        calculation = adult(EASTVALE, {question.id: "full_help" for question in EASTVALE.adult.questions})

        assert (calculation.indicative_pence, calculation.cap_pence, calculation.exceeds_cap) == (
            1_664_000,
            1_560_000,
            True,
        )


class TestCarerBudget:
    @pytest.mark.parametrize(
        ("impact", "pence"),
        [(WellbeingImpact.MODERATE, 12_500), (WellbeingImpact.SUBSTANTIAL, 20_000), (WellbeingImpact.CRITICAL, 27_500)],
    )
    def test_tiered_amounts_follow_the_impact_on_wellbeing(self, impact, pence):
        calculation = calculate_carer_budget(EASTVALE, person_id="carer-1", impact=impact)

        assert calculation.subject == "carer"
        assert calculation.method == "tiered"
        assert calculation.indicative_pence == calculation.carer_neutral_pence == pence
        assert calculation.price_table == {"tiers": {"moderate": 12_500, "substantial": 20_000, "critical": 27_500}}
        assert calculation.inputs == {"impact": impact.value, "answers": {}}
        assert calculation.exceeds_cap is False

    def test_no_impact_on_wellbeing_gets_nothing_and_says_why(self):
        calculation = calculate_carer_budget(EASTVALE, person_id="carer-1", impact=WellbeingImpact.NONE)

        assert calculation.indicative_pence == 0
        assert "no impact on the carer's wellbeing" in calculation.explanation
        assert "no carer's budget is allocated: £0.00 a year" in calculation.explanation

    def test_a_carers_points_are_priced(self):
        answers = {
            "health": "at_risk",
            "caring_for_child": "not_applicable",
            "caring_for_others": "not_applicable",
            "habitable_home": "achieves",
            "nutrition": "achieves",
            "relationships": "achieves",
            "work_education": "unable",
            "community": "achieves",
            "recreation": "unable",
        }

        calculation = calculate_carer_budget(
            NORTHMOOR, person_id="carer-1", impact=WellbeingImpact.SUBSTANTIAL, answers=answers
        )

        # 6 + 6 + 5 = 17 points × £25.00 = £425.00.
        assert calculation.total_points == 17
        assert calculation.indicative_pence == 42_500
        assert calculation.price_table == {"price_per_point_pence": 2_500}

    def test_a_carers_budget_above_the_carer_cap_is_flagged_not_cut(self):
        answers = {question.id: list(question.answers)[-1] for question in NORTHMOOR.carer.questions}

        calculation = calculate_carer_budget(
            NORTHMOOR, person_id="carer-1", impact=WellbeingImpact.CRITICAL, answers=answers
        )

        # 50 points × £25.00 = £1,250.00 against a £1,000.00 carer cap.
        assert calculation.indicative_pence == 125_000
        assert (calculation.cap_pence, calculation.exceeds_cap) == (100_000, True)

    def test_with_no_impact_the_carer_questions_need_not_all_be_answered(self):
        calculation = calculate_carer_budget(
            NORTHMOOR, person_id="carer-1", impact=WellbeingImpact.NONE, answers={"health": "not_at_risk"}
        )

        assert calculation.indicative_pence == 0
        assert calculation.inputs == {"impact": "none", "answers": {"health": "not_at_risk"}}

    def test_a_flat_amount_is_the_same_for_every_eligible_carer(self):
        # Carers Trust (2012): "one area implements a flat budget of £300 per carer".
        rule_set = TESTSHIRE

        amounts = {
            impact: calculate_carer_budget(rule_set, person_id="carer-1", impact=impact).indicative_pence
            for impact in WellbeingImpact
        }

        assert amounts == {"none": 0, "moderate": 30_000, "substantial": 30_000, "critical": 30_000}

    def test_an_unknown_impact_is_refused(self):
        with pytest.raises(InvalidInput) as raised:
            calculate_carer_budget(EASTVALE, person_id="carer-1", impact="severe")

        assert (raised.value.code, raised.value.field) == ("unknown_wellbeing_impact", "impact")

    def test_a_tiered_carer_section_has_no_questions_to_answer(self):
        with pytest.raises(InvalidInput) as raised:
            calculate_carer_budget(
                EASTVALE, person_id="carer-1", impact=WellbeingImpact.MODERATE, answers={"health": "at_risk"}
            )

        assert (raised.value.code, raised.value.field) == ("unknown_ras_question", "answers.health")


class TestBadAnswers:
    @pytest.mark.parametrize(
        ("change", "code", "field"),
        [
            ({"teleportation": "some_help"}, "unknown_ras_question", "answers.teleportation"),
            ({"nutrition": "a_little"}, "unknown_ras_answer", "answers.nutrition"),
            ({"nutrition": 6}, "unknown_ras_answer", "answers.nutrition"),
        ],
    )
    def test_answers_the_rule_set_does_not_know_are_named(self, change, code, field):
        with pytest.raises(InvalidInput) as raised:
            adult(answers={**MRS_ALDER, **change})

        assert (raised.value.code, raised.value.field) == (code, field)

    def test_a_missing_answer_is_named(self):
        answers = {key: value for key, value in MRS_ALDER.items() if key != "toilet_needs"}

        with pytest.raises(InvalidInput) as raised:
            adult(answers=answers)

        assert (raised.value.code, raised.value.field) == ("missing_ras_answer", "answers.toilet_needs")

    def test_an_optional_question_may_be_left_unanswered(self):
        rule_set = rule_set_with(
            "answers = { achieves = 0, full_help = 10 }\n",
            "answers = { achieves = 0, full_help = 10 }\n\n"
            '[[adult.questions]]\nid = "night_support"\ntext = "Support at night"\nrequired = false\n'
            "answers = { none = 0, waking_night = 20 }\n",
        )

        calculation = adult(rule_set, {"nutrition": "full_help"})

        assert [line.question_id for line in calculation.points] == ["nutrition"]
        assert calculation.indicative_pence == 10_000

    def test_a_budget_is_for_a_named_person(self):
        with pytest.raises(InvalidInput) as raised:
            calculate_adult_budget(NORTHMOOR, person_id="", answers=MRS_ALDER, carer_support=[])

        assert (raised.value.code, raised.value.field) == ("missing_person_id", "person_id")


class TestAuditTrail:
    """Rule P3: everything an auditor needs is on the calculation, and it can be regenerated identically."""

    def test_every_item_an_auditor_needs_is_recorded(self):
        calculation = adult(carers=[carer("carer-daughter", CarerSupportLevel.REGULAR)])

        assert calculation.subject == "adult"
        assert calculation.person_id == "adult-1"
        assert (calculation.rule_set_id, calculation.rule_set_version) == ("northmoor-ras", "2026.1")
        assert calculation.rule_set_hash == NORTHMOOR.content_hash
        assert calculation.method == "points"
        assert calculation.inputs == {
            "answers": MRS_ALDER,
            "carer_support": [
                {
                    "carer_id": "carer-daughter",
                    "willing_to_continue_caring": True,
                    "able_to_continue_caring": True,
                    "support_level": "regular",
                }
            ],
        }
        assert len(calculation.points) == 10
        assert calculation.price_table == {
            "price_per_point_pence": 25_000,
            "carer_neutral": {
                "reduction_bp": {"none": 0, "occasional": 1_000, "regular": 2_500, "substantial": 4_000},
                "max_total_reduction_bp": 5_000,
                "carer_break_reinflation_bp": 2_000,
            },
        }
        assert all(adjustment.reason for adjustment in calculation.adjustments)
        assert calculation.indicative_pence == 900_000
        assert calculation.cap_pence == 2_000_000
        for words in (
            "Northmoor Council",
            "northmoor-ras version 2026.1",
            NORTHMOOR.content_hash,
            "in force from 1 April 2026",
            "answer 'full_help' scores 12 points",
            "Total: 45 points",
            "£250.00 a point",
            "£11,250.00",
            "-£2,812.50",
            "+£562.50",
            "Indicative budget: £9,000.00 a year.",
            "CSSG 11.24",
        ):
            assert words in calculation.explanation

    def test_the_record_is_plain_json(self):
        calculation = adult(carers=[carer("carer-daughter", CarerSupportLevel.REGULAR)])

        as_json = json.dumps(calculation.model_dump(mode="json"), sort_keys=True)

        assert BudgetCalculation.model_validate_json(as_json) == calculation

    def test_the_same_inputs_and_rule_set_give_an_identical_record(self):
        carers = [carer("carer-son", CarerSupportLevel.OCCASIONAL, able=False)]

        assert adult(carers=carers).model_dump() == adult(carers=carers).model_dump()

    @pytest.mark.parametrize(
        "calculation",
        [
            adult(
                carers=[
                    carer("carer-daughter", CarerSupportLevel.REGULAR),
                    carer("carer-son", CarerSupportLevel.SUBSTANTIAL, willing=False),
                ]
            ),
            adult(EASTVALE, {question.id: "full_help" for question in EASTVALE.adult.questions}),
            calculate_carer_budget(EASTVALE, person_id="carer-1", impact=WellbeingImpact.CRITICAL),
            calculate_carer_budget(NORTHMOOR, person_id="carer-1", impact=WellbeingImpact.NONE, answers={}),
        ],
        ids=["northmoor-adult", "eastvale-adult", "eastvale-carer", "northmoor-carer-no-impact"],
    )
    def test_recalculating_from_the_recorded_inputs_regenerates_it_exactly(self, calculation):
        rule_set = CATALOGUE.get(calculation.rule_set_id, calculation.rule_set_version)

        again = recalculate(calculation, rule_set)

        assert again.model_dump_json() == calculation.model_dump_json()
        assert again.explanation == calculation.explanation

    def test_recalculating_with_an_edited_rule_set_is_refused(self):
        calculation = adult(TESTSHIRE, {"nutrition": "full_help"})
        edited = rule_set_with("price_per_point_pence = 1_000", "price_per_point_pence = 1_001")

        with pytest.raises(InvalidInput) as raised:
            recalculate(calculation, edited)

        assert (raised.value.code, raised.value.field) == ("rule_set_hash_mismatch", "rule_set")

    def test_recorded_inputs_that_cannot_be_read_back_are_refused(self):
        calculation = adult()
        tampered = calculation.model_copy(update={"inputs": {"answers": MRS_ALDER, "carer_support": [{"who": "?"}]}})

        with pytest.raises(InvalidInput) as raised:
            recalculate(tampered, NORTHMOOR)

        assert (raised.value.code, raised.value.field) == ("invalid_recorded_inputs", "inputs")

    @pytest.mark.parametrize(
        "change",
        [{"indicative_pence": 900_001}, {"exceeds_cap": True}, {"total_points": 44}, {"carer_break_pence": 0}],
    )
    def test_a_record_whose_figures_disagree_cannot_exist(self, change):
        recorded = adult(carers=[carer("carer-daughter", CarerSupportLevel.REGULAR)]).model_dump()

        with pytest.raises(ValidationError):
            BudgetCalculation.model_validate({**recorded, **change})


carers_strategy = st.lists(
    st.builds(
        CarerSupport,
        carer_id=st.sampled_from(["carer-a", "carer-b", "carer-c", "carer-d"]),
        willing_to_continue_caring=st.booleans(),
        able_to_continue_caring=st.booleans(),
        support_level=st.sampled_from(CarerSupportLevel),
    ),
    max_size=4,
    unique_by=lambda c: c.carer_id,
)
northmoor_answers = st.fixed_dictionaries(
    {question.id: st.sampled_from(sorted(question.answers)) for question in NORTHMOOR.adult.questions}
)


@given(answers=northmoor_answers, carers=carers_strategy)
def test_carer_neutral_arithmetic_holds_for_any_answers_and_carers(answers, carers):
    calculation = adult(answers=answers, carers=carers)
    carer_neutral = calculation.carer_neutral_pence
    total_reduction = -sum(reductions(calculation).values())
    counted = {c.carer_id for c in carers if c.willing_to_continue_caring and c.able_to_continue_caring}

    assert carer_neutral == calculation.total_points * 25_000
    assert all(amount == 0 for carer_id, amount in reductions(calculation).items() if carer_id not in counted)
    assert 0 <= total_reduction <= apply_basis_points(carer_neutral, 5_000)
    assert calculation.carer_break_pence == apply_basis_points(total_reduction, 2_000)
    assert calculation.indicative_pence == carer_neutral - total_reduction + calculation.carer_break_pence
    assert calculation.exceeds_cap == (calculation.indicative_pence > 2_000_000)
    assert recalculate(calculation, NORTHMOOR) == calculation


class TestParseRuleSet:
    def test_the_content_hash_is_of_the_exact_bytes(self):
        data = MINIMAL_RULE_SET.encode()

        assert parse_rule_set(data).content_hash == "sha256:" + hashlib.sha256(data).hexdigest()
        assert parse_rule_set(data + b"\n").content_hash != parse_rule_set(data).content_hash

    def test_a_rule_set_is_frozen(self):
        with pytest.raises(ValidationError):
            NORTHMOOR.version = "2026.2"

    @pytest.mark.parametrize(
        ("old", "new", "field"),
        [
            ("price_per_point_pence = 1_000\n", "", "adult.price_per_point_pence"),
            ("price_per_point_pence = 1_000", "price_per_point_pence = 1000.0", "adult.price_per_point_pence"),
            ("price_per_point_pence = 1_000", "price_per_point_pence = -5", "adult.price_per_point_pence"),
            ('method = "points"', 'method = "guesswork"', "adult.method"),
            ('method = "flat"', 'method = "flat"\ndiscount_pence = 5', "carer.discount_pence"),
            ("full_help = 10", "full_help = -1", "adult.questions[0].answers.full_help"),
            ("occasional = 1_000", "none = 500\noccasional = 1_000", "carer_neutral.reduction_bp.none"),
            (
                "max_total_reduction_bp = 5_000",
                "max_total_reduction_bp = 12_000",
                "carer_neutral.max_total_reduction_bp",
            ),
            ('version = "1"', "version = 1", "version"),
            ('council = "Testshire Council"\n', "", "council"),
        ],
    )
    def test_an_invalid_file_names_the_field(self, old, new, field):
        assert invalid_rule_set(old, new).field == field

    def test_question_ids_must_be_unique(self):
        error = invalid_rule_set(
            "answers = { achieves = 0, full_help = 10 }\n",
            "answers = { achieves = 0, full_help = 10 }\n\n"
            '[[adult.questions]]\nid = "nutrition"\ntext = "Again"\nanswers = { achieves = 0 }\n',
        )

        assert error.field == "adult.questions"
        assert "appears more than once" in error.message

    @pytest.mark.parametrize(
        ("band_table", "complaint"),
        [
            (
                "[{ min_points = 0, max_points = 4, annual_pence = 1 },"
                " { min_points = 6, max_points = 10, annual_pence = 2 }]",
                "must start at 5",
            ),
            ("[{ min_points = 0, max_points = 9, annual_pence = 1 }]", "the questions can score 10"),
            ("[{ min_points = 1, max_points = 10, annual_pence = 1 }]", "must start at 0"),
        ],
    )
    def test_a_band_table_must_price_every_possible_total_once(self, band_table, complaint):
        error = invalid_rule_set(
            'method = "points"\nprice_per_point_pence = 1_000',
            f'method = "bands"\nband_table = {band_table}',
        )

        assert error.field == "adult.band_table"
        assert complaint in error.message

    def test_tier_amounts_must_not_fall_as_impact_rises(self):
        error = invalid_rule_set(
            'method = "flat"\namount_pence = 30_000',
            'method = "tiered"\ntiers = { moderate = 27_500, substantial = 20_000, critical = 12_500 }',
        )

        assert error.field == "carer.tiers"

    def test_the_hash_cannot_be_written_into_the_file(self):
        error = invalid_rule_set('council = "Testshire Council"', 'council = "Testshire Council"\ncontent_hash = "x"')

        assert error.field == "content_hash"

    @pytest.mark.parametrize("data", [b"id = ", b"\xff\xfe not utf-8"])
    def test_a_file_that_is_not_toml_is_refused(self, data):
        with pytest.raises(InvalidInput) as raised:
            parse_rule_set(data)

        assert raised.value.code == "invalid_rule_set_file"
