"""View tables whose rows belong to one case, worked out again for each event and written back changed.

The budget ledger's row and the carers register's rows say where things stand on the case
(worked out from its state, decision 0009) beside facts only the events hold (when a carer was
offered an assessment). A view takes the case's rows, works out each row as the event leaves it,
and ``write`` changes only the rows that differ, moving their ``updated_at`` to the event's time:
a timestamp on an unchanged row would claim a change that did not happen.

What a batch has read or written of a case is held until the batch ends (``CaseRowsView.held``),
so a case's later events in the same batch do not read it again: a rebuild meets each case many
times a batch. It is forgotten at the end of every batch and on every rollback, so it never
outlives the transaction whose rows it mirrors.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, ClassVar, TypeVar

from domain.case.base import CaseEvent
from domain.case.state import CaseState
from projections.base import Projection
from projections.store import ViewCursor

Key = tuple[Any, ...]  # the row's key columns after case_id, in ``keys`` order
Values = dict[str, Any]  # the row's other columns, by name, as the store holds them (0/1, not bools)
T = TypeVar("T")


@dataclass(frozen=True)
class CaseTable:
    name: str
    keys: tuple[str, ...]  # beside case_id
    columns: tuple[str, ...]  # every other column but updated_at

    def read(self, cursor: ViewCursor, case_id: str) -> dict[Key, Values]:
        selected = ", ".join((*self.keys, *self.columns))
        rows = cursor.execute(f"SELECT {selected} FROM {self.name} WHERE case_id = ?", (case_id,)).fetchall()
        split = len(self.keys)
        return {row[:split]: dict(zip(self.columns, row[split:], strict=True)) for row in rows}

    def write(
        self, cursor: ViewCursor, case_id: str, before: dict[Key, Values], after: dict[Key, Values], at: str
    ) -> None:
        """Insert the rows new in ``after``, update those that changed; ``at`` is their updated_at."""
        for key, values in after.items():
            was = before.get(key)
            if was == values:
                continue
            row = [values[column] for column in self.columns]
            if was is None:
                names = ("case_id", *self.keys, *self.columns, "updated_at")
                cursor.execute(
                    f"INSERT INTO {self.name} ({', '.join(names)}) VALUES ({', '.join('?' for _ in names)})",
                    (case_id, *key, *row, at),
                )
            else:
                assignments = ", ".join(f"{column} = ?" for column in (*self.columns, "updated_at"))
                where = " AND ".join(f"{column} = ?" for column in ("case_id", *self.keys))
                cursor.execute(f"UPDATE {self.name} SET {assignments} WHERE {where}", (*row, at, case_id, *key))


class CaseRowsView(Projection):
    """A view written event by event, each event with the case's state as it leaves it."""

    # Tables earlier releases kept and this one does not: dropped, so no stale copy lingers.
    retired: ClassVar[tuple[str, ...]] = ()

    def __init__(self) -> None:
        self._held: dict[tuple[str, str], Any] = {}

    def held(self, what: str, case_id: str, load: Callable[[], T]) -> T:
        """What this batch holds of the case under ``what``, loaded once from the store."""
        key = (what, case_id)
        if key not in self._held:
            self._held[key] = load()
        return self._held[key]  # type: ignore[no-any-return]

    def rows(self, cursor: ViewCursor, table: CaseTable, case_id: str) -> dict[Key, Values]:
        """The case's rows as the store holds them now (do not change them: ``save`` new ones)."""
        return self.held(table.name, case_id, lambda: table.read(cursor, case_id))

    def save(self, cursor: ViewCursor, table: CaseTable, case_id: str, after: dict[Key, Values], at: str) -> None:
        table.write(cursor, case_id, self.rows(cursor, table, case_id), after, at)
        self._held[(table.name, case_id)] = after

    def flush(self, cursor: ViewCursor) -> None:
        self._held.clear()

    def discard(self) -> None:
        self._held.clear()

    def reset(self, cursor: ViewCursor) -> None:
        super().reset(cursor)
        self._held.clear()

    def drop_retired(self, cursor: ViewCursor) -> None:
        for table in self.retired:
            cursor.execute(f"DROP TABLE IF EXISTS {table}")

    def handle(self, cursor: ViewCursor, event: Any, notification_id: int) -> bool:
        if not isinstance(event, CaseEvent):
            return False
        self.apply(cursor, event, self.states.case_after(event).state)
        return True

    @abstractmethod
    def apply(self, cursor: ViewCursor, event: CaseEvent, state: CaseState) -> None:
        """Write what the event changed: its own facts (through ``handler_of``) and the state's figures."""
