"""Turn assessment answers into an indicative annual budget, keeping every step for the auditor.

A ``BudgetCalculation`` is the whole working (rule P3): which rule set, exactly what was fed in,
the points, the price table, each adjustment with its reason, the figure before any cap, the cap
flag and a plain-English explanation. It is built from its inputs alone, so ``recalculate``
reproduces it byte for byte and R (KM) v Cambridgeshire's "explain how the figure was reached"
can be answered at any later date.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import date
from types import MappingProxyType
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

from domain.errors import InvalidInput
from domain.money import Pence, SignedPence, apply_basis_points, format_pounds
from domain.ras.inputs import CarerSupport, WellbeingImpact
from domain.ras.rule_set import (
    BandsAdultSection,
    CarerNeutralSection,
    FlatCarerSection,
    PointsAdultSection,
    PointsCarerSection,
    Question,
    RuleSet,
    TieredCarerSection,
)

CARER_NEUTRAL_REDUCTION = "carer_neutral_reduction"
CARER_BREAK_REINFLATION = "carer_break_reinflation"

_NO_ANSWERS: Mapping[str, str] = MappingProxyType({})
_MONTHS = (
    "January", "February", "March", "April", "May", "June",
    "July", "August", "September", "October", "November", "December",
)  # fmt: skip


class _Record(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class PointsLine(_Record):
    question_id: str
    question: str
    answer_id: str
    points: int


class Adjustment(_Record):
    kind: str
    reason: str
    amount_pence: SignedPence
    carer_id: str | None = None


class BudgetCalculation(_Record):
    subject: Literal["adult", "carer"]
    person_id: str = Field(min_length=1)
    rule_set_id: str
    rule_set_version: str
    rule_set_hash: str
    method: str
    inputs: dict[str, Any]
    points: list[PointsLine]
    total_points: int
    price_table: dict[str, Any]
    carer_neutral_pence: Pence
    adjustments: list[Adjustment]
    indicative_pence: Pence
    cap_pence: Pence | None
    exceeds_cap: bool
    carer_break_pence: Pence
    explanation: str

    @model_validator(mode="after")
    def _figures_add_up(self) -> BudgetCalculation:
        # A stored calculation is evidence; one whose figures disagree with each other must not exist.
        if self.total_points != sum(line.points for line in self.points):
            raise ValueError("total_points is not the sum of the points lines")
        if self.indicative_pence != self.carer_neutral_pence + sum(a.amount_pence for a in self.adjustments):
            raise ValueError("indicative_pence is not the carer-neutral figure plus the adjustments")
        carer_break = sum(a.amount_pence for a in self.adjustments if a.kind == CARER_BREAK_REINFLATION)
        if self.carer_break_pence != carer_break:
            raise ValueError("carer_break_pence is not the sum of the carer-break re-inflation lines")
        if self.exceeds_cap != (self.cap_pence is not None and self.indicative_pence > self.cap_pence):
            raise ValueError("exceeds_cap does not match the indicative figure and the cap")
        return self


class _AdultInputs(_Record):
    answers: dict[str, str]
    carer_support: list[CarerSupport]


class _CarerInputs(_Record):
    impact: WellbeingImpact
    answers: dict[str, str]


def calculate_adult_budget(
    rule_set: RuleSet,
    *,
    person_id: str,
    answers: Mapping[str, str],
    carer_support: Sequence[CarerSupport],
) -> BudgetCalculation:
    """Indicative annual budget for an adult: carer-neutral first, then adjusted for willing and able carers."""
    _require_person_id(person_id)
    section = rule_set.adult
    lines = _score(section.questions, answers, every_required_answer=True)
    total_points = sum(line.points for line in lines)
    carers = _carers_in_stable_order(carer_support)

    match section:
        case PointsAdultSection(price_per_point_pence=price):
            carer_neutral_pence = total_points * price
            price_table: dict[str, Any] = {"price_per_point_pence": price}
            pricing = (
                f"At {format_pounds(price)} a point, the carer-neutral figure (as if there were no carer) "
                f"is {format_pounds(carer_neutral_pence)} a year."
            )
        case BandsAdultSection():
            band = section.band_for(total_points)
            carer_neutral_pence = band.annual_pence
            price_table = {"band_table": [b.model_dump(mode="json") for b in section.band_table]}
            pricing = (
                f"{total_points} points fall in the band for {band.min_points} to {band.max_points} points, "
                f"which gives a carer-neutral figure (as if there were no carer) of "
                f"{format_pounds(carer_neutral_pence)} a year."
            )
    price_table["carer_neutral"] = rule_set.carer_neutral.model_dump(mode="json")

    adjustments = _carer_neutral_adjustments(rule_set.carer_neutral, carer_neutral_pence, carers)
    indicative_pence = carer_neutral_pence + sum(a.amount_pence for a in adjustments)
    carer_break_pence = sum(a.amount_pence for a in adjustments if a.kind == CARER_BREAK_REINFLATION)
    cap_pence = section.cap_pence
    exceeds_cap = cap_pence is not None and indicative_pence > cap_pence

    explanation = [
        f"Indicative personal budget for adult {person_id}, worked out with {_rule_set_named(rule_set)}.",
        "Points from the needs assessment answers:",
        *_points_explained(lines),
        f"Total: {total_points} points. {pricing}",
        *_adjustments_explained(carers, adjustments),
        f"Indicative budget: {format_pounds(indicative_pence)} a year.",
        _cap_explained(indicative_pence, cap_pence),
        _indicative_not_final(),
    ]
    return BudgetCalculation(
        subject="adult",
        person_id=person_id,
        rule_set_id=rule_set.id,
        rule_set_version=rule_set.version,
        rule_set_hash=rule_set.content_hash,
        method=section.method,
        inputs=_AdultInputs(
            answers={line.question_id: line.answer_id for line in lines}, carer_support=carers
        ).model_dump(mode="json"),
        points=lines,
        total_points=total_points,
        price_table=price_table,
        carer_neutral_pence=carer_neutral_pence,
        adjustments=adjustments,
        indicative_pence=indicative_pence,
        cap_pence=cap_pence,
        exceeds_cap=exceeds_cap,
        carer_break_pence=carer_break_pence,
        explanation="\n".join(explanation),
    )


def check_answers(
    rule_set: RuleSet, subject: Literal["adult", "carer"], answers: Mapping[str, str], *, complete: bool = True
) -> None:
    """Refuse answers the rule set does not know, at the moment they are recorded, rather than only
    when a budget is worked out from them; ``complete`` also demands every required answer."""
    section = rule_set.adult if subject == "adult" else rule_set.carer
    _score(section.questions, answers, every_required_answer=complete)


def calculate_carer_budget(
    rule_set: RuleSet,
    *,
    person_id: str,
    impact: WellbeingImpact,
    answers: Mapping[str, str] = _NO_ANSWERS,
) -> BudgetCalculation:
    """Indicative annual budget for a carer in their own right, from the carer section of the rule set."""
    _require_person_id(person_id)
    impact = _wellbeing_impact(impact)
    section = rule_set.carer
    no_impact = impact is WellbeingImpact.NONE
    # With no impact on wellbeing there is nothing to price, so the questions need not all be answered.
    lines = _score(section.questions, answers, every_required_answer=not no_impact)
    total_points = sum(line.points for line in lines)

    explanation = [
        f"Indicative personal budget for carer {person_id}, worked out with {_rule_set_named(rule_set)}.",
        f"The carer's assessment records {_impact_named(impact)} on the carer's wellbeing.",
    ]
    match section:
        case TieredCarerSection(tiers=tiers):
            price_table: dict[str, Any] = {"tiers": tiers.model_dump(mode="json")}
            amount_pence = 0 if no_impact else tiers.for_impact(impact)
            explanation.append(
                "This rule set gives a set amount for each level of impact: "
                f"moderate {format_pounds(tiers.moderate)}, substantial {format_pounds(tiers.substantial)}, "
                f"critical {format_pounds(tiers.critical)} a year."
            )
            if not no_impact:
                explanation.append(f"For a {impact.value} impact that is {format_pounds(amount_pence)} a year.")
        case FlatCarerSection(amount_pence=flat):
            price_table = {"amount_pence": flat}
            amount_pence = 0 if no_impact else flat
            explanation.append(f"This rule set gives every eligible carer the same {format_pounds(flat)} a year.")
        case PointsCarerSection(price_per_point_pence=price):
            price_table = {"price_per_point_pence": price}
            amount_pence = 0 if no_impact else total_points * price
            explanation += [
                "Points from the carer's assessment answers:",
                *_points_explained(lines),
                f"Total: {total_points} points, at {format_pounds(price)} a point.",
            ]
    if no_impact:
        explanation.append(
            "Because the caring role has no impact on the carer's wellbeing, "
            "no carer's budget is allocated: £0.00 a year."
        )
    cap_pence = section.cap_pence
    exceeds_cap = cap_pence is not None and amount_pence > cap_pence
    explanation += [
        f"Indicative budget: {format_pounds(amount_pence)} a year.",
        _cap_explained(amount_pence, cap_pence),
        _indicative_not_final(),
    ]
    return BudgetCalculation(
        subject="carer",
        person_id=person_id,
        rule_set_id=rule_set.id,
        rule_set_version=rule_set.version,
        rule_set_hash=rule_set.content_hash,
        method=section.method,
        inputs=_CarerInputs(impact=impact, answers={line.question_id: line.answer_id for line in lines}).model_dump(
            mode="json"
        ),
        points=lines,
        total_points=total_points,
        price_table=price_table,
        carer_neutral_pence=amount_pence,
        adjustments=[],
        indicative_pence=amount_pence,
        cap_pence=cap_pence,
        exceeds_cap=exceeds_cap,
        carer_break_pence=0,
        explanation="\n".join(explanation),
    )


def recalculate(calculation: BudgetCalculation, rule_set: RuleSet) -> BudgetCalculation:
    """Run a recorded calculation again from its recorded inputs, with the very rule set it names."""
    if rule_set.content_hash != calculation.rule_set_hash:
        raise InvalidInput(
            f"the calculation was made with {calculation.rule_set_id} version {calculation.rule_set_version} "
            f"({calculation.rule_set_hash}) but the rule set given is {rule_set.id} version {rule_set.version} "
            f"({rule_set.content_hash}); a rule set file edited after publication no longer matches",
            code="rule_set_hash_mismatch",
            field="rule_set",
        )
    return reprice(calculation, rule_set)


def reprice(calculation: BudgetCalculation, rule_set: RuleSet) -> BudgetCalculation:
    """Work a recorded calculation out again from its recorded inputs under any rule set (a
    candidate, in a policy simulation): answers the rule set does not know are refused as when
    they are recorded."""
    try:
        if calculation.subject == "adult":
            adult = _AdultInputs.model_validate(calculation.inputs)
            return calculate_adult_budget(
                rule_set,
                person_id=calculation.person_id,
                answers=adult.answers,
                carer_support=adult.carer_support,
            )
        carer = _CarerInputs.model_validate(calculation.inputs)
    except ValidationError as exc:
        raise InvalidInput(
            f"the recorded inputs cannot be read back: {exc}", code="invalid_recorded_inputs", field="inputs"
        ) from exc
    return calculate_carer_budget(rule_set, person_id=calculation.person_id, impact=carer.impact, answers=carer.answers)


def _require_person_id(person_id: str) -> None:
    if not isinstance(person_id, str) or not person_id:
        raise InvalidInput(
            "a budget is always calculated for a named person", code="missing_person_id", field="person_id"
        )


def _wellbeing_impact(impact: WellbeingImpact | str) -> WellbeingImpact:
    try:
        return WellbeingImpact(impact)
    except ValueError as exc:
        levels = ", ".join(level.value for level in WellbeingImpact)
        raise InvalidInput(
            f"'{impact}' is not a level of impact on wellbeing; expected one of: {levels}",
            code="unknown_wellbeing_impact",
            field="impact",
        ) from exc


def _score(
    questions: tuple[Question, ...], answers: Mapping[str, str], *, every_required_answer: bool
) -> list[PointsLine]:
    if not isinstance(answers, Mapping):
        raise InvalidInput("answers must map question ids to answer ids", code="invalid_ras_answers", field="answers")
    by_id = {question.id: question for question in questions}
    # Sorted so that the same bad input always reports the same field first.
    for question_id in sorted(answers, key=str):
        if question_id not in by_id:
            raise InvalidInput(
                f"'{question_id}' is not a question in this rule set",
                code="unknown_ras_question",
                field=f"answers.{question_id}",
            )
    lines = []
    for question in questions:
        if question.id not in answers:
            if question.required and every_required_answer:
                raise InvalidInput(
                    f"'{question.id}' ({question.text}) must be answered",
                    code="missing_ras_answer",
                    field=f"answers.{question.id}",
                )
            continue
        answer_id = answers[question.id]
        if not isinstance(answer_id, str) or answer_id not in question.answers:
            raise InvalidInput(
                f"'{answer_id}' is not an answer to '{question.id}'; expected one of: {', '.join(question.answers)}",
                code="unknown_ras_answer",
                field=f"answers.{question.id}",
            )
        lines.append(
            PointsLine(
                question_id=question.id,
                question=question.text,
                answer_id=answer_id,
                points=question.answers[answer_id],
            )
        )
    return lines


def _carers_in_stable_order(carer_support: Sequence[CarerSupport]) -> list[CarerSupport]:
    seen: set[str] = set()
    for index, carer in enumerate(carer_support):
        if not isinstance(carer, CarerSupport):
            raise InvalidInput(
                "each carer's support must come from their recorded assessment",
                code="invalid_carer_support",
                field=f"carer_support[{index}]",
            )
        if carer.carer_id in seen:
            raise InvalidInput(
                f"carer {carer.carer_id} appears more than once",
                code="duplicate_carer",
                field=f"carer_support[{index}].carer_id",
            )
        seen.add(carer.carer_id)
    # Where the total reduction is bounded, who is counted first changes the lines; the order the
    # caller happened to list carers in must not.
    return sorted(carer_support, key=lambda carer: carer.carer_id)


def _carer_neutral_adjustments(
    policy: CarerNeutralSection, carer_neutral_pence: int, carers: list[CarerSupport]
) -> list[Adjustment]:
    adjustments = []
    applied_bp = 0
    reduced_pence = 0
    for carer in carers:
        if not (carer.willing_to_continue_caring and carer.able_to_continue_caring):
            adjustments.append(
                Adjustment(
                    kind=CARER_NEUTRAL_REDUCTION,
                    reason=f"{_cannot_count_on(carer)}, so their support does not reduce the budget.",
                    amount_pence=0,
                    carer_id=carer.carer_id,
                )
            )
            continue
        level_bp = policy.reduction_bp.for_level(carer.support_level)
        granted_bp = min(level_bp, policy.max_total_reduction_bp - applied_bp)
        applied_bp += granted_bp
        # Each line is the step it makes in the running total, so the lines add up exactly to the
        # bounded total reduction whatever the rounding, and the budget can never go below zero.
        running_pence = apply_basis_points(carer_neutral_pence, applied_bp)
        amount_pence, reduced_pence = running_pence - reduced_pence, running_pence
        reason = f"Carer {carer.carer_id} is recorded as willing and able to give {carer.support_level.value} support"
        if level_bp == 0:
            reason += "; the rule set makes no reduction for that level."
        elif granted_bp == level_bp:
            reason += f": the rule set reduces the carer-neutral figure by {_percent(level_bp)} for that level."
        else:
            reason += (
                f", which would reduce the carer-neutral figure by {_percent(level_bp)}, but the rule set limits "
                f"all carer-neutral reductions together to {_percent(policy.max_total_reduction_bp)}, "
                f"so this carer reduces it by {_percent(granted_bp)}."
            )
        adjustments.append(
            Adjustment(kind=CARER_NEUTRAL_REDUCTION, reason=reason, amount_pence=-amount_pence, carer_id=carer.carer_id)
        )
    if policy.carer_break_reinflation_bp is not None:
        share = _percent(policy.carer_break_reinflation_bp)
        if reduced_pence:
            reason = (
                f"So that the carer can take breaks, the rule set gives back {share} of the "
                f"{format_pounds(reduced_pence)} carer-neutral reduction, shown separately."
            )
        else:
            reason = (
                f"The rule set gives back {share} of any carer-neutral reduction for carer breaks; "
                "no reduction was made, so there is nothing to give back."
            )
        adjustments.append(
            Adjustment(
                kind=CARER_BREAK_REINFLATION,
                reason=reason,
                amount_pence=apply_basis_points(reduced_pence, policy.carer_break_reinflation_bp),
            )
        )
    return adjustments


def _cannot_count_on(carer: CarerSupport) -> str:
    missing = [
        word
        for word, recorded in (
            ("willing", carer.willing_to_continue_caring),
            ("able", carer.able_to_continue_caring),
        )
        if not recorded
    ]
    return f"Carer {carer.carer_id} is recorded as not {' and not '.join(missing)} to continue caring"


def _rule_set_named(rule_set: RuleSet) -> str:
    return (
        f"{rule_set.council}'s resource allocation rule set {rule_set.id} version {rule_set.version} "
        f"({rule_set.content_hash}), in force from {_long_date(rule_set.effective_from)}"
    )


def _points_explained(lines: list[PointsLine]) -> list[str]:
    if not lines:
        return ["- no questions answered"]
    return [
        f"- {line.question} ({line.question_id}): answer '{line.answer_id}' scores {_points(line.points)}"
        for line in lines
    ]


def _adjustments_explained(carers: list[CarerSupport], adjustments: list[Adjustment]) -> list[str]:
    explained = []
    if not carers:
        explained.append("No carer's support is recorded, so the carer-neutral figure is not reduced.")
    else:
        explained.append("Adjustments for what each carer's assessment records they are willing and able to do:")
    for adjustment in adjustments:
        explained.append(f"- {_signed_pounds(adjustment.amount_pence)}: {adjustment.reason}")
    return explained


def _cap_explained(indicative_pence: int, cap_pence: int | None) -> str:
    if cap_pence is None:
        return "This rule set sets no upper limit."
    if indicative_pence <= cap_pence:
        return f"This is within the rule set's upper limit of {format_pounds(cap_pence)} a year."
    return (
        f"This is {format_pounds(indicative_pence - cap_pence)} above the rule set's upper limit of "
        f"{format_pounds(cap_pence)} a year. The limit has not been applied: a limit that leaves eligible "
        "needs unmet is unlawful (CSSG 10.27), so any lower figure needs a decision with reasons."
    )


def _indicative_not_final() -> str:
    return (
        "This is an indicative figure, not the final personal budget: the final amount is agreed "
        "in the support plan and can be challenged (CSSG 11.24)."
    )


def _impact_named(impact: WellbeingImpact) -> str:
    return "no impact" if impact is WellbeingImpact.NONE else f"a {impact.value} impact"


def _percent(basis_points: int) -> str:
    return f"{basis_points // 100}.{basis_points % 100:02d}%"


def _points(points: int) -> str:
    return f"{points} point{'' if points == 1 else 's'}"


def _signed_pounds(pence: int) -> str:
    return format_pounds(pence) if pence < 0 else f"+{format_pounds(pence)}"


def _long_date(when: date) -> str:
    # Month names written out here so the explanation never depends on the machine's locale.
    return f"{when.day} {_MONTHS[when.month - 1]} {when.year}"
