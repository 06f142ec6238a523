"""The audit timeline: one row per stored event of a case, with who did it, in which role, and why."""

from __future__ import annotations

from domain.case.base import CaseEvent
from domain.timeline import timeline_entry
from projections.base import Projection, handles
from projections.store import ViewCursor


class AuditTimelineView(Projection):
    name = "audit_timeline"
    tables = ("view_audit_timeline",)

    def create_tables(self, cursor: ViewCursor) -> None:
        cursor.execute(
            "CREATE TABLE IF NOT EXISTS view_audit_timeline ("
            "case_id TEXT NOT NULL, version BIGINT NOT NULL, recorded_at TEXT NOT NULL, effective_at TEXT, "
            "event TEXT NOT NULL, actor TEXT NOT NULL, role TEXT NOT NULL, command_id TEXT NOT NULL, "
            "summary TEXT NOT NULL, PRIMARY KEY (case_id, version))"
        )

    # Every case event is a line of the timeline, rendered the same way (domain.timeline), so one
    # handler serves every class; anything that is not a case event is ignored.
    @handles(CaseEvent)
    def add_line(self, cursor: ViewCursor, event: CaseEvent, notification_id: int) -> None:
        entry = timeline_entry(event)
        # A plain INSERT on purpose: applying a notification twice fails loudly instead of hiding.
        cursor.execute(
            "INSERT INTO view_audit_timeline (case_id, version, recorded_at, effective_at, event, actor, role, "
            "command_id, summary) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)",
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
            ),
        )
