"""Who does things to a case: staff actors and their roles."""

from __future__ import annotations

from datetime import date
from enum import StrEnum

from pydantic import BaseModel, ConfigDict, Field


class Role(StrEnum):
    """The council staff roles the product knows (domain brief, "Who is who")."""

    SOCIAL_WORKER = "social_worker"
    TEAM_MANAGER = "team_manager"
    PANEL_MEMBER = "panel_member"
    HEAD_OF_SERVICE = "head_of_service"  # approves exceptions beyond the panel's delegated limit
    FINANCE_OFFICER = "finance_officer"
    AUDITOR = "auditor"
    OPS = "ops"
    ADMIN = "admin"
    RETURNS_OFFICER = "returns_officer"  # makes the council's statutory returns (ASC-CLD, decision 0045)
    SYSTEM = "system"  # timers and the workflow engine acting on the council's behalf


class Actor(BaseModel):
    """The person (or the system) responsible for a step, recorded on every event."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    user_id: str = Field(min_length=1, max_length=100)
    role: Role


SYSTEM_ACTOR = Actor(user_id="carecase", role=Role.SYSTEM)


ADULTHOOD_AGE = 18


def age_on(date_of_birth: date, day: date) -> int:
    """A person's age in whole years on a day."""
    return day.year - date_of_birth.year - ((day.month, day.day) < (date_of_birth.month, date_of_birth.day))


def birthday_at(date_of_birth: date, age: int) -> date:
    """The day a person reaches an age (someone born on 29 February has it on 1 March in other years)."""
    try:
        return date_of_birth.replace(year=date_of_birth.year + age)
    except ValueError:
        return date(date_of_birth.year + age, 3, 1)
