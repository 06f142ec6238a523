"""What every projection is: a name, its tables, and one handler per event type it cares about."""

from __future__ import annotations

from abc import ABC, abstractmethod

from typing import Any

from projections.store import ViewCursor


class Projection(ABC):
    """Subclasses define ``on_<EventType>(cursor, event, notification_id)`` for the event types
    they read; every other type is ignored. Handlers write through the cursor they are given and
    never commit: the runner commits view rows and the tracking position together."""

    name: str = ""
    tables: tuple[str, ...] = ()

    @abstractmethod
    def create_tables(self, cursor: ViewCursor) -> None:
        """Create this view's tables if they do not exist."""

    def reset(self, cursor: ViewCursor) -> None:
        for table in self.tables:
            cursor.execute(f"DELETE FROM {table}")

    def handler_for(self, event: Any) -> Any:
        return getattr(self, f"on_{type(event).__name__}", None)

    def handle(self, cursor: ViewCursor, event: Any, notification_id: int) -> bool:
        """Apply one event; True if this projection had a handler for it."""
        handler = self.handler_for(event)
        if handler is None:
            return False
        handler(cursor, event, notification_id)
        return True
