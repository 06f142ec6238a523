"""Eligibility determination: rules E1 (adult) and E2 (carer) of the domain brief.

The Care and Support (Eligibility Criteria) Regulations 2015 as code. Regulation 2 decides an
adult's needs, regulation 3 a carer's. Each determination carries its three conditions and a
written reason, because the Care Act 2014, s.13(2), requires the council to give the person a
written record of the decision and its reasons.

The assessment findings are recorded by the practitioner; this module only applies the law to
them. It is pure: no clock, no storage, and the same findings always give the same text.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from enum import StrEnum
from typing import Annotated, Any, Literal, TypeVar

from pydantic import AfterValidator, BaseModel, ConfigDict, ValidationError
from pydantic_core import PydanticCustomError

from domain.errors import InvalidInput

ADULT_REGULATION = "Care and Support (Eligibility Criteria) Regulations 2015, regulation 2"
CARER_REGULATION = "Care and Support (Eligibility Criteria) Regulations 2015, regulation 3"

ADULT_OUTCOMES_NEEDED = 2
CARER_OUTCOMES_NEEDED = 1

_Findings = TypeVar("_Findings", bound=BaseModel)
_Outcome = TypeVar("_Outcome", bound=StrEnum)


class AdultOutcome(StrEnum):
    """The ten outcomes of regulation 2(2), in the regulation's order."""

    NUTRITION = "nutrition"
    PERSONAL_HYGIENE = "personal_hygiene"
    TOILET_NEEDS = "toilet_needs"
    APPROPRIATELY_CLOTHED = "appropriately_clothed"
    USING_HOME_SAFELY = "using_home_safely"
    HABITABLE_HOME = "habitable_home"
    RELATIONSHIPS = "relationships"
    WORK_TRAINING_EDUCATION_VOLUNTEERING = "work_training_education_volunteering"
    COMMUNITY_FACILITIES = "community_facilities"
    CARING_FOR_A_CHILD = "caring_for_a_child"


class CarerOutcome(StrEnum):
    """The eight outcomes of regulation 3(2)(b), in the regulation's order."""

    CARING_FOR_A_CHILD = "caring_for_a_child"
    CARING_FOR_OTHERS = "caring_for_others"
    HABITABLE_HOME = "habitable_home"
    NUTRITION = "nutrition"
    RELATIONSHIPS = "relationships"
    WORK_TRAINING_EDUCATION_VOLUNTEERING = "work_training_education_volunteering"
    COMMUNITY_FACILITIES = "community_facilities"
    RECREATION = "recreation"


class Difficulty(StrEnum):
    """The limbs of "unable to achieve" (regulation 2(3) for adults, 3(3) for carers)."""

    NEEDS_ASSISTANCE = "needs_assistance"
    SIGNIFICANT_PAIN_DISTRESS_OR_ANXIETY = "significant_pain_distress_or_anxiety"
    ENDANGERS_HEALTH_OR_SAFETY = "endangers_health_or_safety"
    # Regulation 3(3) has no "significantly longer" limb, so a carer cannot rely on it.
    TAKES_SIGNIFICANTLY_LONGER = "takes_significantly_longer"


LIMBS_AVAILABLE_TO_CARERS = frozenset(
    {
        Difficulty.NEEDS_ASSISTANCE,
        Difficulty.SIGNIFICANT_PAIN_DISTRESS_OR_ANXIETY,
        Difficulty.ENDANGERS_HEALTH_OR_SAFETY,
    }
)


def outcome_needs_at_least_one_limb(limbs: list[Difficulty]) -> list[Difficulty]:
    # An outcome listed with no limb would count towards eligibility with no legal basis.
    if not limbs:
        raise PydanticCustomError(
            "limbs_required",
            "unable_to_achieve: an outcome listed as unable to achieve must name at least one "
            "way in which the person is unable to achieve it",
        )
    return limbs


def limbs_must_not_repeat(limbs: list[Difficulty]) -> list[Difficulty]:
    repeated = sorted({limb.value for limb in limbs if limbs.count(limb) > 1})
    if repeated:
        raise PydanticCustomError(
            "duplicate_limbs",
            "unable_to_achieve: each limb may be given once per outcome; repeated: {repeated}",
            {"repeated": ", ".join(repeated)},
        )
    return limbs


def carer_limbs_must_be_in_regulation_3(limbs: list[Difficulty]) -> list[Difficulty]:
    excluded = [limb.value for limb in limbs if limb not in LIMBS_AVAILABLE_TO_CARERS]
    if excluded:
        raise PydanticCustomError(
            "limb_not_available_to_carers",
            "unable_to_achieve: regulation 3(3) gives carers only the first three limbs; "
            "not available to a carer: {excluded}",
            {"excluded": ", ".join(excluded)},
        )
    return limbs


