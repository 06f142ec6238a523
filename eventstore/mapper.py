"""How case events become stored records and back: canonical JSON via pydantic.

The stored bytes are exactly the form the hash chain covers, so an auditor can recompute a link
from the bytes alone: ``canonical_json(stored_state(event))``, with the personal values sealed
under their person's key where the event declares them (``domain.personal_data``; the sealed
state travels on the event from the command that hashed it). Reading opens them again, or reads
them as erased once the key is destroyed. A snapshot's state is sealed whole under the adult's key.
Older event versions are upcast on the way out (never rewritten in the store).
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any
from uuid import UUID

import orjson
from eventsourcing.persistence import Mapper, MapperDeserialisationError, StoredEvent
from eventsourcing.utils import get_topic, resolve_topic

from domain.canonical import CHAIN_FIELD, adapter, canonical_json, stored_state
from domain.case.base import STORED_FORM, CaseEvent, StoredForm
from domain.personal_data import SEALED_FOR, Sealer, open_state, personal_fields_of, seal_state
from eventstore.person_keys import KeyDestroyed, KeyTableSealer


@dataclass(frozen=True)
class IndexedStoredEvent(StoredEvent):
    """A stored event with what the as-of index and the payment outbox need, so the recorder never
    parses state bytes."""

    recorded_at: datetime | None = None
    chain_hash: str | None = None
    # The payment instruction this event gives the finance system, if any: the recorder writes it
    # to the payment outbox in the same transaction as the event. Kept out of equality and hashing
    # (a dict is not hashable, and the event is the same event with or without it).
    outbox: dict[str, Any] | None = field(default=None, compare=False, hash=False)
    # The person index's change this event makes (an episode held or released), if any: the
    # recorder writes it in the same transaction as the event (eventstore.episodes).
    episode: dict[str, Any] | None = field(default=None, compare=False, hash=False)
    # The command that recorded this event (id, name, content digest), for the table of the case's
    # commands written in the same transaction (eventstore.commands).
    command: tuple[str, str, str] | None = field(default=None, compare=False, hash=False)


def episode_change(domain_event: Any) -> dict[str, Any] | None:
    """The person index's change an event makes: from its ``person_episode()``, if it has one."""
    change = getattr(domain_event, "person_episode", None)
    return change() if callable(change) else None


def command_of(domain_event: Any) -> tuple[str, str, str] | None:
    """The command a case event records: its id, name and digest (None for any other event)."""
    command_id = getattr(domain_event, "command_id", None)
    if not isinstance(command_id, str):
        return None
    return command_id, str(domain_event.command_name), str(domain_event.command_digest)


def outbox_instruction(domain_event: Any) -> dict[str, Any] | None:
    """The instruction an event hands to the outbox: from its ``payment_instruction()``, if it has one."""
    instruction = getattr(domain_event, "payment_instruction", None)
    return instruction() if callable(instruction) else None


