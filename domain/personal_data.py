"""Personal data in the record: which event fields hold it, whose it is, and its sealed stored form.

An event class names its personal fields (names, dates of birth, free text about a person) in
``personal_fields``. Before the chain hash of such an event is computed, each of those values is
sealed under the key of the person it is about, so the chain covers the sealed bytes the store
keeps (decision 0026). Destroying a person's key at the end of retention leaves every stored event
as it was, still verifying, while its personal values can no longer be read: they read as
``ERASED`` (text) or ``None`` (a date).

The sealed stored form keeps every other field as it was and adds one envelope entry,
``SEALED_FOR``: each sealed field with the id of the person whose key sealed it. A stored state
without it is the older plaintext form, read as it always was.

Pure: the keys and the cipher are behind the ``Sealer`` protocol, given by the store.
"""

from __future__ import annotations

import json
import typing
from typing import Any, Protocol, runtime_checkable

from domain.canonical import canonical_json

SEALED_FOR = "sealed_for"
ERASED = "erased"  # a personal value whose person's key was destroyed
WITHHELD = "withheld"  # a personal value read where no key may be used (the workflow's mirror)
# Where an event names no person of its own, its personal values are the adult's.
DEFAULT_SUBJECT_FIELDS = ("carer_id", "person_id", "adult_id")


@runtime_checkable
class Sealer(Protocol):
    """Seals and opens one personal value under one person's key (the store's key table)."""

    def seal(self, case_id: str, person_id: str, context: str, plaintext: bytes) -> str:
        """The value sealed under the person's key (made on first use), bound to ``context``."""
        ...

    def open(self, case_id: str, person_id: str, context: str, sealed: str) -> bytes | None:
        """The plaintext, or None if the person's key has been destroyed."""
        ...


def personal_fields_of(cls: type[Any]) -> tuple[str, ...]:
    fields: tuple[str, ...] = getattr(cls, "personal_fields", ())
    return fields


def subject_of(cls: type[Any], state: dict[str, Any], adult_id: str) -> str:
    """The person an event's personal values are about: the first of its subject fields it fills
    (``personal_data_subject``, else a carer, a person, the adult), else the case's adult."""
    candidates: tuple[str, ...] = getattr(cls, "personal_data_subject", DEFAULT_SUBJECT_FIELDS)
    for name in candidates:
        value = state.get(name)
        if isinstance(value, str) and value:
            return value
    return adult_id


def _context(case_id: str, version: int, field: str) -> str:
    # Binds a sealed value to its place: moved to another event or field, it no longer opens.
    return f"{case_id}/{version}/{field}"


def seal_state(
    cls: type[Any], case_id: str, version: int, state: dict[str, Any], sealer: Sealer, adult_id: str
) -> dict[str, Any]:
    """The stored state of an event with each personal value sealed under its person's key."""
    fields = [name for name in personal_fields_of(cls) if name in state]
    if not fields:
        return state
    person = subject_of(cls, state, adult_id)
    sealed = dict(state)
    for name in fields:
        sealed[name] = sealer.seal(case_id, person, _context(case_id, version, name), canonical_json(state[name]))
    sealed[SEALED_FOR] = {name: person for name in fields}
    return sealed


def open_state(
    cls: type[Any], case_id: str, version: int, stored: dict[str, Any], sealer: Sealer | None
) -> dict[str, Any]:
    """The stored state with its sealed values opened: each one's plaintext, or the erased marker
    of its field if its person's key is gone (the withheld marker where there is no sealer)."""
    sealed_for = stored.get(SEALED_FOR)
    if not isinstance(sealed_for, dict):
        return stored  # the older plaintext form
    state = {k: v for k, v in stored.items() if k != SEALED_FOR}
    for name, person in sealed_for.items():
        plaintext = None
        if sealer is not None:
            plaintext = sealer.open(case_id, str(person), _context(case_id, version, name), str(state[name]))
        if plaintext is None:
            state[name] = unreadable_value(cls, name, ERASED if sealer is not None else WITHHELD)
        else:
            state[name] = json.loads(plaintext)
    return state


_TEXT_FIELDS: dict[tuple[type[Any], str], bool] = {}


def unreadable_value(cls: type[Any], name: str, marker: str) -> str | None:
    """What a personal value reads as once it cannot be opened: the marker for a text field, None
    for any other (a date of birth), so the event still fits its class."""
    key = (cls, name)
    if key not in _TEXT_FIELDS:
        _TEXT_FIELDS[key] = _accepts_text(_annotation(cls, name))
    return marker if _TEXT_FIELDS[key] else None


def _annotation(cls: type[Any], name: str) -> Any:
    for klass in cls.__mro__:
        found = vars(klass).get("__annotations__", {}).get(name)
        if found is not None:
            return found
    return Any


def _accepts_text(annotation: Any) -> bool:
    # Annotations are read as written (``from __future__ import annotations`` leaves them text):
    # the library re-creates each event class on the Case, where their names may not resolve.
    if isinstance(annotation, str):
        return any(part.strip() in ("str", "Any", "typing.Any") for part in annotation.split("|"))
    accepted = typing.get_args(annotation) or (annotation,)
    return any(t is str or t is Any for t in accepted)