AdultLimbs = Annotated[
    list[Difficulty],
    AfterValidator(outcome_needs_at_least_one_limb),
    AfterValidator(limbs_must_not_repeat),
]
CarerLimbs = Annotated[
    list[Difficulty],
    AfterValidator(outcome_needs_at_least_one_limb),
    AfterValidator(limbs_must_not_repeat),
    AfterValidator(carer_limbs_must_be_in_regulation_3),
]


class AdultNeedsFindings(BaseModel):
    """What the needs assessment found, as regulation 2 asks it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    needs_arise_from_impairment_or_illness: bool
    # Assessed as if no carer were helping (carer-blind, domain brief step 3).
    unable_to_achieve: dict[AdultOutcome, AdultLimbs] = {}
    significant_impact_on_wellbeing: bool
    # Kept for support planning, where the carer's willing and able help is taken into account;
    # eligibility never reads it (see carer_blind_view).
    carer_currently_helps_with: list[AdultOutcome] = []


class CarerNeedsFindings(BaseModel):
    """What the carer's assessment found, as regulation 3 asks it."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    needs_arise_from_providing_necessary_care: bool
    health_deteriorating_or_at_risk: bool
    unable_to_achieve: dict[CarerOutcome, CarerLimbs] = {}
    significant_impact_on_wellbeing: bool


class ConditionResult(BaseModel):
    model_config = ConfigDict(frozen=True)

    name: str
    met: bool
    reason: str


class EligibilityDetermination(BaseModel):
    model_config = ConfigDict(frozen=True)

    person_kind: Literal["adult", "carer"]
    eligible: bool
    regulation: str
    conditions: list[ConditionResult]
    outcomes_unable_to_achieve: list[str]
    reasons: str
    prevention_advice_required: bool


def read_adult_findings(data: Mapping[str, Any]) -> AdultNeedsFindings:
    """Build adult findings from plain data, refusing bad input as ``InvalidInput``."""
    return _read_findings(AdultNeedsFindings, data)


def read_carer_findings(data: Mapping[str, Any]) -> CarerNeedsFindings:
    """Build carer findings from plain data, refusing bad input as ``InvalidInput``."""
    return _read_findings(CarerNeedsFindings, data)


def _read_findings(model: type[_Findings], data: Mapping[str, Any]) -> _Findings:
    try:
        return model.model_validate(data)
    except ValidationError as error:
        # Inputs are left out of the details: they can hold personal information about the case.
        problems = error.errors(include_url=False, include_context=False, include_input=False)
        first = problems[0]
        raise InvalidInput(
            first["msg"],
            code=first["type"],
            field=".".join(str(part) for part in first["loc"]),
            details={
                "errors": [
                    {"field": ".".join(str(part) for part in p["loc"]), "code": p["type"], "message": p["msg"]}
                    for p in problems
                ]
            },
        ) from error


# --- Carer-blind --------------------------------------------------------------------------------
# An adult's eligibility is decided as if the carer's help did not exist (domain brief step 3):
# a carer's willingness to help must never make the adult's needs ineligible. The help is weighed
# later, at support planning. Determination reads only this view, so the rule holds by construction.


def carer_blind_view(findings: AdultNeedsFindings) -> AdultNeedsFindings:
    """The adult's findings with every trace of a carer's current help removed."""
    return findings.model_copy(update={"carer_currently_helps_with": []})


# --- Determination ------------------------------------------------------------------------------


def determine_adult_eligibility(findings: AdultNeedsFindings) -> EligibilityDetermination:
    """Regulation 2(1): all three conditions (a), (b) and (c) must be met."""
    findings = carer_blind_view(findings)
    outcomes = _in_definition_order(findings.unable_to_achieve, AdultOutcome)
    who = "the person"

    conditions = [
        ConditionResult(
            name="needs_arise_from_impairment_or_illness",
            met=findings.needs_arise_from_impairment_or_illness,
            reason=(
                "The needs arise from or are related to a physical or mental impairment or illness "
                "(regulation 2(1)(a))."
                if findings.needs_arise_from_impairment_or_illness
                else "The needs do not arise from, and are not related to, a physical or mental "
                "impairment or illness (regulation 2(1)(a))."
            ),
        ),
        ConditionResult(
            name="unable_to_achieve_two_or_more_outcomes",
            met=len(outcomes) >= ADULT_OUTCOMES_NEEDED,
            reason=(
                f"{_outcomes_sentence(who, outcomes, _ADULT_OUTCOME_WORDS, 'regulation 2(2)')} "
                "Regulation 2(1)(b) requires two or more."
            ),
        ),
        ConditionResult(
            name="significant_impact_on_wellbeing",
            met=findings.significant_impact_on_wellbeing,
            reason=_wellbeing_sentence(who, findings.significant_impact_on_wellbeing, "regulation 2(1)(c)"),
        ),
    ]
    return _determination(
        person_kind="adult",
        regulation=ADULT_REGULATION,
        conditions=conditions,
        outcomes=outcomes,
        opening=(
            f"The adult's needs were assessed against the {ADULT_REGULATION}, "
            "under which all three conditions must be met."
        ),
        closing_note=(
            "Whether the person can achieve each outcome was judged as if no carer were helping, "
            "so help that a carer gives did not count against eligibility."
        ),
    )


