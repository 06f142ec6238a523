"""What the case record needs of its store: the contract both recorders fulfil.

The case record (``domain.application.CaseRecord``) is an eventsourcing ``Application``; it writes
through the library (``insert_events``) and reads through this contract. ``eventstore.sqlite`` and
``eventstore.postgres`` implement it; a store without the as-of index, the case list or the payment
outbox is no store for the case record, and ``CaseRecord`` refuses it when it starts.
"""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Protocol, runtime_checkable
from uuid import UUID

from eventsourcing.persistence import Notification, StoredEvent

from domain.person_index import Episode
from eventstore.appends import AppendSignal
from eventstore.commands import RecordedCommand
from eventstore.index import IndexRow
from eventstore.outbox import PaymentInstruction


@runtime_checkable
class CaseStore(Protocol):
    """The case record's store: events by case, the notification log, the as-of index, the list of
    cases and the payment outbox, all on one database."""

    # Events of one case, as stored (the library's AggregateRecorder).
    def select_events(
        self,
        originator_id: UUID | str,
        *,
        gt: int | None = None,
        lte: int | None = None,
        desc: bool = False,
        limit: int | None = None,
    ) -> Sequence[StoredEvent]: ...

    def select_events_of_cases(self, originator_ids: Sequence[UUID]) -> Sequence[StoredEvent]:
        """Every event of each of these cases, in one read: by case, oldest first within each."""
        ...

    # The notification log: every event of every case in commit order (the library's ApplicationRecorder).
    def select_notifications(
        self,
        start: int | None,
        limit: int,
        stop: int | None = None,
        topics: Sequence[str] = (),
        *,
        inclusive_of_start: bool = True,
    ) -> Sequence[Notification]: ...

    def max_notification_id(self) -> int | None: ...

    # The as-of index, written in the same transaction as the events.
    def version_as_of(self, originator_id: UUID, instant: datetime) -> int | None:
        """The case's last version recorded at or before ``instant``; None if it had none yet."""
        ...

    def index_rows(self, originator_id: UUID) -> list[IndexRow]:
        """Every index row of the case (version, recorded time, chain hash), by version."""
        ...

    # The case's commands by id, written in the same transaction as their events (eventstore.commands).
    def recorded_command(self, originator_id: UUID, command_id: str) -> RecordedCommand | None:
        """The command the case recorded under this id, if any."""
        ...

    def events_and_command(
        self, originator_id: UUID, after_version: int, command_id: str
    ) -> tuple[Sequence[StoredEvent], RecordedCommand | None]:
        """The case's events after ``after_version`` and the command recorded under this id, in one
        read, the command's after the events' (what a command needs of a case it remembers)."""
        ...

    def append_signal(self) -> AppendSignal:
        """What wakes a reader of the log when events are appended (eventstore.appends)."""
        ...

    def case_ids(self) -> list[UUID]:
        """Every case the store holds events or index rows for: a case whose events were all
        removed is still listed, so its broken chain is found."""
        ...

    # The person index's episodes, written in the same transaction as the events (eventstore.episodes).
    def episodes_of(self, keys: list[str]) -> list[Episode]:
        """Every episode recorded under any of these keys, oldest first."""
        ...

    # The payment outbox, written in the same transaction as the PaymentIssued events.
    def payment_instructions(self, after_id: int = 0, limit: int = 1000) -> list[PaymentInstruction]:
        """Payment instructions with ids after ``after_id``, oldest first (the finance system's read)."""
        ...
