"""The recorded events a document is made from: the case's events up to the version it is made
as of, found by class and person, and the case's state folded from them at any version."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any, TypeVar

from domain.case.state import CaseState

Event = TypeVar("Event")


class RecordedEvents:
    """The case's events (decoded, personal values opened), oldest first, up to one version."""

    def __init__(self, events: Sequence[Any]) -> None:
        self.events = list(events)
        self._states: dict[int, CaseState] = {}

    @property
    def version(self) -> int:
        return len(self.events)

    def state_at(self, version: int) -> CaseState:
        """The case's state after the event at ``version``, folded from the events alone."""
        if version not in self._states:
            case: Any = None
            for event in self.events[:version]:
                case = event.mutate(case)
            self._states[version] = case.state
        return self._states[version]

    def every(
        self,
        cls: type[Event],
        where: Callable[[Event], bool] = lambda _: True,
        *,
        after: int = 0,
        before: int | None = None,
    ) -> list[Event]:
        """The events of ``cls`` with versions in (after, before], oldest first."""
        last = self.version if before is None else before
        return [e for e in self.events[after:last] if isinstance(e, cls) and where(e)]

    def latest(
        self,
        cls: type[Event],
        where: Callable[[Event], bool] = lambda _: True,
        *,
        after: int = 0,
        before: int | None = None,
    ) -> Event | None:
        found = self.every(cls, where, after=after, before=before)
        return found[-1] if found else None


def of_person(person_id: str) -> Callable[[Any], bool]:
    return lambda event: getattr(event, "person_id", None) == person_id