def determine_carer_eligibility(findings: CarerNeedsFindings) -> EligibilityDetermination:
    """Regulation 3(1): all three conditions (a), (b) and (c) must be met."""
    outcomes = _in_definition_order(findings.unable_to_achieve, CarerOutcome)
    who = "the carer"
    health = findings.health_deteriorating_or_at_risk

    health_sentence = (
        "The carer's physical or mental health is, or is at risk of, deteriorating (regulation 3(2)(a))."
        if health
        else "The carer's physical or mental health is not deteriorating and not at risk of "
        "deteriorating (regulation 3(2)(a))."
    )
    conditions = [
        ConditionResult(
            name="needs_arise_from_providing_necessary_care",
            met=findings.needs_arise_from_providing_necessary_care,
            reason=(
                "The carer's needs arise as a consequence of providing necessary care for an adult "
                "(regulation 3(1)(a))."
                if findings.needs_arise_from_providing_necessary_care
                else "The carer's needs do not arise as a consequence of providing necessary care "
                "for an adult (regulation 3(1)(a))."
            ),
        ),
        ConditionResult(
            name="health_at_risk_or_unable_to_achieve_an_outcome",
            met=health or len(outcomes) >= CARER_OUTCOMES_NEEDED,
            reason=(
                f"{health_sentence} "
                f"{_outcomes_sentence(who, outcomes, _CARER_OUTCOME_WORDS, 'regulation 3(2)(b)')} "
                "Regulation 3(1)(b) requires either of these."
            ),
        ),
        ConditionResult(
            name="significant_impact_on_wellbeing",
            met=findings.significant_impact_on_wellbeing,
            reason=_wellbeing_sentence(who, findings.significant_impact_on_wellbeing, "regulation 3(1)(c)"),
        ),
    ]
    return _determination(
        person_kind="carer",
        regulation=CARER_REGULATION,
        conditions=conditions,
        outcomes=outcomes,
        opening=(
            f"The carer's needs were assessed against the {CARER_REGULATION}, "
            "under which all three conditions must be met."
        ),
        closing_note=None,
    )


# --- Plain-English wording ----------------------------------------------------------------------
# Words follow the regulations closely so an auditor can match each reason to its source.

_ADULT_OUTCOME_WORDS: dict[AdultOutcome, str] = {
    AdultOutcome.NUTRITION: "managing and maintaining nutrition",
    AdultOutcome.PERSONAL_HYGIENE: "maintaining personal hygiene",
    AdultOutcome.TOILET_NEEDS: "managing toilet needs",
    AdultOutcome.APPROPRIATELY_CLOTHED: "being appropriately clothed",
    AdultOutcome.USING_HOME_SAFELY: "being able to make use of the home safely",
    AdultOutcome.HABITABLE_HOME: "maintaining a habitable home environment",
    AdultOutcome.RELATIONSHIPS: "developing and maintaining family or other personal relationships",
    AdultOutcome.WORK_TRAINING_EDUCATION_VOLUNTEERING: (
        "accessing and engaging in work, training, education or volunteering"
    ),
    AdultOutcome.COMMUNITY_FACILITIES: (
        "making use of necessary facilities or services in the local community, "
        "including public transport and recreational facilities or services"
    ),
    AdultOutcome.CARING_FOR_A_CHILD: "carrying out any caring responsibilities the adult has for a child",
}

_CARER_OUTCOME_WORDS: dict[CarerOutcome, str] = {
    CarerOutcome.CARING_FOR_A_CHILD: "carrying out any caring responsibilities the carer has for a child",
    CarerOutcome.CARING_FOR_OTHERS: "providing care to other persons for whom the carer provides care",
    CarerOutcome.HABITABLE_HOME: "maintaining a habitable home environment in the carer's home",
    CarerOutcome.NUTRITION: "managing and maintaining nutrition",
    CarerOutcome.RELATIONSHIPS: "developing and maintaining family or other personal relationships",
    CarerOutcome.WORK_TRAINING_EDUCATION_VOLUNTEERING: "engaging in work, training, education or volunteering",
    CarerOutcome.COMMUNITY_FACILITIES: (
        "making use of necessary facilities or services in the local community, "
        "including recreational facilities or services"
    ),
    CarerOutcome.RECREATION: "engaging in recreational activities",
}

