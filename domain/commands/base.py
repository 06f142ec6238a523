"""What every command carries, and the council's settings a command may need.

Commands are imperative pydantic models. Validation happens here, at the boundary: an amount that
is a float or negative, an outcome not in the list or a malformed date is refused with the field
named, before the case is even loaded, so nothing is written.
"""

from __future__ import annotations

import hashlib
from datetime import datetime
from typing import TYPE_CHECKING, Annotated, Any, ClassVar, Protocol
from uuid import UUID

from pydantic import AwareDatetime, BaseModel, ConfigDict, Field, StrictStr

from domain.canonical import canonical_json
from domain.people import Actor
from domain.planning import SpendingRules
from domain.ras import RuleSet

if TYPE_CHECKING:
    from domain.case.aggregate import Case
    from domain.case.base import CommandContext

Identifier = Annotated[
    StrictStr, Field(min_length=1, max_length=64, pattern=r"^[A-Za-z0-9][A-Za-z0-9_.:-]*$",
                     description="An identifier: letters, digits and _ . : - (at most 64)")
]
Reason = Annotated[StrictStr, Field(min_length=1, max_length=4_000, description="Reasons, in plain English")]
Notes = Annotated[StrictStr, Field(max_length=8_000, description="Free text; may be empty")]
Name = Annotated[StrictStr, Field(min_length=1, max_length=200)]


class RuleSets(Protocol):
    def current(self, rule_set_id: str) -> RuleSet: ...

    def get(self, rule_set_id: str, version: str) -> RuleSet: ...


class CouncilSettings(BaseModel):
    """The council's own settings that commands need (policy, not code)."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    council_code: str = "E09000099"
    ras_rule_set_id: str = "northmoor-ras"
    panel_threshold_pence: int = Field(default=1_500_000, ge=0)
    spending_rules: SpendingRules = Field(default_factory=SpendingRules)


class Services(BaseModel):
    """What a command may consult beyond the case itself."""

    model_config = ConfigDict(frozen=True, arbitrary_types_allowed=True)

    council: CouncilSettings
    rule_sets: Any  # RuleSets; Any so pydantic does not try to validate a protocol


class CaseCommand(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")

    # A command that creates the case sets this; every other command needs the case to exist.
    creates_case: ClassVar[bool] = False

    case_id: UUID
    command_id: Identifier
    actor: Actor
    effective_at: AwareDatetime | None = Field(
        default=None, description="When the fact took effect, where that differs from when it is recorded"
    )

    @classmethod
    def type_name(cls) -> str:
        return cls.__name__

    def digest(self) -> str:
        """A fingerprint of everything the command says, so a command id sent again with different
        content is told apart from a true repeat."""
        content = self.model_dump(mode="json", exclude={"command_id"})
        return "sha256:" + hashlib.sha256(canonical_json([self.type_name(), content])).hexdigest()

    def context(self, recorded_at: datetime) -> "CommandContext":
        from domain.case.base import CommandContext

        return CommandContext(
            command_id=self.command_id,
            command_name=self.type_name(),
            command_digest=self.digest(),
            actor=self.actor,
            recorded_at=recorded_at,
            effective_at=self.effective_at,
        )

    def execute(self, case: "Case", ctx: "CommandContext", services: Services) -> None:
        """Call the one aggregate method this command stands for."""
        raise TypeError(f"{self.type_name()} does not act on an existing case")
