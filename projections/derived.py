"""Views of what the domain derives from a whole case: written from the case state, not event by event.

Stage, flags, worklist items and deadlines are functions of the whole case (``domain.case``). A
view of them marks each case an event touches, then at the end of the batch replaces that case's
rows with rows worked out from its state after the batch: one write per case per batch however
many of its events the batch held, inside the same transaction as the tracking position.
"""

from __future__ import annotations

from abc import abstractmethod
from collections.abc import Sequence
from typing import Any, ClassVar

from domain.case.base import CaseEvent
from domain.case.state import CaseState
from projections.base import Projection, handles
from projections.store import ViewCursor

Row = Sequence[Any]


class CaseDerivedView(Projection):
    # Each table whose rows belong to one case (keyed by case_id), with its columns in the order
    # ``rows`` gives them.
    columns: ClassVar[dict[str, tuple[str, ...]]] = {}

    def __init__(self) -> None:
        self._touched: dict[str, Any] = {}
        self.tables = tuple(self.columns)

    @handles(CaseEvent)
    def touch(self, cursor: ViewCursor, event: CaseEvent, notification_id: int) -> None:
        # The cache's live aggregate: later events of the batch move it on, so the flush writes the
        # case as the batch leaves it.
        self._touched[event.originator_id.hex] = self.states.case_after(event)

    def flush(self, cursor: ViewCursor) -> None:
        touched, self._touched = self._touched, {}
        if not touched:
            return
        ids = list(touched)
        rows = [self.rows(case.state, case.version) for case in touched.values()]
        for table, columns in self.columns.items():
            for start in range(0, len(ids), 500):
                chunk = ids[start : start + 500]
                cursor.execute(f"DELETE FROM {table} WHERE case_id IN ({', '.join('?' for _ in chunk)})", chunk)
            cursor.executemany(
                f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({', '.join('?' for _ in columns)})",
                [row for case_rows in rows for row in case_rows.get(table, [])],
            )

    def discard(self) -> None:
        """The batch was rolled back: forget what it touched."""
        self._touched = {}

    @abstractmethod
    def rows(self, state: CaseState, version: int) -> dict[str, list[Row]]:
        """This case's rows for each table, in ``columns`` order, as of ``version``."""
