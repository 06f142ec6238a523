"""The case record's service layer: load a case, call one aggregate method, save.

It is an ``eventsourcing`` Application. The store behind it (SQLite file or PostgreSQL) is chosen
by environment settings alone, and must fulfil ``eventstore.contract.CaseStore``. It adds what
every caller needs: exactly-once commands, retries on concurrent writes, as-of reconstruction,
chain and budget verification, and typed reads of the store (the log's last position, its
notifications, a case's stored events and index rows, the payment outbox), so no caller reaches
through it into the recorder.
"""

from __future__ import annotations

import hashlib
import random
import threading
import time
from collections import OrderedDict
from collections.abc import Callable, Iterable, Iterator, Sequence
from datetime import UTC, datetime
from typing import Any, ClassVar, Literal
from uuid import UUID

from eventsourcing.application import AggregateNotFoundError, Application
from eventsourcing.persistence import IntegrityError, Mapper, MapperDeserialisationError, Notification, StoredEvent
from eventsourcing.utils import get_topic, resolve_topic
from pydantic import BaseModel, ConfigDict

from domain.audit import ChainReport, OrphanedInstruction, check_chain
from domain.canonical import CHAIN_FIELD, canonical_json
from domain.case.aggregate import Case, CaseSnapshot, copy_of
from domain.case.base import CaseEvent, CommandContext
from domain.case.rules import (
    person_must_exist,
    personal_data_is_erased_only_once_retention_has_ended,
    personal_data_must_not_already_be_erased,
)
from domain.checkpoint import CaseHead, StoredLink
from domain.commands import CaseCommand, CouncilSettings, Services
from domain.commands.base import RuleSets
from domain.decision_audit import (
    DECISIONS,
    DecisionCheck,
    check_approval,
    check_judgement,
    check_recomputable,
    is_decision,
)
from domain.errors import ConcurrencyConflict, DomainError, InvalidInput, NotFound, RuleViolation
from domain.people import Actor, Role
from domain.person_record import PersonRecord, person_record
from domain.personal_data import SEALED_FOR, Sealer, open_state
from domain.policy import CouncilPolicy, Publication, policy_stream_id, rule_set_amounts_within_council_maximum
from domain.ras import BudgetCalculation, RuleSet, parse_rule_set, recalculate
from eventstore.appends import AppendSignal
from eventstore.commands import RecordedCommand
from eventstore.contract import CaseStore
from eventstore.index import IndexRow
from eventstore.mapper import CanonicalMapper
from eventstore.outbox import PaymentInstruction, each_instruction
from eventstore.person_keys import KeyTableSealer, PersonKeyRow, PersonKeyTable

MAX_ATTEMPTS = 20
# Who erases personal data at the end of retention: the council's retention rule, run by the system.
RETENTION_ACTOR = Actor(user_id="carecase-retention", role=Role.SYSTEM)


def project_case(case: Case | None, events: Any) -> Case | None:
    """Fold events into a case. The library's default projector checks a runtime Protocol on
    every event, which costs more than the mutation itself."""
    for event in events:
        case = event.mutate(case)
    return case


def utc_now() -> datetime:
    return datetime.now(UTC)


class RecordedEvent(BaseModel):
    model_config = ConfigDict(frozen=True)

    type: str
    version: int
    recorded_at: datetime
    chain_hash: str
    notification_id: int | None = None


class CommandOutcome(BaseModel):
    """What a command did: the events it appended (or, for a repeat, the ones it appended first)."""

    model_config = ConfigDict(frozen=True)

    case_id: UUID
    command_id: str
    command_name: str
    events: list[RecordedEvent]
    duplicate: bool = False

    @property
    def last_notification_id(self) -> int | None:
        ids = [e.notification_id for e in self.events if e.notification_id is not None]
        return max(ids) if ids else None


class PublicationOutcome(BaseModel):
    """A publication, and whether it was already recorded (the same content sent again)."""

    model_config = ConfigDict(frozen=True)

    publication: Publication
    duplicate: bool
    notification_ids: list[int]


class BudgetMismatch(BaseModel):
    model_config = ConfigDict(frozen=True)

    case_id: str
    version: int
    person_id: str
    rule_set_id: str
    rule_set_version: str
    problem: str