_LIMB_WORDS: dict[Difficulty, str] = {
    Difficulty.NEEDS_ASSISTANCE: "{who} cannot achieve it without assistance",
    Difficulty.SIGNIFICANT_PAIN_DISTRESS_OR_ANXIETY: (
        "achieving it without assistance causes {who} significant pain, distress or anxiety"
    ),
    Difficulty.ENDANGERS_HEALTH_OR_SAFETY: (
        "achieving it without assistance endangers, or is likely to endanger, "
        "the health or safety of {who} or of others"
    ),
    Difficulty.TAKES_SIGNIFICANTLY_LONGER: (
        "achieving it without assistance takes {who} significantly longer than would normally be expected"
    ),
}


def _in_definition_order(
    unable_to_achieve: Mapping[_Outcome, list[Difficulty]], outcome_type: type[_Outcome]
) -> list[tuple[_Outcome, list[Difficulty]]]:
    # Dict order depends on how the findings were typed in; the written reasons must not.
    return [
        (outcome, [limb for limb in Difficulty if limb in unable_to_achieve[outcome]])
        for outcome in outcome_type
        if outcome in unable_to_achieve
    ]


def _outcomes_sentence(
    who: str,
    outcomes: list[tuple[_Outcome, list[Difficulty]]],
    words: Mapping[_Outcome, str],
    citation: str,
) -> str:
    total = len(words)
    if not outcomes:
        return f"{who.capitalize()} was not found unable to achieve any of the {total} specified outcomes ({citation})."
    described = "; ".join(
        f"{words[outcome]}, because {_join([_LIMB_WORDS[limb].format(who=who) for limb in limbs])}"
        for outcome, limbs in outcomes
    )
    return (
        f"{who.capitalize()} is unable to achieve {len(outcomes)} of the {total} specified outcomes "
        f"({citation}): {described}."
    )


def _wellbeing_sentence(who: str, significant: bool, citation: str) -> str:
    if significant:
        return (
            "As a consequence there is, or is likely to be, a significant impact on the wellbeing of "
            f"{who} ({citation})."
        )
    return f"There is not, and is not likely to be, a significant impact on the wellbeing of {who} ({citation})."


def _join(parts: list[str]) -> str:
    if len(parts) <= 1:
        return "".join(parts)
    return f"{', '.join(parts[:-1])} and {parts[-1]}"


_CONDITION_TITLES: dict[str, str] = {
    "needs_arise_from_impairment_or_illness": "needs arising from an impairment or illness",
    "unable_to_achieve_two_or_more_outcomes": "unable to achieve two or more outcomes",
    "needs_arise_from_providing_necessary_care": "needs arising from providing necessary care",
    "health_at_risk_or_unable_to_achieve_an_outcome": "health at risk, or unable to achieve an outcome",
    "significant_impact_on_wellbeing": "significant impact on wellbeing",
}


def _determination(
    *,
    person_kind: Literal["adult", "carer"],
    regulation: str,
    conditions: list[ConditionResult],
    outcomes: Sequence[tuple[StrEnum, list[Difficulty]]],
    opening: str,
    closing_note: str | None,
) -> EligibilityDetermination:
    eligible = all(condition.met for condition in conditions)
    sentences = [opening]
    for number, condition in enumerate(conditions, start=1):
        verdict = "is met" if condition.met else "is not met"
        sentences.append(f"Condition {number} ({_CONDITION_TITLES[condition.name]}) {verdict}: {condition.reason}")
    if closing_note is not None:
        sentences.append(closing_note)
    if eligible:
        sentences.append("The needs therefore meet the eligibility criteria.")
    else:
        sentences.append(
            "The needs therefore do not meet the eligibility criteria. The council must still give "
            "written advice and information about what can be done to meet or reduce the needs and to "
            "prevent or delay needs developing in future (Care Act 2014, section 13(5))."
        )
    return EligibilityDetermination(
        person_kind=person_kind,
        eligible=eligible,
        regulation=regulation,
        conditions=conditions,
        outcomes_unable_to_achieve=sorted(outcome.value for outcome, _ in outcomes),
        reasons=" ".join(sentences),
        prevention_advice_required=not eligible,
    )
