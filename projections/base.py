"""What every projection is: a name, its tables, and one handler per event type it cares about."""

from __future__ import annotations

from abc import ABC, abstractmethod
from typing import Any

from projections.case_states import CaseStates
from projections.store import ViewCursor


class Projection(ABC):
    """Subclasses define ``on_<EventType>(cursor, event, notification_id)`` for the event types
    they read; every other type is ignored. Handlers write through the cursor they are given and
    never commit: the runner commits view rows and the tracking position together."""

    name: str = ""
    tables: tuple[str, ...] = ()
    # Set by the runner: the case's state after each event, for views of what the domain derives.
    states: CaseStates

    @abstractmethod
    def create_tables(self, cursor: ViewCursor) -> None:
        """Create this view's tables if they do not exist."""

    def reset(self, cursor: ViewCursor) -> None:
        for table in self.tables:
            cursor.execute(f"DELETE FROM {table}")

    def flush(self, cursor: ViewCursor) -> None:  # noqa: B027 - a hook most views need not override
        """Write what the handlers buffered, inside the batch's transaction: once at the end of each
        batch, or after every notification while the runner isolates a failing one."""

    def discard(self) -> None:  # noqa: B027 - a hook most views need not override
        """Forget whatever was buffered since the last flush: the batch, or the one notification
        being isolated, was rolled back (decision 0013)."""

    def handler_for(self, event: Any) -> Any:
        return getattr(self, f"on_{type(event).__name__}", None)

    def handle(self, cursor: ViewCursor, event: Any, notification_id: int) -> bool:
        """Apply one event; True if this projection had a handler for it."""
        handler = self.handler_for(event)
        if handler is None:
            return False
        handler(cursor, event, notification_id)
        return True
