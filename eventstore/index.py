"""What both recorders share about the as-of index."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Any, NamedTuple
from uuid import UUID

from eventsourcing.persistence import StoredEvent

INDEX_TABLE = "case_event_index"


class IndexRow(NamedTuple):
    originator_id: UUID
    originator_version: int
    recorded_at: datetime
    chain_hash: str


def index_params(stored_events: Sequence[StoredEvent], id_form: Any) -> list[tuple[Any, ...]]:
    rows = []
    for event in stored_events:
        recorded_at = getattr(event, "recorded_at", None)
        if recorded_at is None:
            continue  # not a case event (e.g. a snapshot): nothing to index
        rows.append(
            (
                id_form(event.originator_id),
                event.originator_version,
                recorded_at,
                getattr(event, "chain_hash", None) or "",
            )
        )
    return rows