CommandObserver = Callable[[CaseCommand, "CommandOutcome | None", "DomainError | None"], None]


def _pays(topic: str) -> bool:
    """Whether events of this topic give the finance system an instruction."""
    try:
        return hasattr(resolve_topic(topic), "payment_instruction")
    except Exception:  # a topic no class answers to (itself a sign of tampering) pays nothing
        return False


class CaseRecord(Application[UUID]):
    name = "carecase"
    snapshotting_intervals: ClassVar = {Case: 20}
    snapshotting_projectors: ClassVar = {Case: project_case}
    snapshot_class = CaseSnapshot

    def __init__(
        self,
        env: dict[str, str] | None = None,
        *,
        rule_sets: RuleSets,
        council: CouncilSettings | None = None,
        clock: Callable[[], datetime] = utc_now,
        observers: Sequence[CommandObserver] = (),
    ) -> None:
        super().__init__(env)
        recorder = self.recorder
        if not isinstance(recorder, CaseStore):
            self.close()
            raise TypeError(
                "the case record needs a store with the as-of index, the case list and the payment outbox "
                "(PERSISTENCE_MODULE=eventstore.sqlite or eventstore.postgres), not "
                f"{type(recorder).__module__}.{type(recorder).__qualname__}"
            )
        self._store: CaseStore = recorder
        if not isinstance(recorder, PersonKeyTable):
            self.close()
            raise TypeError("the case record needs a store with the key table (eventstore.person_keys)")
        self._keys: PersonKeyTable = recorder
        # Personal values are sealed under their person's key before they are hashed or stored.
        self.sealer: Sealer | None = KeyTableSealer(recorder, clock)
        mapper = self.mapper
        assert isinstance(mapper, CanonicalMapper)  # construct_mapper made it
        mapper.sealer = self.sealer
        # The store is the person index too: a referral reads who has an open case from it.
        self.services = Services(council=council or CouncilSettings(), rule_sets=rule_sets, people=recorder)
        # Cases saved recently, kept to spare the next command a rebuild (0 turns this off).
        self._cache: OrderedDict[UUID, Case] = OrderedDict()
        self._cache_lock = threading.Lock()
        self._cache_size = int(self.env.get("CASE_CACHE_SIZE", "2000"))
        self.clock = clock
        self.observers = list(observers)
        # The councils' policy streams, as last read (see publications).
        self._policies: dict[UUID, CouncilPolicy | None] = {}
        self._policy_lock = threading.Lock()
        self._policy_log_read_to = 0

    def construct_mapper(self) -> Mapper[UUID]:
        factory_mapper: Mapper[UUID] = self.factory.mapper(transcoder=self.construct_transcoder())
        return CanonicalMapper(
            transcoder=factory_mapper.transcoder, compressor=factory_mapper.compressor, cipher=factory_mapper.cipher
        )

    def decode_state(self, stored: StoredEvent) -> dict[str, Any]:
        """A stored event's state exactly as recorded (before any upcasting): what the hash chain covers."""
        mapper = self.mapper
        assert isinstance(mapper, CanonicalMapper)  # construct_mapper made it
        return mapper.decode_state(stored)

    def personal_values(self, stored: StoredEvent) -> dict[str, Any]:
        """A stored event's sealed personal values, opened: each as it was recorded, or erased once
        its person's key is destroyed (empty for an event with none sealed)."""
        state = self.decode_state(stored)
        sealed_for = state.get(SEALED_FOR)
        if not isinstance(sealed_for, dict):
            return {}
        case_hex = UUID(str(stored.originator_id)).hex
        opened = open_state(resolve_topic(stored.topic), case_hex, stored.originator_version, state, self.sealer)
        return {name: opened[name] for name in sealed_for}

    # Commands -----------------------------------------------------------------------------------

    def handle(self, command: CaseCommand) -> CommandOutcome:
        """Apply one command exactly once. A repeated command id appends nothing and returns the
        original outcome; a concurrent writer causes a reload and retry, never a lost write."""
        try:
            outcome = self._handle_with_retries(command)
        except DomainError as error:
            self._tell(command, None, error)
            raise
        self._tell(command, outcome, None)
        return outcome

    def _handle_with_retries(self, command: CaseCommand) -> CommandOutcome:
        for attempt in range(MAX_ATTEMPTS):
            try:
                return self._handle_once(command)
            except IntegrityError:
                # Another writer got this version first: reload and decide again, after a short
                # random pause so two writers stop colliding in lockstep.
                time.sleep(random.uniform(0, 0.002 * (attempt + 1)))
        raise ConcurrencyConflict(
            f"case {command.case_id} kept changing under {command.type_name()}; try again",
            details={"attempts": MAX_ATTEMPTS},
        )

    def _handle_once(self, command: CaseCommand) -> CommandOutcome:
        ctx = command.context(self.clock()).model_copy(update={"sealer": self.sealer})
        # The case itself, out of memory while the command runs: put back once saved, or unchanged
        # when the command is refused; a case an event was triggered on but not saved is dropped.
        existing, recorded = self._take(command.case_id, command.command_id)
        try:
            if recorded is not None:
                repeat = self._first_outcome(command, recorded)
                if existing is not None:
                    self._remember(existing)
                return repeat
            command.admit(ctx, existing.state.case_began_at if existing is not None else None, self.services.council)
            if command.creates_case:
                if existing is not None:
                    raise RuleViolation(
                        f"case {command.case_id} already exists", code="case_already_exists", field="case_id"
                    )
                case = command.create(ctx, self.services)  # type: ignore[attr-defined]
            else:
                if existing is None:
                    raise NotFound(f"no case {command.case_id}", code="unknown_case", field="case_id")
                case = existing
                command.execute(case, ctx, self.services)
        except DomainError:
            if existing is not None and not existing.pending_events:
                self._remember(existing)
            raise
        recordings = self.save(case)
        self._remember(case)
        return CommandOutcome(
            case_id=command.case_id,
            command_id=command.command_id,
            command_name=command.type_name(),
            events=[
                RecordedEvent(
                    type=type(event).__name__,
                    version=event.originator_version,
                    recorded_at=event.timestamp,
                    chain_hash=event.chain_hash,
                    notification_id=r.notification.id,
                )
                for r in recordings
                if isinstance(event := r.domain_event, CaseEvent)
            ],
        )

    def repeat_of(self, command: CaseCommand) -> CommandOutcome | None:
        """The first answer to a command the record already holds under its id (``duplicate``), or
        None if it holds none (nor the case); the same id with other content is refused
        (``command_id_reused``). Records nothing: for answering a repeat where no workflow runs."""
        processed = self._store.recorded_command(command.case_id, command.command_id)
        return None if processed is None else self._first_outcome(command, processed)

    def _first_outcome(self, command: CaseCommand, processed: RecordedCommand) -> CommandOutcome:
        """What a command recorded under this id did the first time; refused for other content. (A
        command about to be handled is looked up after its case is loaded: one saved since by
        another writer was saved at a version this record's own save then conflicts on,
        eventstore.commands.)"""
        if processed.name != command.type_name() or processed.digest != command.digest():
            raise RuleViolation(
                f"command id {command.command_id} was already used for a different {processed.name}",
                code="command_id_reused",
                field="command_id",
            )
        first, last = processed.first_version, processed.last_version
        events = [e for e in self.events.get(command.case_id, gt=first - 1, lte=last) if isinstance(e, CaseEvent)]
        return CommandOutcome(
            case_id=command.case_id,
            command_id=command.command_id,
            command_name=command.type_name(),
            events=[
                RecordedEvent(
                    type=type(e).__name__,
                    version=e.originator_version,
                    recorded_at=e.timestamp,
                    chain_hash=e.chain_hash,
                )
                for e in events
            ],
            duplicate=True,
        )

    def holds_command(self, case_id: UUID, command_id: str) -> bool:
        """Whether the case has recorded a command under this id (of any name or content)."""
        return self._store.recorded_command(case_id, command_id) is not None

    def recorded_command(self, case_id: UUID, command_id: str) -> RecordedCommand | None:
        """The command the case recorded under this id: its name, digest and event versions."""
        return self._store.recorded_command(case_id, command_id)

    def _tell(self, command: CaseCommand, outcome: CommandOutcome | None, error: DomainError | None) -> None:
        for observer in self.observers:
            observer(command, outcome, error)

    # Council policy (domain.policy, decision 0034) ---------------------------------------------

    def valid_rule_set(self, content: bytes) -> RuleSet:
        """A rule set file's bytes checked as a publication checks them (its shape, and every amount
        within the council's maximum), publishing nothing: for a publication and a simulation alike."""
        rule_set = parse_rule_set(content)
        rule_set_amounts_within_council_maximum(rule_set, self.services.council.max_amount_pence)
        return rule_set

    def publish_rule_set(
        self, content: bytes, *, actor: Actor, reason: str, bootstrap: bool = False
    ) -> PublicationOutcome:
        """Publish the exact bytes of a rule set file: validated, refused if back-dated (but for
        the system's bootstrap of what a release shipped) or if its version is already published
        with other content; the same content again is answered with the first publication."""
        rule_set = self.valid_rule_set(content)
        stream_id = policy_stream_id(rule_set.council)
        for attempt in range(MAX_ATTEMPTS):
            now = self.clock()
            try:
                policy: CouncilPolicy = self.repository.get(stream_id)
            except AggregateNotFoundError:
                policy = CouncilPolicy.open(rule_set.council, actor, now)
            published = policy.publish(
                content,
                rule_set,
                actor=actor,
                reason=reason,
                at=now,
                back_dating_allowed=bootstrap and actor.role == Role.SYSTEM,
            )
            if published is None:
                existing = policy.publications[(rule_set.id, rule_set.version)]
                return PublicationOutcome(publication=existing, duplicate=True, notification_ids=[])
            try:
                recordings = self.save(policy)
            except IntegrityError:
                time.sleep(random.uniform(0, 0.002 * (attempt + 1)))
                continue
            self.know_council_policy(rule_set.council)
            return PublicationOutcome(
                publication=published,
                duplicate=False,
                notification_ids=[r.notification.id for r in recordings],
            )
        raise ConcurrencyConflict(f"the policy of {rule_set.council} kept changing; try again")

    def publications(self) -> list[Publication]:
        """Every version any council has published, in the order each council published them.

        Each known council's stream is read on from where it was last read (one indexed query per
        council); a council's stream is known from the first lookup of its rule sets on disk, or
        found in the log's notifications recorded since the last look."""
        opened = get_topic(CouncilPolicy.PolicyRecordOpened)
        with self._policy_lock:
            last = self.last_position()
            if last > self._policy_log_read_to:
                for notification in self.notifications(
                    start=self._policy_log_read_to + 1,
                    limit=last - self._policy_log_read_to,
                    stop=last,
                    topics=[opened],
                ):
                    self._policies.setdefault(UUID(str(notification.originator_id)), None)
                self._policy_log_read_to = last
            found: list[Publication] = []
            for stream_id in list(self._policies):
                policy = self._policies[stream_id]
                version = policy.version if policy is not None else 0
                for event in self.events.get(stream_id, gt=version):
                    policy = event.mutate(policy)  # type: ignore[attr-defined]
                if policy is not None:
                    self._policies[stream_id] = policy
                    found += policy.publications.values()
            return found

    def know_council_policy(self, council: str) -> None:
        """Read this council's policy stream on every lookup, whether or not the log showed it opening."""
        with self._policy_lock:
            self._policies.setdefault(policy_stream_id(council), None)

    # Queries -----------------------------------------------------------------------------------

    def _find(self, case_id: UUID) -> Case | None:
        """The case now, the caller's own copy. A case this record saved recently is copied from
        memory and brought up to date with any events written since (by another process, say)
        instead of being rebuilt from its snapshot."""
        case: Case | None = None
        with self._cache_lock:
            cached = self._cache.get(case_id)
            if cached is not None:
                self._cache.move_to_end(case_id)
                # Under the lock: a remembered case is changed by no one (a command takes it out first).
                case = copy_of(cached)
        if case is not None:
            return project_case(case, self.events.get(case_id, gt=case.version))
        return self._rebuild(case_id)

    def _take(self, case_id: UUID, command_id: str) -> tuple[Case | None, RecordedCommand | None]:
        """The case now, for a command to change, and the command the case recorded under this id
        (read after the case). The case is the remembered one itself, taken out of memory (so no
        copy is made, and no other caller sees it while it changes) and brought up to date in the
        same read as the command's, or rebuilt from its snapshot. The command puts it back
        (``_remember``) when it is saved."""
        with self._cache_lock:
            cached = self._cache.pop(case_id, None)
        if cached is not None:
            newer, recorded = self._store.events_and_command(case_id, cached.version, command_id)
            return project_case(cached, map(self.mapper.to_domain_event, newer)), recorded
        case = self._rebuild(case_id)
        return case, None if case is None else self._store.recorded_command(case_id, command_id)

    def _rebuild(self, case_id: UUID) -> Case | None:
        try:
            return self.repository.get(case_id, projector_func=project_case)
        except AggregateNotFoundError:
            return None

    def _remember(self, case: Case) -> None:
        """Keep a case just saved (or left unchanged) for the next command: the object itself,
        which nothing changes while it is remembered."""
        if self._cache_size <= 0:
            return
        with self._cache_lock:
            self._cache[case.id] = case
            self._cache.move_to_end(case.id)
            while len(self._cache) > self._cache_size:
                self._cache.popitem(last=False)

    def cases_for_figures(self, case_ids: Sequence[UUID], batch: int = 500) -> Iterator[Case]:
        """These cases as they stand now, read ``batch`` at a time (one query each) and folded from
        their events with no personal value opened: a name or a date of birth reads as withheld.
        For figures over many cases (a policy simulation), which need no one's details and must
        not cost a query per case or a key lookup per personal value."""
        blind = self.construct_mapper()  # its own mapper, with no sealer: nothing is opened
        for start in range(0, len(case_ids), batch):
            stored = self._store.select_events_of_cases(case_ids[start : start + batch])
            case: Case | None = None
            for record in stored:
                if case is not None and case.id != record.originator_id:
                    yield case
                    case = None
                case = project_case(case, [blind.to_domain_event(record)])
            if case is not None:
                yield case

    def get_case(self, case_id: UUID) -> Case:
        case = self._find(case_id)
        if case is None:
            raise NotFound(f"no case {case_id}", code="unknown_case", field="case_id")
        return case

    def case_at_version(self, case_id: UUID, version: int) -> Case:
        return self.repository.get(case_id, version=version, projector_func=project_case)

    def version_as_of(self, case_id: UUID, instant: datetime) -> int | None:
        """The case's version as the record stood at ``instant`` (recorded time), from the index."""
        if instant.tzinfo is None:
            raise InvalidInput("an instant must carry its time zone", code="naive_datetime", field="as_of")
        return self._store.version_as_of(case_id, instant)

    def case_as_of(self, case_id: UUID, instant: datetime) -> Case | None:
        """The case as the system knew it at ``instant``; None if it did not exist yet."""
        version = self.version_as_of(case_id, instant)
        return None if version is None else self.case_at_version(case_id, version)

    def stored_events(self, case_id: UUID, up_to_version: int | None = None) -> list[Any]:
        """The case's events, decoded (and upcast), oldest first; to ``up_to_version`` if given."""
        return list(self.events.get(case_id, lte=up_to_version))

    def person_record(self, case_id: UUID, person_id: str) -> PersonRecord:
        """One person's record exported from the case's events (domain/person_record.py): the state
        is folded from the same events, so the two cannot disagree."""
        events = self.stored_events(case_id)
        case = project_case(None, events)
        if case is None:
            raise NotFound(f"no case {case_id}", code="unknown_case", field="case_id")
        person_must_exist(case.state, person_id)
        return person_record(case.state, case.version, events, person_id)

    # The store, read through its contract ------------------------------------------------------

    def has_case(self, case_id: UUID) -> bool:
        """Whether the record holds any event of the case (open or closed)."""
        return bool(self._store.select_events(case_id, limit=1))

    def case_ids(self) -> list[UUID]:
        """Every case the store holds events or index rows for."""
        return list(self._store.case_ids())

    def stored_records(self, case_id: UUID, after_version: int = 0) -> Sequence[StoredEvent]:
        """The case's events as stored (state bytes undecoded), after ``after_version``, oldest first."""
        return self._store.select_events(case_id, gt=after_version or None)

    def index_rows(self, case_id: UUID) -> list[IndexRow]:
        """The case's as-of index rows (version, recorded time, chain hash), by version."""
        return self._store.index_rows(case_id)

    def last_position(self) -> int:
        """The notification id of the last event recorded, of any case; 0 for an empty record."""
        return self._store.max_notification_id() or 0

    def append_signal(self) -> AppendSignal:
        """What wakes a reader of the log when events are appended: LISTEN/NOTIFY on PostgreSQL,
        polling on SQLite (eventstore.appends). The caller closes it."""
        return self._store.append_signal()

    def notifications(
        self, start: int, limit: int, stop: int | None = None, topics: Sequence[str] = ()
    ) -> Sequence[Notification]:
        """The log of every event in commit order: at most ``limit`` notifications with ids from
        ``start`` (to ``stop``, inclusive, if given), optionally of the given topics only."""
        return self._store.select_notifications(start=start, limit=limit, stop=stop, topics=topics)

    def payment_instructions(self, after_id: int = 0, limit: int = 1000) -> list[PaymentInstruction]:
        """The payment outbox after ``after_id``, oldest first (what the finance system reads)."""
        return self._store.payment_instructions(after_id=after_id, limit=limit)

    # Retention: personal data erased at the end of the period (decision 0026) -----------------

    def closed_cases(self) -> list[UUID]:
        """Every case that has been closed at some time, from the log's closures."""
        topic = get_topic(Case.CaseClosed)
        found: dict[UUID, None] = {}
        start = 1
        while page := self.notifications(start=start, limit=500, topics=[topic]):
            for notification in page:
                found[UUID(str(notification.originator_id))] = None
            start = page[-1].id + 1
        return list(found)

    def retention_ended(self, case_id: UUID, as_of: datetime, retention_days: int) -> bool:
        """Whether the case is closed, its retention period ended by ``as_of``, and not yet erased."""
        state = self.get_case(case_id).state
        try:
            personal_data_must_not_already_be_erased(state)
            personal_data_is_erased_only_once_retention_has_ended(state, as_of, retention_days)
        except RuleViolation:
            return False
        return True

    def erase_personal_data(
        self, case_id: UUID, *, as_of: datetime, retention_days: int, actor: Actor = RETENTION_ACTOR
    ) -> CommandOutcome:
        """Destroy the keys of every person on a closed case whose retention period has ended, and
        record that it was done. The keys go first: a view or reader catching up on the event can
        no longer open what it erases. Run again after a failure, it finishes the job."""
        if as_of.tzinfo is None:
            raise InvalidInput("an instant must carry its time zone", code="naive_datetime", field="as_of")
        state = self.get_case(case_id).state
        personal_data_must_not_already_be_erased(state)
        personal_data_is_erased_only_once_retention_has_ended(state, as_of, retention_days)
        rule = f"personal data erased {retention_days} days after the case closed"
        now = self.clock()
        keyed = [row.person_id for row in self._keys.person_key_rows(case_id)]
        self._keys.destroy_person_keys(case_id, now, actor.user_id, rule)
        self._keys.delete_snapshots(case_id)
        self.forget(case_id)
        people = sorted({*keyed, *state.people, *state.representatives})
        digest = hashlib.sha256(canonical_json([people, retention_days, as_of.isoformat()])).hexdigest()
        for attempt in range(MAX_ATTEMPTS):
            case = self.get_case(case_id)
            ctx = CommandContext(
                command_id=f"retention-{case_id.hex}",
                command_name="ErasePersonalData",
                command_digest=f"sha256:{digest}",
                actor=actor,
                recorded_at=self.clock(),
                sealer=self.sealer,
            )
            case.erase_personal_data(ctx, people=people, retention_days=retention_days, as_of=as_of)
            try:
                recordings = self.save(case)
            except IntegrityError:
                time.sleep(random.uniform(0, 0.002 * (attempt + 1)))
                continue
            self._remember(case)
            return CommandOutcome(
                case_id=case_id,
                command_id=ctx.command_id,
                command_name=ctx.command_name,
                events=[
                    RecordedEvent(
                        type=type(event).__name__,
                        version=event.originator_version,
                        recorded_at=event.timestamp,
                        chain_hash=event.chain_hash,
                        notification_id=r.notification.id,
                    )
                    for r in recordings
                    if isinstance(event := r.domain_event, CaseEvent)
                ],
            )
        raise ConcurrencyConflict(f"case {case_id} kept changing while its personal data was erased; run again")

    def person_keys(self, case_id: UUID) -> list[PersonKeyRow]:
        """The case's rows in the key table: whose keys, made when, destroyed when, by whom, why."""
        return self._keys.person_key_rows(case_id)

    def compact_store(self) -> None:
        """Rewrite the store's files so destroyed keys and erased views' rows leave no bytes behind."""
        self._keys.compact()

    def forget(self, case_id: UUID) -> None:
        """Drop a case from the memory of recently saved cases."""
        with self._cache_lock:
            self._cache.pop(case_id, None)

    # Verification ------------------------------------------------------------------------------

    def verify_chain(self, case_id: UUID) -> ChainReport:
        records = self.stored_records(case_id)
        index = {row.originator_version: row.chain_hash for row in self.index_rows(case_id)}
        return check_chain(case_id.hex, records, index, self.decode_state)

    def decision_at(self, case_id: UUID, version: int) -> Any:
        """The recorded decision at ``version`` of a case (404 if there is none there)."""
        found = list(self.events.get(case_id, gt=version - 1, lte=version))
        if not found or not is_decision(found[0]):
            raise NotFound(
                f"version {version} of case {case_id.hex} is not a recorded decision",
                code="no_decision_there",
                field="version",
                details={"decisions": list(DECISIONS)},
            )
        return found[0]

    def verify_decision(self, case_id: UUID, version: int) -> DecisionCheck:
        """Recompute the decision from what was recorded before it, or check the judgement's authority."""
        event = self.decision_at(case_id, version)
        name = type(event).__name__
        method: Literal["recomputed", "authority_and_reasons", "figures_and_authority"] = "recomputed"
        if name in ("SignOffDecisionRecorded", "ChallengeResolved"):
            method = "figures_and_authority"
            before = self.case_at_version(case_id, version - 1).state
            problems = check_approval(event, before, self.services.council.scheme_of_delegation())
        elif name == "IndicativeBudgetCalculated":
            mismatch = self._check_calculation(case_id.hex, version, event.calculation)
            problems = [] if mismatch is None else [mismatch.problem]
        elif name in (
            "EligibilityDetermined",
            "FinancialAssessmentCompleted",
            "DirectPaymentAgreementMade",
            "DirectPaymentAgreementVaried",
            "UnspentFundsRecovered",
            "MisspentFundsRecovered",
            "PaymentsAfterStopRecovered",
            "FinalSettlementWorkedOut",
            "OverpaymentRecovered",
        ):
            problems = check_recomputable(
                event,
                self.case_at_version(case_id, version - 1).state,
                self.services.council.monitoring_contingency_weeks,
                self.services.council.agreement_tolerance_basis_points,
            )
        else:
            method = "authority_and_reasons"
            problems = check_judgement(event)
        return DecisionCheck(
            case_id=case_id.hex, version=version, decision=name, method=method, verified=not problems, problems=problems
        )

    def verify_all_chains(self) -> Iterator[ChainReport]:
        for case_id in self.case_ids():
            yield self.verify_chain(case_id)

    # Checkpoints (decision 0024) ---------------------------------------------------------------

    def chain_heads(self) -> list[CaseHead]:
        """Every case's last version and its chain hash, as stored now, by case id. A case with
        index rows but no events left has no head: its chain check names it."""
        heads = []
        for case_id in self.case_ids():
            last = self._store.select_events(case_id, desc=True, limit=1)
            if not last:
                continue
            record = last[0]
            try:
                recorded = self.decode_state(record).get(CHAIN_FIELD)
            except MapperDeserialisationError:
                raise ValueError(
                    f"case {case_id.hex} v{record.originator_version}: stored bytes unreadable (see audit verify)"
                ) from None
            if not isinstance(recorded, str):
                raise ValueError(f"case {case_id.hex} v{record.originator_version} carries no chain hash")
            heads.append(CaseHead(case_id=case_id.hex, version=record.originator_version, head=recorded))
        return heads

    def stored_link(self, head: CaseHead) -> StoredLink:
        """What the store holds now of a case a checkpoint recorded: its last version, and the
        chain hash recorded on its event at the checkpoint's version."""
        case_id = UUID(hex=head.case_id)
        last = self._store.select_events(case_id, desc=True, limit=1)
        if not last:
            return StoredLink(last_version=None, hash_at_version=None)
        found = self._store.select_events(case_id, gt=head.version - 1, lte=head.version)
        recorded: str | None = None
        if found:
            try:
                recorded = str(self.decode_state(found[0]).get(CHAIN_FIELD, "(none)"))
            except MapperDeserialisationError:
                recorded = "(unreadable)"
        return StoredLink(last_version=last[0].originator_version, hash_at_version=recorded)

    def orphaned_instructions(
        self, case_id: UUID | None = None, instructions: Iterable[PaymentInstruction] | None = None
    ) -> list[OrphanedInstruction]:
        """Payment instructions in the outbox whose event is gone from the store, or whose event
        there is not one that pays (so the finance system was told to pay what the record lacks).
        ``instructions``: those the caller has read already; the whole outbox, page by page, otherwise."""
        orphans = []
        for instruction in each_instruction(self) if instructions is None else instructions:
            if case_id is not None and instruction.case_id != case_id:
                continue
            version = instruction.event_version
            found = self._store.select_events(instruction.case_id, gt=version - 1, lte=version)
            if not found:
                problem = f"its event (version {version}) is not in the store (removed)"
            elif not _pays(found[0].topic):
                problem = f"the event at version {version} is a {found[0].topic.rsplit('.', 1)[-1]}, which pays nothing"
            else:
                continue
            orphans.append(
                OrphanedInstruction(
                    instruction_id=instruction.instruction_id,
                    case_id=instruction.case_id.hex,
                    event_version=version,
                    problem=problem,
                )
            )
        return orphans

    def verify_budget_calculations(
        self, case_ids: Sequence[UUID] | None = None
    ) -> Iterator[tuple[str, BudgetMismatch | None]]:
        """Recompute every recorded budget from its recorded inputs and its rule set; a rule-set file
        changed since (its hash differs) is reported, never silently used."""
        topic = get_topic(Case.IndicativeBudgetCalculated)
        wanted = {c.hex for c in case_ids} if case_ids is not None else None
        start = 1
        while True:
            page = self.notifications(start=start, limit=500, topics=[topic])
            if not page:
                return
            for notification in page:
                event = self.mapper.to_domain_event(notification)
                if not isinstance(event, Case.IndicativeBudgetCalculated):
                    continue  # the topic selects only these; the check tells the type checker so
                case_hex = event.originator_id.hex
                if wanted is not None and case_hex not in wanted:
                    continue
                yield case_hex, self._check_calculation(case_hex, event.originator_version, event.calculation)
            start = page[-1].id + 1

    def _check_calculation(self, case_hex: str, version: int, recorded: BudgetCalculation) -> BudgetMismatch | None:
        def mismatch(problem: str) -> BudgetMismatch:
            return BudgetMismatch(
                case_id=case_hex,
                version=version,
                person_id=recorded.person_id,
                rule_set_id=recorded.rule_set_id,
                rule_set_version=recorded.rule_set_version,
                problem=problem,
            )

        try:
            rule_set = self.services.rule_sets.get(recorded.rule_set_id, recorded.rule_set_version)
        except NotFound:
            return mismatch("the rule set it was calculated under is no longer published")
        except RuleViolation as error:  # its file edited after it was published (decision 0034)
            return mismatch(f"rule set file changed since it was published: {error.message}")
        if rule_set.content_hash != recorded.rule_set_hash:
            return mismatch(
                f"rule set file changed since the calculation: recorded {recorded.rule_set_hash}, "
                f"file now {rule_set.content_hash}"
            )
        again = recalculate(recorded, rule_set).model_dump(mode="json")
        before = recorded.model_dump(mode="json")
        if again != before:
            differing = sorted(k for k, v in again.items() if before.get(k) != v)
            return mismatch("recomputation differs in: " + ", ".join(differing))
        return None
