"""The case workflow's mirror of its case: the same ``Case`` aggregate the store holds, folded from
the events the activities return, and the dry-run of a command against a copy of it (decision 7).

The mirror is handed on across continue-as-new as the store itself snapshots a case: a
``CaseSnapshot`` in its stored form (topic, version, canonical state), read back by the same
``event_from_state`` that reads every stored event. One serialisation of a case, not a third.
"""

from __future__ import annotations

from datetime import date, datetime
from typing import Any
from uuid import UUID

from eventsourcing.utils import get_topic

from domain.canonical import stored_state
from domain.case.aggregate import Case, CaseSnapshot, copy_of
from domain.case.base import CaseEvent
from domain.case.state import CaseState
from domain.commands import CaseCommand, CouncilSettings, Services
from domain.errors import NotFound, RuleViolation
from domain.ras import RuleSet
from eventstore.mapper import event_from_state
from workflows.messages import StoredEventData

SNAPSHOT_TOPIC = get_topic(CaseSnapshot)


def freeze(case: Case) -> StoredEventData:
    snapshot = CaseSnapshot.take(case)
    return StoredEventData(topic=SNAPSHOT_TOPIC, version=snapshot.originator_version, state=stored_state(snapshot))


def thaw(case_id: str, frozen: StoredEventData) -> Case:
    case: Case = event_from_state(frozen.topic, UUID(case_id), frozen.version, frozen.state).mutate(None)
    return case


def from_before_snapshots(frozen: dict[str, Any]) -> StoredEventData:
    """A mirror handed on by a run before the mirror was a stored snapshot (December 2026): the
    snapshot's own state, flattened beside the version. Read as the snapshot it always was; once
    every case has continued as new since (a planned review is at most 12 months away), remove."""
    state = {k: v for k, v in frozen.items() if k != "version"}
    return StoredEventData(
        topic=SNAPSHOT_TOPIC,
        version=frozen["version"],
        state={"timestamp": state["modified_on"], "topic": get_topic(Case), "state": state},
    )


class RuleSetNotLoaded(Exception):
    """The dry-run reached a step that needs the rule set before the workflow has fetched it."""


class _MirroredRuleSets:
    """The rule set the workflow fetched by activity, for dry-runs; the activity's own catalogue
    stays the authority when the command is recorded.

    The fetched version was in force on the day it was fetched, and on every day from its
    ``effective_from`` to then (a publication is never back-dated, decision 0034). For any other
    day another version may be in force, so the dry-run leaves the rule set's checks to the record."""

    def __init__(self, rule_set: RuleSet | None, known_on: date | None) -> None:
        self.rule_set = rule_set
        self.known_on = known_on

    def current(self, rule_set_id: str, *, on: date) -> RuleSet:
        if (
            self.rule_set is None
            or self.rule_set.id != rule_set_id
            or self.known_on is None
            or not self.rule_set.effective_from <= on <= self.known_on
        ):
            raise RuleSetNotLoaded(rule_set_id)
        return self.rule_set

    def get(self, rule_set_id: str, version: str) -> RuleSet:
        if self.rule_set is None or (self.rule_set.id, self.rule_set.version) != (rule_set_id, version):
            raise RuleSetNotLoaded(rule_set_id)
        return self.rule_set


def commands_in_snapshot(frozen: StoredEventData | None) -> dict[str, str]:
    """The commands a mirror handed on before December 2026 held in the case's state, by id, with
    their digests (the case's state no longer holds them: eventstore.commands)."""
    case = frozen.state.get("state", {}).get("case", {}) if frozen is not None else {}
    held = case.get("processed_commands", {}) if isinstance(case, dict) else {}
    return {command_id: str(seen.get("digest", "")) for command_id, seen in held.items() if isinstance(seen, dict)}


class CaseMirror:
    def __init__(self, case_id: str, frozen: StoredEventData | None, commands: dict[str, str] | None = None) -> None:
        self.case_id = case_id
        self.case: Case | None = thaw(case_id, frozen) if frozen is not None else None
        # The digest of every command the case has recorded, by id: a repeat is answered by the
        # record with its first outcome, and the same id with other content refused.
        self.commands: dict[str, str] = dict(commands) if commands is not None else commands_in_snapshot(frozen)

    @property
    def state(self) -> CaseState | None:
        return self.case.state if self.case is not None else None

    @property
    def version(self) -> int:
        return self.case.version if self.case is not None else 0

    @property
    def closed(self) -> bool:
        return self.case is not None and self.case.state.closed

    def freeze(self) -> StoredEventData | None:
        return freeze(self.case) if self.case is not None else None

    def apply(self, events: list[StoredEventData]) -> list[CaseEvent]:
        """Fold in the events the mirror has not seen; answer those, in order."""
        applied = []
        for data in sorted(events, key=lambda e: e.version):
            if data.version <= self.version:
                continue  # already in the mirror (a repeat, or a catch-up that overlapped)
            event = event_from_state(data.topic, UUID(self.case_id), data.version, data.state)
            self.case = event.mutate(self.case)
            if isinstance(event, CaseEvent):
                self.commands.setdefault(event.command_id, event.command_digest)
            applied.append(event)
        return applied

    def dry_run(
        self,
        command: CaseCommand,
        now: datetime,
        council: CouncilSettings,
        rule_set: RuleSet | None,
        rule_set_known_on: date | None = None,
    ) -> None:
        """Raise the domain error the case record would raise for ``command``; change nothing."""
        ctx = command.context(now)
        services = Services(council=council, rule_sets=_MirroredRuleSets(rule_set, rule_set_known_on))
        try:
            seen = self.commands.get(command.command_id)
            if seen is not None:
                # A repeat of a recorded command: the record answers it with the first outcome, and
                # the same id with different content is refused here as it would be there.
                if seen != command.digest():
                    raise RuleViolation(
                        f"command id {command.command_id!r} was used for a different command",
                        code="command_id_reused",
                        field="command_id",
                    )
                return
            command.admit(ctx, self.case.state.case_began_at if self.case is not None else None, council)
            if command.creates_case:
                if self.case is not None:
                    raise RuleViolation(
                        f"case {self.case_id} already exists", code="case_already_exists", field="case_id"
                    )
                command.create(ctx, services)  # type: ignore[attr-defined]
                return
            if self.case is None:
                raise NotFound(f"no case {self.case_id}", code="unknown_case", field="case_id")
            command.execute(copy_of(self.case), ctx, services)
        except RuleSetNotLoaded:
            pass  # every rule before the calculation passed; the activity's catalogue decides the rest
