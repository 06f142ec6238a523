"""What every command carries, and the council's settings a command may need.

Commands are imperative pydantic models. Validation happens here, at the boundary: an amount that
is a float or negative, an outcome not in the list or a malformed date is refused with the field
named, before the case is even loaded, so nothing is written.
"""

from __future__ import annotations

import hashlib
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar, Protocol, runtime_checkable
from uuid import UUID

from pydantic import BaseModel, ConfigDict, Field, model_validator

from domain.canonical import canonical_json
from domain.case.state import AgreementTermsPolicy, RequiredChecks
from domain.delegation import SchemeOfDelegation, scheme_of_delegation
from domain.errors import InvalidInput
from domain.money import PENCE_CEILING, format_pounds
from domain.people import Actor
from domain.person_index import PersonIndex
from domain.planning import SpendingRules
from domain.ras import RuleSet
from domain.values import Identifier, Instant, LongText, Name, Notes, Reason, ShortText
from domain.vocabulary import RepresentativeCheck

if TYPE_CHECKING:
    from domain.case.aggregate import Case
    from domain.case.base import CommandContext

__all__ = [
    "CaseCommand",
    "CouncilSettings",
    "Identifier",
    "Instant",
    "LongText",
    "Name",
    "Notes",
    "Reason",
    "RuleSets",
    "Services",
    "ShortText",
    "amounts_in",
    "amounts_within_council_maximum",
    "date_must_not_be_in_the_future",
]


@runtime_checkable
class RuleSets(Protocol):
    """Where a command finds the council's published rule sets (``policy.RuleSetCatalogue``)."""

    def current(self, rule_set_id: str, *, on: date) -> RuleSet:
        """The version in force on ``on`` (the latest to take effect on or before it)."""
        ...

    def get(self, rule_set_id: str, version: str) -> RuleSet: ...


class CouncilSettings(BaseModel):
    """The council's own settings that commands need (policy, not code)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    council_code: str = "E09000099"
    ras_rule_set_id: str = "northmoor-ras"
    panel_threshold_pence: int = Field(default=1_500_000, ge=0, le=PENCE_CEILING)
    spending_rules: SpendingRules = Field(default_factory=SpendingRules)
    # The council's financial regulations: no single amount a command carries may exceed this
    # (£1,000,000 by default); the types' own ceiling is far above it (domain.money).
    max_amount_pence: int = Field(default=100_000_000, ge=1, le=PENCE_CEILING)
    # A direct payment agreement may differ from the signed-off plan's amount and frequency only if
    # its yearly total is within this many basis points of the plan's (100 = 1%).
    agreement_tolerance_basis_points: int = Field(default=0, ge=0, le=1_000)
    # How far back an agreement may start (the arrears become one catch-up payment that a finance
    # officer confirms) and how far ahead.
    agreement_backdating_limit_days: int = Field(default=182, ge=0, le=366)
    agreement_future_start_limit_days: int = Field(default=366, ge=0, le=731)
    # Direct payment monitoring (domain/case/monitoring.py): a receipt is needed for every item of
    # spend above this amount; a recovery of a surplus leaves the person this many weeks of their
    # payments as a contingency (0: the council allows none). When returns fall due is a service level.
    monitoring_receipt_threshold_pence: int = Field(default=5_000, ge=0, le=PENCE_CEILING)
    monitoring_contingency_weeks: int = Field(default=0, ge=0, le=26)
    # Urgent interim and temporary support is reviewed within this many days of starting (six weeks).
    interim_support_review_within_days: int = Field(default=42, ge=1, le=182)
    # The most a finance officer may write off when closing a direct payment account after an
    # ending (domain/case/endings.py); a head of service decides a larger write-off.
    write_off_limit_pence: int = Field(default=50_000, ge=0, le=PENCE_CEILING)
    # Whether the council charges a carer for the carer's own support (a financial assessment of the
    # carer's budget): most do not. Charging a carer for care given to the adult is never allowed.
    carers_charged_for_own_support: bool = False
    # How far ahead of the record's clock an ``effective_at`` may be (clock skew between systems).
    clock_skew_seconds: int = Field(default=300, ge=0, le=3_600)
    # The scheme of delegation (domain.delegation): a team manager approves up to the panel
    # threshold, the funding panel up to panel_limit_pence a year, a head of service exceptions up
    # to head_of_service_limit_pence. Checked against every amount approved, not only a plan's cost.
    delegation_scheme_version: str = Field(default="2026.1", min_length=1, max_length=40)
    panel_limit_pence: int = Field(default=10_000_000, ge=0, le=PENCE_CEILING)
    head_of_service_limit_pence: int = Field(default=100_000_000, ge=0, le=PENCE_CEILING)
    # A plan whose yearly cost is further than this from the indicative budget (basis points, 100 =
    # 1%) is submitted only with a recorded reason for the variance.
    variance_tolerance_basis_points: int = Field(default=1_000, ge=0, le=10_000)

    @model_validator(mode="after")
    def _limits_rise_with_seniority(self) -> CouncilSettings:
        if not self.panel_threshold_pence <= self.panel_limit_pence <= self.head_of_service_limit_pence:
            raise ValueError(
                "the scheme of delegation's limits rise with seniority: panel threshold <= panel limit "
                "<= head of service limit"
            )
        return self

    def scheme_of_delegation(self) -> SchemeOfDelegation:
        return scheme_of_delegation(
            version=self.delegation_scheme_version,
            panel_threshold_pence=self.panel_threshold_pence,
            panel_limit_pence=self.panel_limit_pence,
            head_of_service_limit_pence=self.head_of_service_limit_pence,
        )

    # Holding a budget (issue 18): the checks the council requires of every authorised person or
    # nominee, and those it requires in addition of one who is a paid manager.
    representative_checks: tuple[RepresentativeCheck, ...] = ()
    paid_manager_checks: tuple[RepresentativeCheck, ...] = (RepresentativeCheck.DBS_CHECK,)

    def agreement_terms_policy(self) -> AgreementTermsPolicy:
        """The rules an agreement's terms follow, made or varied (domain/case/rules.py)."""
        return AgreementTermsPolicy(
            tolerance_basis_points=self.agreement_tolerance_basis_points,
            backdating_limit_days=self.agreement_backdating_limit_days,
            future_start_limit_days=self.agreement_future_start_limit_days,
        )

    def required_representative_checks(self) -> RequiredChecks:
        return RequiredChecks(
            of_everyone=list(self.representative_checks), of_paid_managers=list(self.paid_manager_checks)
        )


