"""A council's configuration as published data: ``<folder>/<council>/council.toml``, beside its rule sets.

The file holds the council's service levels and review intervals, its working days (the England and
Wales bank holidays, from the GOV.UK list the ``govuk-bank-holidays`` package ships, and its own
closure days), the scheme of delegation's limits and the panel threshold, its spending rules, whether
carers are charged for their own support, its money bounds and its retention period. Every key is
optional: a missing one keeps the domain brief's default, and the process names every value that
fell back when it starts (decision 0035). The values are checked by the models that use them
(``CouncilSettings``, ``ServiceLevels``), so a bound lives in one place; a value out of bounds, or a
key the file may not hold, is refused naming the key.

``SETTINGS`` is the one list of what a council sets: its key in the file, the environment variable
that overrides it where there is one, and the model field it fills. docs/configuration.md lists the
same (a test keeps the two together).
"""

from __future__ import annotations

import json
import tomllib
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import date, timedelta
from importlib import resources
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, StrictInt, TypeAdapter, ValidationError

from domain.commands import CouncilSettings
from domain.errors import InvalidInput
from domain.service_levels import ServiceLevels
from domain.vocabulary import Stage

COUNCIL_FILE = "council.toml"
# The division of the GOV.UK list whose bank holidays are not working days.
ENGLAND_AND_WALES: Literal["england-and-wales"] = "england-and-wales"

Target = Literal["council", "service_levels", "working_days", "retention"]


@dataclass(frozen=True)
class Setting:
    key: str  # dotted, as in the file: "service_levels.stage_days.assessment"
    target: Target
    field: str  # the field it fills, on the target's model
    env: str | None = None  # the environment variable that overrides it


def _stage_days() -> list[Setting]:
    return [
        Setting(f"service_levels.stage_days.{stage.value}", "service_levels", f"stage_limits.{stage.value}")
        for stage in ServiceLevels().stage_limits
    ]


