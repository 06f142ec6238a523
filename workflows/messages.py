"""The input and output models that cross Temporal's boundary: one model per activity and update.

Everything here is plain pydantic, serialised with temporalio's pydantic data converter.
"""

from __future__ import annotations

from datetime import date
from typing import Any

from pydantic import BaseModel, ConfigDict, Field


class Message(BaseModel):
    model_config = ConfigDict(frozen=True, extra="forbid")


class StoredEventData(Message):
    """One event as the store holds it (topic, version, canonical state), for the workflow's mirror."""

    topic: str
    version: int
    state: dict[str, Any]


class RecordCommandInput(Message):
    """Apply one command to the case record; answer every event after ``since_version``."""

    command_name: str
    command: dict[str, Any]
    since_version: int = 0


class RecordedCommand(Message):
    command_id: str
    duplicate: bool
    event_types: list[str]
    versions: list[int]
    notification_ids: list[int]
    events_since: list[StoredEventData]


class CatchUpInput(Message):
    case_id: str
    since_version: int


class IssueScheduledPaymentInput(Message):
    """Schedule and issue one payment slot; the command ids are derived from the slot, so a retry
    or a replay can never pay the slot twice."""

    case_id: str
    agreement_id: str
    slot: int = Field(ge=1)
    due_on: date
    amount_pence: int = Field(gt=0)


class IssuedPayment(Message):
    slot: int
    issued: bool
    reason: str | None = None
    versions: list[int] = Field(default_factory=list)