class Services(BaseModel):
    """What a command may consult beyond the case itself."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    council: CouncilSettings
    rule_sets: RuleSets  # checked for its two methods: a protocol is not a model to validate
    # The person index across cases (the store's); None where no store is at hand (the workflow's
    # dry run), and the case record then answers for it.
    people: PersonIndex | None = None


class CaseCommand(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # A command that creates the case sets this; every other command needs the case to exist.
    creates_case: ClassVar[bool] = False

    case_id: UUID
    command_id: Identifier
    actor: Actor
    effective_at: Instant | None = Field(
        default=None,
        description="When the fact took effect, where that differs from when it is recorded: "
        "not ahead of the record's clock, not before the case began",
    )

    @classmethod
    def type_name(cls) -> str:
        return cls.__name__

    def digest(self) -> str:
        """A fingerprint of everything the command says, so a command id sent again with different
        content is told apart from a true repeat."""
        content = self.model_dump(mode="json", exclude={"command_id"})
        return "sha256:" + hashlib.sha256(canonical_json([self.type_name(), content])).hexdigest()

    def context(self, recorded_at: datetime) -> CommandContext:
        from domain.case.base import CommandContext

        return CommandContext(
            command_id=self.command_id,
            command_name=self.type_name(),
            command_digest=self.digest(),
            actor=self.actor,
            recorded_at=recorded_at,
            effective_at=self.effective_at,
        )

    def execute(self, case: Case, ctx: CommandContext, services: Services) -> None:
        """Call the one aggregate method this command stands for."""
        raise TypeError(f"{self.type_name()} does not act on an existing case")

    def admit(self, ctx: CommandContext, case_began_at: datetime | None, council: CouncilSettings) -> None:
        """The checks every command passes before it touches the case, against the council's limits
        and the record's clock (which a model cannot read: see domain.values). The case record and
        the workflow's dry-run both call this, so the workflow refuses what the record would.
        A command adds its own clock checks by extending this."""
        amounts_within_council_maximum(self, council)
        if self.effective_at is not None:
            latest = ctx.recorded_at + timedelta(seconds=council.clock_skew_seconds)
            if self.effective_at > latest:
                raise InvalidInput(
                    f"effective_at: {self.effective_at.isoformat()} is in the future; a fact takes effect "
                    "no later than it is recorded",
                    code="effective_at_in_the_future",
                    field="effective_at",
                    details={"recorded_at": ctx.recorded_at.isoformat()},
                )
            if case_began_at is not None and self.effective_at < case_began_at:
                raise InvalidInput(
                    f"effective_at: {self.effective_at.isoformat()} is before the case began "
                    f"({case_began_at.isoformat()})",
                    code="effective_at_before_case_began",
                    field="effective_at",
                    details={"case_began_at": case_began_at.isoformat()},
                )


def date_must_not_be_in_the_future(value: date, ctx: CommandContext, field: str) -> None:
    """A date of birth (or any date already past by its nature) cannot be after today."""
    today = ctx.recorded_at.astimezone(UTC).date()
    if value > today:
        raise InvalidInput(
            f"{field}: {value.isoformat()} is in the future",
            code="date_in_the_future",
            field=field,
            details={"today": today.isoformat()},
        )


def amounts_in(model: BaseModel, path: str) -> list[tuple[str, int]]:
    """Every amount of money in a command, nested plans and lines included, with its field path.

    An amount is any whole number in a field whose name ends in ``_pence``: the record's one
    convention for money, kept by every model."""
    found: list[tuple[str, int]] = []

    def visit(value: Any, where: str, is_money: bool) -> None:
        if isinstance(value, BaseModel):
            for name in type(value).model_fields:
                visit(getattr(value, name), f"{where}.{name}" if where else name, name.endswith("_pence"))
        elif isinstance(value, (list, tuple)):
            for index, item in enumerate(value):
                visit(item, f"{where}.{index}", is_money)
        elif isinstance(value, dict):
            for key, item in value.items():
                visit(item, f"{where}.{key}", is_money)
        elif is_money and isinstance(value, int) and not isinstance(value, bool):
            found.append((where, value))

    visit(model, path, False)
    return found


def amounts_within_council_maximum(command: CaseCommand, council: CouncilSettings) -> None:
    """The council's financial regulations: no amount above its maximum per amount, whoever asks.

    Checked by the case record and by the workflow's dry-run before any command runs, so an amount
    the council would never pay is refused at the door (422, naming the field), not discovered by
    a payment run."""
    for field, amount in amounts_in(command, ""):
        if abs(amount) > council.max_amount_pence:
            raise InvalidInput(
                f"{field}: {format_pounds(amount)} is above the council's maximum of "
                f"{format_pounds(council.max_amount_pence)} for one amount",
                code="amount_above_council_maximum",
                field=field,
                details={"amount_pence": amount, "maximum_pence": council.max_amount_pence},
            )
