"""What every projection is: a name, its tables, and its handlers, registered by event class.

A handler is a method marked ``@handles(Case.CarerAssessmentOffered)`` whose ``event`` parameter
is annotated with the class (or classes) it names. The registry is built when the view's class is
created, from the classes themselves, never from their names: an event class renamed or removed
fails at import (``Case`` has no such attribute), and a handler whose annotation does not accept
the class it registers for fails there too (decision 0017).
"""

from __future__ import annotations

import inspect
import types
import typing
from abc import ABC, abstractmethod
from collections.abc import Callable
from typing import Any, ClassVar, TypeVar

from domain.case.base import CaseEvent
from projections.case_states import CaseStates
from projections.store import ViewCursor

Handler = Callable[..., Any]  # (self, cursor, event, notification_id), or as the view calls them
H = TypeVar("H", bound=Handler)

_HANDLES = "__handles__"


def handles(*event_classes: type[CaseEvent]) -> Callable[[H], H]:
    """Register the method for these event classes (and their subclasses) on its projection."""
    if not event_classes or not all(isinstance(c, type) and issubclass(c, CaseEvent) for c in event_classes):
        raise TypeError(f"@handles takes case event classes, not {event_classes!r}")

    def mark(method: H) -> H:
        setattr(method, _HANDLES, event_classes)
        return method

    return mark


def _accepted(method: Handler) -> tuple[type, ...]:
    """The classes the method's ``event`` annotation accepts (a class or a union of them)."""
    hints = typing.get_type_hints(method)
    if "event" not in hints:
        raise TypeError(f"{method.__qualname__} handles events but has no annotated `event` parameter")
    annotation = hints["event"]
    if isinstance(annotation, types.UnionType) or typing.get_origin(annotation) is typing.Union:
        return tuple(typing.get_args(annotation))
    return (annotation,)


def _registry(cls: type) -> dict[type[CaseEvent], Handler]:
    """Each event class the projection handles, with its handler, from the class and its bases.

    A subclass that overrides a handler by name keeps the registration (Python's own override);
    one that marks a method ``@handles`` again for a class replaces the base's handler for it."""
    registry: dict[type[CaseEvent], Handler] = {}
    by_name: dict[str, tuple[type[CaseEvent], ...]] = {}
    for klass in reversed(cls.__mro__):
        own: dict[type[CaseEvent], str] = {}
        for name, member in vars(klass).items():
            if not inspect.isfunction(member):
                continue
            event_classes: tuple[type[CaseEvent], ...] | None = getattr(member, _HANDLES, None)
            if event_classes is None:
                event_classes = by_name.get(name)
                if event_classes is None:
                    continue
            else:
                accepted = _accepted(member)
                wrong = [c.__qualname__ for c in event_classes if not issubclass(c, accepted)]
                if wrong:
                    raise TypeError(
                        f"{klass.__qualname__}.{name} is registered for {wrong} but its `event` is annotated "
                        f"{[a.__qualname__ for a in accepted]}"
                    )
            for event_class in event_classes:
                if event_class in own:
                    raise TypeError(
                        f"{klass.__qualname__} handles {event_class.__qualname__} twice: {own[event_class]} and {name}"
                    )
                own[event_class] = name
                registry[event_class] = member
            by_name[name] = event_classes
    return registry


class Projection(ABC):
    """Subclasses mark their handlers ``@handles(<event class>, ...)``; each is called as
    ``handler(cursor, event, notification_id)`` for an event of one of those classes, the most
    specific registration winning (as in ``functools.singledispatch``); every other event is
    ignored. Handlers write through the cursor they are given and never commit: the runner commits
    view rows and the tracking position together."""

    name: str = ""
    tables: tuple[str, ...] = ()
    # Set by the runner: the case's state after each event, for views of what the domain derives.
    states: CaseStates
    # Built when the class is created: the handler of each event class it names.
    handlers: ClassVar[dict[type[CaseEvent], Handler]] = {}
    _dispatch: ClassVar[dict[type, Handler | None]] = {}

    def __init_subclass__(cls, **kwargs: Any) -> None:
        super().__init_subclass__(**kwargs)
        cls.handlers = _registry(cls)
        cls._dispatch = {}

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

    @classmethod
    def handler_of(cls, event_class: type) -> Handler | None:
        """The handler for events of this class: the registration nearest it in its MRO, if any."""
        try:
            return cls._dispatch[event_class]
        except KeyError:
            found = next((cls.handlers[k] for k in event_class.__mro__ if k in cls.handlers), None)
            cls._dispatch[event_class] = found
            return found

    def handle(self, cursor: ViewCursor, event: Any, notification_id: int) -> bool:
        """Apply one event; True if this projection had a handler for it."""
        handler = self.handler_of(type(event))
        if handler is None:
            return False
        handler(self, cursor, event, notification_id)
        return True