SETTINGS: tuple[Setting, ...] = (
    Setting("council_code", "council", "council_code", "CARECASE_COUNCIL_CODE"),
    Setting("ras_rule_set", "council", "ras_rule_set_id", "CARECASE_RAS_RULE_SET"),
    # Service levels and review intervals.
    Setting("service_levels.screening_working_days", "service_levels", "screening_working_days"),
    *_stage_days(),
    Setting("service_levels.first_review_weeks", "service_levels", "first_review_weeks"),
    Setting("service_levels.review_interval_days", "service_levels", "review_interval_days"),
    Setting("service_levels.direct_payment_first_review_days", "service_levels", "direct_payment_first_review_days"),
    Setting("service_levels.monitoring_return_weeks", "service_levels", "monitoring_return_weeks"),
    Setting("service_levels.light_touch_return_weeks", "service_levels", "light_touch_return_weeks"),
    Setting("service_levels.light_touch_below_pence_a_year", "service_levels", "light_touch_below_pence_a_year"),
    Setting("service_levels.monitoring_return_grace_days", "service_levels", "monitoring_return_grace_days"),
    Setting("service_levels.finance_acknowledgement_hours", "service_levels", "finance_acknowledgement_hours"),
    Setting(
        "service_levels.interim_support_review_within_days",
        "council",
        "interim_support_review_within_days",
        "CARECASE_INTERIM_SUPPORT_REVIEW_WITHIN_DAYS",
    ),
    # Working days.
    Setting("working_days.bank_holidays", "working_days", "bank_holidays"),
    Setting("working_days.closure_days", "working_days", "closure_days"),
    # Sign-off and the scheme of delegation.
    Setting("sign_off.panel_threshold_pence", "council", "panel_threshold_pence", "CARECASE_PANEL_THRESHOLD_PENCE"),
    Setting("sign_off.panel_limit_pence", "council", "panel_limit_pence", "CARECASE_PANEL_LIMIT_PENCE"),
    Setting(
        "sign_off.head_of_service_limit_pence",
        "council",
        "head_of_service_limit_pence",
        "CARECASE_HEAD_OF_SERVICE_LIMIT_PENCE",
    ),
    Setting(
        "sign_off.delegation_scheme_version",
        "council",
        "delegation_scheme_version",
        "CARECASE_DELEGATION_SCHEME_VERSION",
    ),
    Setting(
        "sign_off.variance_tolerance_basis_points",
        "council",
        "variance_tolerance_basis_points",
        "CARECASE_VARIANCE_TOLERANCE_BASIS_POINTS",
    ),
    # Spending rules.
    Setting("spending_rules.excluded_categories", "council", "spending_rules.excluded_categories"),
    Setting(
        "spending_rules.max_residential_weeks_by_direct_payment",
        "council",
        "spending_rules.max_residential_weeks_by_direct_payment",
    ),
    Setting("spending_rules.same_household_wording", "council", "spending_rules.same_household_wording"),
    # Charging.
    Setting("charging.carers_charged_for_own_support", "council", "carers_charged_for_own_support"),
    # Money bounds.
    Setting("money.max_amount_pence", "council", "max_amount_pence", "CARECASE_MAX_AMOUNT_PENCE"),
    Setting(
        "money.agreement_tolerance_basis_points",
        "council",
        "agreement_tolerance_basis_points",
        "CARECASE_AGREEMENT_TOLERANCE_BASIS_POINTS",
    ),
    Setting(
        "money.agreement_backdating_limit_days",
        "council",
        "agreement_backdating_limit_days",
        "CARECASE_AGREEMENT_BACKDATING_LIMIT_DAYS",
    ),
    Setting(
        "money.agreement_future_start_limit_days",
        "council",
        "agreement_future_start_limit_days",
        "CARECASE_AGREEMENT_FUTURE_START_LIMIT_DAYS",
    ),
    Setting(
        "money.monitoring_receipt_threshold_pence",
        "council",
        "monitoring_receipt_threshold_pence",
        "CARECASE_MONITORING_RECEIPT_THRESHOLD_PENCE",
    ),
    Setting(
        "money.monitoring_contingency_weeks",
        "council",
        "monitoring_contingency_weeks",
        "CARECASE_MONITORING_CONTINGENCY_WEEKS",
    ),
    Setting("money.write_off_limit_pence", "council", "write_off_limit_pence"),
    # How far ahead of the record's clock an effective_at may be (clock skew between systems).
    Setting("records.clock_skew_seconds", "council", "clock_skew_seconds", "CARECASE_CLOCK_SKEW_SECONDS"),
    # Representatives.
    Setting("representatives.checks", "council", "representative_checks", "CARECASE_REPRESENTATIVE_CHECKS"),
    Setting("representatives.paid_manager_checks", "council", "paid_manager_checks", "CARECASE_PAID_MANAGER_CHECKS"),
    # Retention.
    Setting("retention.retention_days", "retention", "retention_days", "CARECASE_RETENTION_DAYS"),
)
BY_KEY = {setting.key: setting for setting in SETTINGS}


class WorkingDays(BaseModel):
    """Which weekdays are not working days: a division's bank holidays and the council's closures."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    bank_holidays: Literal["england-and-wales", "none"] = ENGLAND_AND_WALES
    closure_days: tuple[date, ...] = ()

    def closed_days(self) -> frozenset[date]:
        holidays = bank_holidays() if self.bank_holidays == ENGLAND_AND_WALES else frozenset()
        return holidays | frozenset(self.closure_days)


class Retention(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # A closed case's personal data is erased this many days after it closed (8 years; decision 0026).
    retention_days: int = Field(default=2922, ge=0, le=36_525)


def bank_holidays(division: str = ENGLAND_AND_WALES) -> frozenset[date]:
    """The division's bank holidays from the GOV.UK list shipped in ``govuk-bank-holidays``: read
    from the package's own file, never downloaded."""
    data = json.loads((resources.files("govuk_bank_holidays") / "bank-holidays.json").read_text(encoding="utf-8"))
    return frozenset(date.fromisoformat(event["date"]) for event in data[division]["events"])


@dataclass(frozen=True)
class PublishedCouncil:
    """What a council's configuration sets, checked, and what it left to the defaults."""

    council: CouncilSettings
    service_levels: ServiceLevels
    retention_days: int
    file: Path | None  # None when the council publishes no council.toml
    fell_back: tuple[str, ...]  # the keys neither the file nor the environment set


def council_file(policy_folder: Path, council: str) -> Path:
    return policy_folder / council / COUNCIL_FILE