class CanonicalMapper(Mapper[Any]):
    # Seals and opens personal values (the case record's key table); set by the case record.
    sealer: Sealer | None = None

    def to_stored_event(self, domain_event: Any) -> StoredEvent:
        carried: StoredForm | None = getattr(domain_event, STORED_FORM, None)
        if carried is not None:  # exactly what the command hashed, encoded when it was hashed
            state, data = carried
        else:
            state = self._stored_form(domain_event)
            data = canonical_json(state)
        if self.compressor:
            data = self.compressor.compress(data)
        if self.cipher:
            data = self.cipher.encrypt(data)
        return IndexedStoredEvent(
            originator_id=domain_event.originator_id,
            originator_version=domain_event.originator_version,
            topic=get_topic(type(domain_event)),
            state=data,
            recorded_at=getattr(domain_event, "timestamp", None),
            chain_hash=state.get(CHAIN_FIELD),
            outbox=outbox_instruction(domain_event),
            episode=episode_change(domain_event),
            command=command_of(domain_event),
        )

    def _stored_form(self, domain_event: Any) -> dict[str, Any]:
        state = stored_state(domain_event)
        cls = type(domain_event)
        if self.sealer is None or not personal_fields_of(cls):
            return state
        if CHAIN_FIELD in state:
            # A case event with personal fields that was hashed unsealed: storing it sealed would
            # break its chain, storing it plain would keep personal data in the clear.
            raise ValueError(f"{cls.__name__} was recorded without its personal values sealed")
        case = state.get("state", {}).get("case", {})
        try:  # a snapshot: its whole state, under the adult's key
            return seal_state(
                cls,
                domain_event.originator_id.hex,
                domain_event.originator_version,
                state,
                self.sealer,
                str(case.get("adult_id", "")),
            )
        except KeyDestroyed:
            return state  # a snapshot taken after erasure holds only what is left

    def decode_state(self, stored_event: StoredEvent) -> dict[str, Any]:
        """The stored state as a dict, exactly as recorded (before any upcasting)."""
        data = stored_event.state
        try:
            if self.cipher:
                data = self.cipher.decrypt(data)
            if self.compressor:
                data = self.compressor.decompress(data)
            state = parse_json(data)
        except Exception as error:  # the bytes themselves are damaged: say where
            raise MapperDeserialisationError(
                f"cannot read stored event {stored_event.originator_id} v{stored_event.originator_version}: {error}"
            ) from error
        if not isinstance(state, dict):
            raise MapperDeserialisationError(
                f"stored event {stored_event.originator_id} v{stored_event.originator_version} is not an object"
            )
        return state

    def to_domain_event(self, stored_event: StoredEvent, sealer: Sealer | None = None) -> Any:
        """The event, validated in full against its class. A plain case event (none of its values
        sealed, stored at its class's version) is parsed and validated in one pass by pydantic from
        the stored bytes; any other, or one that pass refuses, is parsed to a dict, opened (with
        ``sealer``, else the record's), upcast and validated as ever (decision 0048)."""
        event = self._validated_from_bytes(stored_event)
        if event is not None:
            return event
        return event_from_state(
            stored_event.topic,
            stored_event.originator_id,
            stored_event.originator_version,
            self.decode_state(stored_event),
            self.sealer if sealer is None else sealer,
        )

    def _validated_from_bytes(self, stored_event: StoredEvent) -> Any | None:
        data = stored_event.state
        if self.cipher or self.compressor or type(data) is not bytes or data[:1] != b"{" or len(data) < 3:
            return None
        # Each key below can only match where a key of that name is (a quote inside a JSON string is
        # escaped), so a state that has one anywhere takes the dict path, which handles it.
        sealed, versioned, named_id, named_version = _DICT_PATH_KEYS
        if sealed in data or versioned in data or named_id in data or named_version in data:
            return None
        cls = resolve_topic(stored_event.topic)
        if not _is_plain_case_event(cls):
            return None
        originator_id = stored_event.originator_id
        if not isinstance(originator_id, UUID):
            return None
        envelope = b'{"originator_id":"%s","originator_version":%d,' % (
            originator_id.hex.encode("ascii"),
            stored_event.originator_version,
        )
        try:
            return adapter(cls).validate_json(envelope + data[1:])
        except Exception:
            return None  # the dict path reads it again and says exactly what is wrong, as it always has

    def keys_for(self, stored_events: Sequence[StoredEvent]) -> Sealer | None:
        """What opens the personal values of a batch of events: the keys of every person on the cases
        whose events have sealed values, read in one statement and held for this batch alone
        (decision 0048), where the key table can; else the record's sealer, which reads the key of
        each value as it opens it."""
        if isinstance(self.sealer, KeyTableSealer):
            plain = not self.cipher and not self.compressor
            cases = {
                e.originator_id
                for e in stored_events
                if isinstance(e.originator_id, UUID) and (not plain or _SEALED_KEY in e.state)
            }
            return self.sealer.for_cases(sorted(cases, key=str))
        return self.sealer


_SEALED_KEY = b'"%s":' % SEALED_FOR.encode("ascii")
# A sealed state (opened first), an older version's (upcast first), or one that names the envelope
# (which the store's columns give, never the state).
_DICT_PATH_KEYS = (_SEALED_KEY, b'"class_version":', b'"originator_id":', b'"originator_version":')
_PLAIN_CASE_EVENTS: dict[Any, bool] = {}


def _is_plain_case_event(cls: Any) -> bool:
    """A case event class at its first version: its stored state needs no upcasting."""
    found = _PLAIN_CASE_EVENTS.get(cls)
    if found is None:
        found = isinstance(cls, type) and issubclass(cls, CaseEvent) and getattr(cls, "class_version", 1) == 1
        _PLAIN_CASE_EVENTS[cls] = found
    return found


def parse_json(data: bytes | str) -> Any:
    """Stored JSON parsed (never written: the canonical encoding is ``domain.canonical``'s).
    orjson reads what the store writes; what it refuses (a whole number past 64 bits, say) the
    standard library reads as it always did."""
    try:
        return orjson.loads(data)
    except orjson.JSONDecodeError:
        return json.loads(data)


def event_from_state(
    topic: str, originator_id: Any, originator_version: int, stored: dict[str, Any], sealer: Sealer | None = None
) -> Any:
    """Rebuild a domain event from its stored state, opening its sealed personal values (each
    withheld without a sealer, erased once its key is destroyed), upcasting an older class version."""
    cls = resolve_topic(topic)
    case_hex = originator_id.hex if isinstance(originator_id, UUID) else UUID(str(originator_id)).hex
    try:
        state = dict(open_state(cls, case_hex, originator_version, stored, sealer))
    except ValueError as error:
        raise MapperDeserialisationError(
            f"stored event {originator_id} v{originator_version} ({topic}): {error}"
        ) from error
    from_version = state.pop("class_version", 1)
    class_version = getattr(cls, "class_version", 1)
    while from_version < class_version:
        # The library's upcasting convention (decision 0006): an event class at version n + 1 has a
        # static method upcast_vn_vn+1 that brings a stored state one version forward.
        getattr(cls, f"upcast_v{from_version}_v{from_version + 1}")(state)
        from_version += 1
    state["originator_id"] = originator_id
    state["originator_version"] = originator_version
    try:
        return adapter(cls).validate_python(state)
    except Exception as error:
        raise MapperDeserialisationError(
            f"stored event {originator_id} v{originator_version} ({topic}) does not fit its class: {error}"
        ) from error
