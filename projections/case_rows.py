"""A view table whose rows belong to one case, read once for an event and written back changed.

The budget ledger's row and the carers register's rows say where things stand on the case
(worked out from its state, decision 0009) beside facts only the events hold (when a carer was
offered an assessment). A view reads the case's rows, works out each row as the event leaves it,
and ``write`` changes only the rows that differ, moving their ``updated_at`` to the event's time:
a timestamp on an unchanged row would claim a change that did not happen.
"""

from __future__ import annotations

from abc import abstractmethod
from dataclasses import dataclass
from typing import Any, ClassVar

from domain.case.base import CaseEvent
from domain.case.state import CaseState
from projections.base import Projection
from projections.store import ViewCursor

Key = tuple[Any, ...]  # the row's key columns after case_id, in ``keys`` order
Values = dict[str, Any]  # the row's other columns, by name, as the store holds them (0/1, not bools)


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