def read_council_file(path: Path) -> dict[str, Any]:
    """The file's values by dotted key; none if it does not exist. A key the file may not hold is
    refused naming it."""
    if not path.exists():
        return {}
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except tomllib.TOMLDecodeError as error:
        raise InvalidInput(f"{path}: not TOML: {error}", code="invalid_council_configuration") from None
    data.pop("council", None)  # the council's name, for whoever reads the file
    values: dict[str, Any] = {}
    _flatten(data, "", values)
    return values


def _flatten(table: Mapping[str, Any], prefix: str, into: dict[str, Any]) -> None:
    for name, value in table.items():
        key = f"{prefix}{name}"
        if isinstance(value, dict) and key not in BY_KEY:
            _flatten(value, f"{key}.", into)
        else:
            into[key] = value


def publish(
    values: Mapping[str, Any], *, file: Path | None, sources: Mapping[str, str] | None = None
) -> PublishedCouncil:
    """The council's settings from values by dotted key (the file's, then the environment's over
    them), each checked by the model it fills; a value refused names its key (and its variable,
    where ``sources`` says it came from one)."""
    sources = sources or {}
    unknown = sorted(set(values) - set(BY_KEY))
    if unknown:
        raise _refused(file, unknown[0], "is not a setting a council configuration holds (docs/configuration.md)")
    by_target: dict[Target, dict[str, Any]] = {"council": {}, "service_levels": {}, "working_days": {}, "retention": {}}
    for key, value in values.items():
        setting = BY_KEY[key]
        _put(by_target[setting.target], setting.field, value)
    try:
        working_days = WorkingDays.model_validate(by_target["working_days"])
        retention = Retention.model_validate(by_target["retention"])
        stage_days = _stage_limits(by_target["service_levels"].pop("stage_limits", {}), file, sources)
        levels = ServiceLevels.model_validate(
            {
                **by_target["service_levels"],
                "stage_limits": {**ServiceLevels().stage_limits, **stage_days},
                "closed_days": working_days.closed_days(),
            }
        )
        council = CouncilSettings.model_validate(by_target["council"])
    except ValidationError as error:
        key = _key_of(error.title, error.errors()[0]["loc"])
        raise _refused(file, key, _why(error, key, sources)) from None
    fell_back = tuple(setting.key for setting in SETTINGS if setting.key not in values)
    return PublishedCouncil(
        council=council, service_levels=levels, retention_days=retention.retention_days, file=file, fell_back=fell_back
    )


def _put(target: dict[str, Any], field: str, value: Any) -> None:
    head, _, rest = field.partition(".")
    if rest:
        _put(target.setdefault(head, {}), rest, value)
    else:
        target[head] = value


# A stage's service level, in whole days (0: due as soon as the stage begins).
_DAYS: TypeAdapter[int] = TypeAdapter(Annotated[StrictInt, Field(ge=0, le=366)])


def _stage_limits(days: Mapping[str, Any], file: Path | None, sources: Mapping[str, str]) -> dict[Stage, timedelta]:
    limits = {}
    for stage, value in days.items():
        try:
            limits[Stage(stage)] = timedelta(days=_DAYS.validate_python(value))
        except ValidationError as error:
            key = f"service_levels.stage_days.{stage}"
            raise _refused(file, key, _why(error, key, sources)) from None
    return limits


def _why(error: ValidationError, key: str, sources: Mapping[str, str]) -> str:
    where = f" (from {sources[key]})" if key in sources else ""
    return f"{error.errors()[0]['msg']}{where}"


_TARGET_OF_MODEL: dict[str, Target] = {
    "CouncilSettings": "council",
    "ServiceLevels": "service_levels",
    "WorkingDays": "working_days",
    "Retention": "retention",
}


def _key_of(model: str, loc: tuple[int | str, ...]) -> str:
    """The file's key for a model's error location (the longest field path a setting fills)."""
    target = _TARGET_OF_MODEL.get(model)
    path = [str(part) for part in loc]
    for length in range(len(path), 0, -1):
        field = ".".join(path[:length])
        for setting in SETTINGS:
            if setting.target == target and setting.field == field:
                return setting.key
    # A check across fields (the scheme of delegation's limits rising with seniority) has no one field.
    return ".".join(path) or "sign_off"


def _refused(file: Path | None, key: str, why: str) -> InvalidInput:
    where = f"{file}: " if file is not None else ""
    return InvalidInput(
        f"{where}{key}: {why}",
        code="invalid_council_configuration",
        field=key,
        details={"file": str(file)} if file is not None else {},
    )
