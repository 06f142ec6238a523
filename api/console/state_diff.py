"""The difference between two states of a case, flat: each field's path, its value then, its value
now. A console table an auditor reads down (``api/console/router.py``, the audit page)."""

from __future__ import annotations

import json
from typing import Any, NamedTuple

ABSENT = "(absent)"


class Difference(NamedTuple):
    path: str
    then: str
    now: str


def flat(value: Any, path: str = "") -> dict[str, str]:
    """Every leaf of a JSON-like value by its path (``people.adult-1.stage``, ``plans[0].hours``);
    an empty dict or list is a leaf of its own, so its appearing is a difference too."""
    if isinstance(value, dict) and value:
        found: dict[str, str] = {}
        for key in value:
            found.update(flat(value[key], f"{path}.{key}" if path else str(key)))
        return found
    if isinstance(value, list) and value:
        found = {}
        for index, item in enumerate(value):
            found.update(flat(item, f"{path}[{index}]"))
        return found
    return {path or "(state)": json.dumps(value, ensure_ascii=False, sort_keys=True)}


def differences(then: Any, now: Any) -> list[Difference]:
    """The fields whose values differ between the two states (a state that did not exist yet is
    None: every field of the other differs), in path order."""
    before, after = flat(then) if then is not None else {}, flat(now) if now is not None else {}
    return [
        Difference(path, before.get(path, ABSENT), after.get(path, ABSENT))
        for path in sorted(before.keys() | after.keys())
        if before.get(path) != after.get(path)
    ]
