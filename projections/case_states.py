"""The case's own state beside each event, for the views that show what the domain derives.

The stage, its clock and the flags are worked out by the domain from the whole case
(``domain.case.stage``, ``domain.case.flags``); no event names them. Rather than write a second
derivation in SQL, the runner keeps the case aggregates it has recently seen and applies each
event to them with the domain's own ``mutate``. A case it does not hold at the right version (a
restart, an eviction, a rebuild starting again) is loaded from the store at exactly the version
of the event, so what a view sees never depends on what the cache happened to hold.
"""

from __future__ import annotations

from collections import OrderedDict
from typing import Any
from uuid import UUID


class CaseStates:
    def __init__(self, record: Any, capacity: int = 20_000) -> None:
        self.record = record
        self.capacity = capacity
        self._cases: OrderedDict[UUID, Any] = OrderedDict()
        self.loads = 0  # cases read back from the store (a figure for the benchmarks)

    def case_after(self, event: Any) -> Any:
        """The case aggregate just after ``event``; it moves on in place with the case's later events."""
        case_id: UUID = event.originator_id
        version: int = event.originator_version
        case = self._cases.get(case_id)
        if case is not None and case.version == version:
            self._cases.move_to_end(case_id)
            return case
        if case is not None and case.version == version - 1:
            case = event.mutate(case)
        elif version == 1:
            case = event.mutate(None)
        else:
            self.loads += 1
            case = self.record.repository.get(case_id, version=version)
        self._cases[case_id] = case
        self._cases.move_to_end(case_id)
        while len(self._cases) > self.capacity:
            self._cases.popitem(last=False)
        return case

    def forget(self, case_id: UUID | None = None) -> None:
        """Drop every cached case, or one: an event rolled back may already have moved its aggregate on."""
        if case_id is None:
            self._cases.clear()
        else:
            self._cases.pop(case_id, None)
