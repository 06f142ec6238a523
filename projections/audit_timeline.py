"""The audit timeline: one row per stored event of a case, with who did it, in which role, and why.

A line's summary quotes the event's fields, personal ones too; when the case's personal data is
erased at the end of retention, every earlier line of the case is rendered again from the stored
events, whose personal values then read as erased (decision 0026).
"""

from __future__ import annotations

from domain.case.aggregate import Case
from domain.case.base import CaseEvent
from domain.timeline import TimelineEntry, timeline_entry
from projections.base import Projection, handles
from projections.reading import select
from projections.store import ViewCursor

TIMELINE = "view_audit_timeline"


TIMELINE_COLUMNS = (
    "case_id",
    "version",
    "recorded_at",
    "effective_at",
    "event",
    "actor",
    "role",
    "command_id",
    "summary",
)


class AuditTimelineView(Projection):
    """Its lines are written a batch at a time: each event's line is held until the batch's flush,
    then all of them in one statement (inside the batch's transaction, as ever)."""

    name = "audit_timeline"
    tables = (TIMELINE,)

    def __init__(self) -> None:
        self._lines: list[tuple[object, ...]] = []

    def create_tables(self, cursor: ViewCursor) -> None:
        cursor.execute(
            f"CREATE TABLE IF NOT EXISTS {TIMELINE} ("
            "case_id TEXT NOT NULL, version BIGINT NOT NULL, recorded_at TEXT NOT NULL, effective_at TEXT, "
            "event TEXT NOT NULL, actor TEXT NOT NULL, role TEXT NOT NULL, command_id TEXT NOT NULL, "
            "summary TEXT NOT NULL, PRIMARY KEY (case_id, version))"
        )

    # Every case event is a line of the timeline, rendered the same way (domain.timeline), so one
    # handler serves every class; anything that is not a case event is ignored.
    @handles(CaseEvent)
    def add_line(self, cursor: ViewCursor, event: CaseEvent, notification_id: int) -> None:
        entry = timeline_entry(event)
        self._lines.append(
            (
                event.originator_id.hex,
                entry.version,
                entry.recorded_at,
                entry.effective_at,
                entry.event,
                entry.actor,
                entry.role,
                entry.command_id,
                entry.summary,
            )
        )

    @handles(Case.PersonalDataErased)
    def erase_lines(self, cursor: ViewCursor, event: Case.PersonalDataErased, notification_id: int) -> None:
        self.add_line(cursor, event, notification_id)
        self.flush(cursor)  # the case's earlier lines of this batch are rewritten below with the rest
        for earlier in self.states.record.stored_events(event.originator_id):
            if earlier.originator_version >= event.originator_version:
                break
            cursor.execute(
                f"UPDATE {TIMELINE} SET summary = ? WHERE case_id = ? AND version = ?",
                (timeline_entry(earlier).summary, event.originator_id.hex, earlier.originator_version),
            )

    def flush(self, cursor: ViewCursor) -> None:
        lines, self._lines = self._lines, []
        # A plain INSERT on purpose: applying a notification twice fails loudly instead of hiding.
        cursor.executemany(
            f"INSERT INTO {TIMELINE} ({', '.join(TIMELINE_COLUMNS)}) "
            f"VALUES ({', '.join('?' for _ in TIMELINE_COLUMNS)})",
            lines,
        )

    def discard(self) -> None:
        self._lines = []

    def reset(self, cursor: ViewCursor) -> None:
        super().reset(cursor)
        self._lines = []


def timeline_of(cursor: ViewCursor, case_id: str) -> list[TimelineEntry]:
    """Every stored event of the case, oldest first, as ``domain.timeline`` renders it."""
    return select(cursor, TimelineEntry, TIMELINE, "WHERE case_id = ? ORDER BY version", (case_id,))
