"""What every case event carries, and how a command records one.

Every event carries the actor, the command id, the instant it was recorded (``timestamp``), the
instant it took effect where that differs (``effective_at``), and its link in the case's hash
chain. The command method computes all of it before the event exists; ``apply`` only mutates.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any, ClassVar, NamedTuple
from uuid import UUID

from eventsourcing.domain import Aggregate, CanMutateAggregate, TAggregate
from eventsourcing.utils import get_topic
from pydantic import AwareDatetime, BaseModel, ConfigDict, Field

from domain.canonical import CHAIN_FIELD, encode_link, stored_state
from domain.case.stage import current_stage
from domain.case.state import CaseState
from domain.people import Actor
from domain.personal_data import DEFAULT_SUBJECT_FIELDS, Sealer, personal_fields_of, seal_state

ONE_MICROSECOND = timedelta(microseconds=1)


class CommandContext(BaseModel):
    """Who asked, under which command id, and when: worked out before any event is made."""

    model_config = ConfigDict(frozen=True, extra="forbid", arbitrary_types_allowed=True)

    command_id: str = Field(min_length=1, max_length=100)
    command_name: str
    command_digest: str
    actor: Actor
    recorded_at: AwareDatetime
    effective_at: AwareDatetime | None = None
    # Seals personal values before the chain hash is computed (the case record's key table); none
    # in a dry-run, whose events are never stored (decision 0026).
    sealer: Sealer | None = Field(default=None, exclude=True, repr=False)

    @property
    def effective_on(self) -> date:
        """The day the command takes effect (its ``effective_at``, else when it is recorded), in UTC:
        the day whose published policy applies to it (decision 0034)."""
        return (self.effective_at or self.recorded_at).astimezone(UTC).date()


# The stored form of an event as its chain hash covers it (its personal values sealed where it has
# any), carried on the event to the mapper so it stores exactly the bytes that were hashed.
STORED_FORM = "_stored_form"


class StoredForm(NamedTuple):
    """An event's stored state as its chain hash covers it, and those bytes, encoded once."""

    state: dict[str, Any]
    data: bytes


def link_of(event: Any, previous_hash: str, sealer: Sealer | None, adult_id: str) -> tuple[str, StoredForm | None]:
    """The chain hash of a not-yet-stored event over its stored form (its personal values sealed,
    given a sealer), and that stored form with the hash in it, which is exactly what the store must
    keep: the store then neither dumps nor encodes the event again, and cannot store other bytes
    than were hashed. An event with personal fields and no sealer (a dry-run) carries none: the
    store refuses it."""
    cls = type(event)
    state = stored_state(event)
    personal = bool(personal_fields_of(cls))
    if sealer is not None and personal:
        state = seal_state(cls, event.originator_id.hex, event.originator_version, state, sealer, adult_id)
    link, data = encode_link(previous_hash, get_topic(cls), event.originator_id.hex, event.originator_version, state)
    if personal and sealer is None:
        return link, None
    state[CHAIN_FIELD] = link
    return link, StoredForm(state, data)


def carry_stored_form(event: Any, stored: StoredForm | None) -> None:
    if stored is not None:
        object.__setattr__(event, STORED_FORM, stored)


def _note(case: object, event: CaseEvent) -> None:
    """Bookkeeping every event does after its own apply: chain head, clock, stage. (The commands a
    case has recorded are kept beside its events, not in its state: eventstore.commands.)"""
    assert isinstance(case, Recording), f"{type(event).__name__} mutates a case, not a {type(case).__name__}"
    state = case.state
    state.chain_head = event.chain_hash
    state.last_recorded_at = event.timestamp
    stage = current_stage(state)
    if stage != state.stage:
        # A stage that moves on is no longer overdue; the clock of the new stage starts when the step
        # took effect, never before the stage it follows started (decision 0035).
        state.overdue.pop(state.stage.value, None)
        state.stage = stage
        state.stage_took_effect_at = max(state.stage_clock_started_at, took_effect_at(event))
        state.stage_entered_at = event.timestamp


def took_effect_at(event: CaseEvent) -> datetime:
    """When an event's fact took effect: its ``effective_at`` where that is earlier than when it was
    recorded (an ``effective_at`` may run ahead by the clock skew allowed), else its recording."""
    if event.effective_at is None:
        return event.timestamp
    return min(event.effective_at, event.timestamp)


class CaseEvent(Aggregate.Event):
    command_id: str
    command_name: str
    command_digest: str
    actor: Actor
    effective_at: datetime | None
    chain_hash: str
    # The fields holding personal data (names, dates of birth, free text about a person), sealed
    # under the person's key at rest (domain.personal_data).
    personal_fields: ClassVar[tuple[str, ...]] = ()
    # The fields naming the person those values are about, the first filled one counting.
    personal_data_subject: ClassVar[tuple[str, ...]] = DEFAULT_SUBJECT_FIELDS

    def mutate(self, aggregate: TAggregate | None) -> TAggregate | None:
        mutated = super().mutate(aggregate)
        _note(mutated, self)
        return mutated


class CaseCreated(Aggregate.Created, CaseEvent):
    def mutate(self, aggregate: TAggregate | None) -> TAggregate | None:
        mutated = super().mutate(aggregate)
        _note(mutated, self)
        return mutated


class Recording:
    """Mixed into the Case: the one way a command method records an event."""

    state: CaseState
    id: UUID
    version: int
    modified_on: datetime

    if TYPE_CHECKING:  # the library's, which the Case inherits from Aggregate

        def trigger_event(self, event_class: type[CanMutateAggregate[UUID]], **kwargs: Any) -> None: ...

        _pending_events: list[CanMutateAggregate[UUID]]

    def _record(self, ctx: CommandContext, event_class: type[CaseEvent], **fields: Any) -> None:
        # Recorded times strictly increase within a case, so "as of an instant" is unambiguous.
        timestamp = max(ctx.recorded_at, self.state.last_recorded_at + ONE_MICROSECOND)
        common: dict[str, Any] = {
            "command_id": ctx.command_id,
            "command_name": ctx.command_name,
            "command_digest": ctx.command_digest,
            "actor": ctx.actor,
            "effective_at": ctx.effective_at,
            "timestamp": timestamp,
        }
        # The library's metaclass makes each event class a dataclass of its annotations at run time,
        # which its typing does not declare: the checker sees only the base event's constructor.
        event = event_class(  # type: ignore[call-arg]
            originator_id=self.id, originator_version=self.version + 1, chain_hash="", **common, **fields
        )
        link, stored = link_of(event, self.state.chain_head, ctx.sealer, self.state.adult_id)
        # What the library's trigger_event does with an event it makes, on the one made here: it
        # is built (and validated) once, and its link set before anything reads it.
        object.__setattr__(event, CHAIN_FIELD, link)
        carry_stored_form(event, stored)
        event.mutate(self)  # type: ignore[arg-type]  # the library types an event's aggregate by a type variable
        self._pending_events.append(event)

    def _now(self, ctx: CommandContext) -> datetime:
        return max(ctx.recorded_at, self.state.last_recorded_at + ONE_MICROSECOND)
