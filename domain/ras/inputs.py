"""What the resource allocation system is fed from the assessments, apart from the answers."""

from __future__ import annotations

from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field, StrictBool


class CarerSupportLevel(StrEnum):
    NONE = "none"
    OCCASIONAL = "occasional"
    REGULAR = "regular"
    SUBSTANTIAL = "substantial"


class WellbeingImpact(StrEnum):
    NONE = "none"
    MODERATE = "moderate"
    SUBSTANTIAL = "substantial"
    CRITICAL = "critical"


class CarerSupport(BaseModel):
    """What a carer's *recorded* assessment says they are willing and able to do.

    Carer-neutral allocation (SCIE Report 40) may only lean on this record, never on an
    assumption that a relative will help.
    """

    model_config = ConfigDict(frozen=True, extra="forbid")

    carer_id: str = Field(min_length=1)
    willing_to_continue_caring: StrictBool
    able_to_continue_caring: StrictBool
    support_level: CarerSupportLevel
