"""A case's history as a person reads it: when, who, what, and the reasons given."""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from enum import Enum
from typing import Any

from pydantic import BaseModel, ConfigDict

from domain.budget_statement import PersonalBudgetStatement, PlanVariance
from domain.catalogue import ENVELOPE
from domain.delegation import DelegatedAuthority
from domain.eligibility import EligibilityDetermination
from domain.money import format_pounds
from domain.planning import SupportPlan
from domain.ras import BudgetCalculation, CarerSupport


def _calculation(c: BudgetCalculation) -> str:
    return f"indicative {format_pounds(c.indicative_pence)} a year by {c.rule_set_id} v{c.rule_set_version}" + (
        " (exceeds cap)" if c.exceeds_cap else ""
    )


def _determination(d: EligibilityDetermination) -> str:
    return "eligible" if d.eligible else "not eligible"


def _statement(s: PersonalBudgetStatement | None) -> str | None:
    if s is None:
        return None
    return (
        f"cost {format_pounds(s.cost_pence)}, person pays {format_pounds(s.adult_contribution_pence)}, "
        f"council pays {format_pounds(s.council_amount_pence)}"
    )


def _plan(p: SupportPlan) -> str:
    return f"{p.management.value.replace('_', ' ')}, {format_pounds(p.annual_cost_pence)} a year"


def _support(s: CarerSupport) -> str:
    return (
        f"willing {'yes' if s.willing_to_continue_caring else 'no'}, able "
        f"{'yes' if s.able_to_continue_caring else 'no'}, support {s.support_level.value}"
    )


def _left_out(_: object) -> None:
    return None


def _variance(v: PlanVariance | None) -> str | None:
    return None if v is None else f"variance: {v.describe()}"


def _authority(a: DelegatedAuthority | None) -> str | None:
    return None if a is None else f"within {a.describe()}"


def _capacity(c: Any) -> str | None:
    """A CapacityRecord (domain.case.state), or None."""
    if c is None:
        return None
    found = "has capacity" if c.has_capacity else "lacks capacity"
    return f"capacity ({c.decision.value.replace('_', ' ')}): {found}, assessed by {c.assessed_by} on {c.assessed_on}"


def _checks(checks: list[Any]) -> str | None:
    """RepresentativeCheckRecords (domain.case.state)."""
    if not checks:
        return None
    return "checks: " + ", ".join(f"{c.check.value} {c.reference} ({c.completed_on})" for c in checks)


# Large nested records are summarised by their headline figure rather than printed whole. Each field
# name is one type on every event that has it, so its summary takes that type.
HEADLINES: dict[str, Callable[[Any], str | None]] = {
    "calculation": _calculation,
    "determination": _determination,
    "statement": _statement,
    "plan": _plan,
    "findings": _left_out,
    "support": _support,
    "ras_answers": _left_out,
    "variance": _variance,
    "authority": _authority,
    "capacity": _capacity,
    "checks": _checks,
}


def _correction(event: Any) -> str:
    """A RecordedFactCorrected (domain.case.corrections): which event and field, from and to, why.
    The earlier event's own line still shows the value it recorded."""
    return (
        f"corrects {event.corrected_event_type} (version {event.corrected_event_version}), "
        f"{event.field.replace('_', ' ')}: {event.previous_value} → {event.corrected_value}; "
        f"reason: {event.reason}"
    )


# Events whose line is one sentence of their own rather than their fields one by one.
SUMMARIES: dict[str, Callable[[Any], str]] = {
    "RecordedFactCorrected": _correction,
}


class TimelineEntry(BaseModel):
    model_config = ConfigDict(frozen=True)

    version: int
    recorded_at: str
    effective_at: str | None
    event: str
    actor: str
    role: str
    command_id: str
    summary: str


def _render(name: str, value: Any) -> str | None:
    if name in HEADLINES:
        return HEADLINES[name](value)
    if value is None or value == "" or value == [] or value == {}:
        return None
    if isinstance(value, Enum):
        value = value.value
    if name.endswith("_pence") and isinstance(value, int):
        name, value = name.removesuffix("_pence"), format_pounds(value)
    if isinstance(value, list):
        value = ", ".join(str(v.value if isinstance(v, Enum) else v) for v in value)
    return f"{name.replace('_', ' ')}: {value}"


def timeline_entry(event: Any) -> TimelineEntry:
    parts = []
    summary = SUMMARIES.get(type(event).__name__)
    if summary is not None:
        parts.append(summary(event))
    else:
        for field in dataclasses.fields(event):
            if field.name in ENVELOPE:
                continue
            text = _render(field.name, getattr(event, field.name))
            if text:
                parts.append(text)
    return TimelineEntry(
        version=event.originator_version,
        recorded_at=event.timestamp.isoformat(),
        effective_at=event.effective_at.isoformat() if event.effective_at else None,
        event=type(event).__name__,
        actor=event.actor.user_id,
        role=event.actor.role.value,
        command_id=event.command_id,
        summary="; ".join(parts),
    )
