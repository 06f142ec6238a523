"""A council's Resource Allocation System (RAS) rule set: versioned, published data.

The rule set is data rather than code so that a council can publish a new version without a
release, and so that every calculation can name the exact bytes it was priced with (rule P3):
``content_hash`` is the SHA-256 of the file as read, so an edited file can never pass for the
version a calculation recorded. Every amount is annual, in whole pence.
"""

from __future__ import annotations

import hashlib
import tomllib
from datetime import date
from typing import Annotated, Any, Literal

from pydantic import (
    AfterValidator,
    BaseModel,
    ConfigDict,
    Field,
    StrictBool,
    StrictInt,
    ValidationError,
    ValidationInfo,
    field_validator,
    model_validator,
)

from domain.errors import InvalidInput
from domain.money import BasisPoints, Pence
from domain.ras.inputs import CarerSupportLevel, WellbeingImpact

Identifier = Annotated[str, Field(pattern=r"^[a-z0-9]+(?:[-_][a-z0-9]+)*$")]
Version = Annotated[str, Field(pattern=r"^[0-9A-Za-z][0-9A-Za-z._-]*$")]
Points = Annotated[StrictInt, Field(ge=0)]
PricePerPoint = Annotated[Pence, Field(gt=0)]


class _RuleSetPart(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class Question(_RuleSetPart):
    id: Identifier
    text: str = Field(min_length=1)
    required: StrictBool = True
    answers: dict[Identifier, Points] = Field(min_length=1, description="answer id -> points")

    @property
    def most_points(self) -> int:
        return max(self.answers.values())


def _questions_are_listed_once(questions: tuple[Question, ...]) -> tuple[Question, ...]:
    # Checked here rather than with min_length, which also complains whenever one question is invalid.
    if not questions:
        raise ValueError("at least one question is needed")
    seen: set[str] = set()
    for question in questions:
        if question.id in seen:
            raise ValueError(f"question id '{question.id}' appears more than once")
        seen.add(question.id)
    return questions


Questions = Annotated[tuple[Question, ...], AfterValidator(_questions_are_listed_once)]


class Band(_RuleSetPart):
    min_points: Points
    max_points: Points
    annual_pence: Pence

    @model_validator(mode="after")
    def _band_is_not_empty(self) -> Band:
        if self.min_points > self.max_points:
            raise ValueError(f"min_points {self.min_points} is above max_points {self.max_points}")
        return self


class PointsAdultSection(_RuleSetPart):
    """Total points × price per point."""

    method: Literal["points"]
    questions: Questions
    price_per_point_pence: PricePerPoint
    cap_pence: Pence | None = None


class BandsAdultSection(_RuleSetPart):
    """Total points looked up in a band table of annual amounts."""

    method: Literal["bands"]
    questions: Questions
    band_table: tuple[Band, ...]
    cap_pence: Pence | None = None

    @field_validator("band_table")
    @classmethod
    def _every_possible_total_has_one_band(cls, band_table: tuple[Band, ...], info: ValidationInfo) -> tuple[Band, ...]:
        if not band_table:
            raise ValueError("at least one band is needed")
        # Gaps or overlaps would leave some totals priced twice or not at all.
        expected_min = 0
        for index, band in enumerate(band_table):
            if band.min_points != expected_min:
                raise ValueError(
                    f"band {index} starts at {band.min_points} points but must start at {expected_min}: "
                    "bands run on from 0 with no gaps or overlaps"
                )
            expected_min = band.max_points + 1
        questions: tuple[Question, ...] = info.data.get("questions", ())
        highest_total = sum(question.most_points for question in questions)
        if band_table[-1].max_points < highest_total:
            raise ValueError(
                f"the last band ends at {band_table[-1].max_points} points but the questions can score {highest_total}"
            )
        return band_table

    def band_for(self, total_points: int) -> Band:
        return next(band for band in self.band_table if band.min_points <= total_points <= band.max_points)


AdultSection = Annotated[PointsAdultSection | BandsAdultSection, Field(discriminator="method")]


class CarerNeutralReductions(_RuleSetPart):
    """Basis points taken off the carer-neutral figure for each level of support a carer gives."""

    none: Literal[0] = Field(0, description="a carer who gives no support cannot reduce the adult's budget")
    occasional: BasisPoints
    regular: BasisPoints
    substantial: BasisPoints

    def for_level(self, level: CarerSupportLevel) -> int:
        return int(getattr(self, level.value))


class CarerNeutralSection(_RuleSetPart):
    reduction_bp: CarerNeutralReductions
    max_total_reduction_bp: BasisPoints
    carer_break_reinflation_bp: BasisPoints | None = Field(
        None,
        description="share of the total carer-neutral reduction given back, as its own line, for carer breaks",
    )


class CarerTiers(_RuleSetPart):
    moderate: Pence
    substantial: Pence
    critical: Pence

    @model_validator(mode="after")
    def _greater_impact_never_gets_less(self) -> CarerTiers:
        if not self.moderate <= self.substantial <= self.critical:
            raise ValueError("tier amounts must not fall as the impact rises (moderate <= substantial <= critical)")
        return self

    def for_impact(self, impact: WellbeingImpact) -> int:
        return int(getattr(self, impact.value))


class TieredCarerSection(_RuleSetPart):
    """A set amount for each level of impact on the carer's wellbeing."""

    method: Literal["tiered"]
    tiers: CarerTiers
    cap_pence: Pence | None = None

    @property
    def questions(self) -> tuple[Question, ...]:
        return ()


class FlatCarerSection(_RuleSetPart):
    """One amount for every eligible carer."""

    method: Literal["flat"]
    amount_pence: Pence
    cap_pence: Pence | None = None

    @property
    def questions(self) -> tuple[Question, ...]:
        return ()


class PointsCarerSection(_RuleSetPart):
    """A carer's own RAS: total points × price per point."""

    method: Literal["points"]
    questions: Questions
    price_per_point_pence: PricePerPoint
    cap_pence: Pence | None = None


CarerSection = Annotated[TieredCarerSection | FlatCarerSection | PointsCarerSection, Field(discriminator="method")]


class RuleSet(_RuleSetPart):
    id: Identifier
    version: Version
    council: str = Field(min_length=1)
    effective_from: date
    adult: AdultSection
    carer_neutral: CarerNeutralSection
    carer: CarerSection
    content_hash: str = Field(pattern=r"^sha256:[0-9a-f]{64}$")


def parse_rule_set(data: bytes) -> RuleSet:
    """Parse and validate the TOML bytes of a rule set file, stamping the hash of those exact bytes."""
    if not isinstance(data, bytes):
        raise InvalidInput("a rule set is parsed from the exact bytes of its file", code="invalid_rule_set_file")
    try:
        raw = tomllib.loads(data.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise InvalidInput(f"rule set file is not UTF-8: {exc}", code="invalid_rule_set_file") from exc
    except tomllib.TOMLDecodeError as exc:
        raise InvalidInput(f"rule set file is not valid TOML: {exc}", code="invalid_rule_set_file") from exc
    if "content_hash" in raw:
        raise InvalidInput(
            "content_hash is worked out from the file's bytes and must not be written in the file",
            code="invalid_rule_set",
            field="content_hash",
        )
    content_hash = "sha256:" + hashlib.sha256(data).hexdigest()
    try:
        return RuleSet.model_validate({**raw, "content_hash": content_hash})
    except ValidationError as exc:
        raise _invalid_rule_set(exc, raw) from exc


def _invalid_rule_set(error: ValidationError, raw: dict[str, Any]) -> InvalidInput:
    problems = []
    for detail in error.errors(include_url=False):
        field = _field_path(detail["loc"], raw)
        if detail["type"] in {"union_tag_not_found", "union_tag_invalid"}:
            field = f"{field}.method"
        problems.append({"field": field, "message": detail["msg"]})
    message = "invalid rule set: " + "; ".join(f"{p['field']}: {p['message']}" for p in problems)
    return InvalidInput(message, code="invalid_rule_set", field=problems[0]["field"], details={"errors": problems})


def _field_path(loc: tuple[int | str, ...], raw: Any) -> str:
    """Turn pydantic's error location into the dotted path of the key in the TOML file."""
    path = ""
    node = raw
    for segment in loc:
        if isinstance(segment, int):
            path += f"[{segment}]"
            node = node[segment] if isinstance(node, list) and 0 <= segment < len(node) else None
            continue
        if isinstance(node, dict) and segment not in node and node.get("method") == segment:
            # pydantic names the chosen member of a discriminated union by its tag; the file has no such key.
            continue
        path = f"{path}.{segment}" if path else segment
        node = node.get(segment) if isinstance(node, dict) else None
    return path
