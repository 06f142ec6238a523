"""Boundary probes for the OpenAPI fuzz (``test_openapi_fuzz.py``), read off the API's own schema.

For every bounded value an operation takes — integers in the body, the path and the query, dates
and instants, strings, lists and maps — one request per value at and beyond each bound, each a
valid request (the operation's own example body) with that one value changed, so the value is
what the API has to judge. Integers get min, min-1, max, max+1, 2**63, -2**63-1 and 10**25;
dates 0001-01-01, 9999-12-31, 1899-12-31, 2200-01-01 and the calendar's own edges; strings their
maxLength and maxLength+1, a NUL, C1 controls and a lone surrogate (a JSON ``\\ud800`` escape in a
body, its WTF-8 bytes percent-encoded in a URL).

Nothing here talks to the network: ``probes(document, method, path, path_values)`` and
``oversized(...)`` return plain requests for the test to send.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any
from urllib.parse import quote

MISSING: Any = object()
# What a wire request can carry beyond any bound the schema states.
HUGE_INTS = [("2**63", 2**63), ("-2**63-1", -(2**63) - 1), ("10**25", 10**25)]
DATES = ["0001-01-01", "9999-12-31", "1899-12-31", "2200-01-01", "1900-01-01", "2199-12-31", "2026-02-30"]
INSTANTS = [
    "0001-01-01T00:00:00Z",
    "9999-12-31T23:59:59Z",
    "1899-12-31T23:59:59Z",
    "2200-01-01T00:00:00Z",
    "1900-01-01T00:00:00Z",
    "2199-12-31T23:59:59Z",
    # in range as written, out of range once held as UTC
    "9999-12-31T23:59:59-23:59",
    "0001-01-01T00:00:00+23:59",
    "2026-01-01T09:00:00",
]  # no time zone
SPECIAL_TEXT = {"nul": "a\x00b", "c1-nel": "a\x85b", "c1-csi": "\x9b", "c1-apc": "a\x9fb", "lone-surrogate": "a\ud800b"}


@dataclass
class Probe:
    """One request: ``url`` is already encoded (path and query), ``body`` is JSON-able or MISSING."""

    label: str
    method: str
    url: str
    headers: dict[str, str] = field(default_factory=dict)
    body: Any = MISSING
    chunked: bool = False  # sent without a Content-Length, in pieces

    def content(self) -> bytes | None:
        # ensure_ascii: a lone surrogate goes as the JSON escape, which any client can send.
        return None if self.body is MISSING else json.dumps(self.body, ensure_ascii=True).encode("ascii")


def resolve(node: Any, root: dict[str, Any]) -> dict[str, Any]:
    while isinstance(node, dict) and "$ref" in node:
        target: Any = root
        for part in node["$ref"].lstrip("#/").split("/"):
            target = target[part]
        node = target
    return node if isinstance(node, dict) else {}


def concrete(node: Any, root: dict[str, Any]) -> dict[str, Any]:
    """The schema a value has to meet, optional (``anyOf [X, null]``) and wrapped (``allOf [X]``) or not."""
    node = resolve(node, root)
    for key in ("anyOf", "oneOf"):
        if key in node:
            branches = [resolve(b, root) for b in node[key]]
            real = [b for b in branches if b.get("type") != "null"]
            return concrete(real[0], root) if real else {"type": "null"}
    if "allOf" in node and len(node["allOf"]) == 1:
        return concrete(node["allOf"][0], root)
    return node


def identifier(n: int) -> str:
    return ("a" * n) if n > 0 else ""


def sample(node: Any, root: dict[str, Any]) -> Any:
    """A small value the schema admits: what fills a container a probe reaches into."""
    s = concrete(node, root)
    if "const" in s:
        return s["const"]
    if "enum" in s:
        return s["enum"][0]
    if "default" in s and s["default"] not in ({}, []):
        return s["default"]
    kind = s.get("type")
    if kind == "object":
        required = s.get("required", [])
        return {name: sample(sub, root) for name, sub in s.get("properties", {}).items() if name in required}
    if kind == "array":
        return [sample(s.get("items", {}), root) for _ in range(max(int(s.get("minItems", 0)), 0))]
    if kind == "string":
        if s.get("format") == "date":
            return "2026-01-05"
        if s.get("format") == "date-time":
            return "2026-01-05T09:00:00Z"
        if s.get("format") == "uuid":
            return "00000000-0000-4000-8000-00000000abcd"
        return identifier(max(int(s.get("minLength", 1)), 1))
    if kind == "integer":
        return int(s["minimum"]) if "minimum" in s else 1
    if kind == "number":
        return float(s.get("minimum", 1))
    if kind == "boolean":
        return False
    return None


# A step into a value: ("prop", name, child schema), ("item", 0, child), ("value", key schema, child).
Step = tuple[str, Any, Any]


def leaves(
    node: Any, root: dict[str, Any], steps: tuple[Step, ...] = (), depth: int = 0
) -> Iterator[tuple[tuple[Step, ...], dict[str, Any], str]]:
    """Every bounded place in a body: (steps to it, its schema, what it is: value or key)."""
    if depth > 10:
        return
    s = concrete(node, root)
    kind = s.get("type")
    if kind == "object":
        if "maxProperties" in s or "minProperties" in s:
            yield steps, s, "value"
        for name, sub in s.get("properties", {}).items():
            yield from leaves(sub, root, (*steps, ("prop", name, sub)), depth + 1)
        values = s.get("additionalProperties")
        if not isinstance(values, dict):
            values = next(iter(s.get("patternProperties", {}).values()), None)
        names = s.get("propertyNames", {})
        if isinstance(values, dict):
            yield from leaves(values, root, (*steps, ("value", names, values)), depth + 1)
            if concrete(names, root).get("type", "string") == "string" and "enum" not in concrete(names, root):
                yield (*steps, ("value", names, values)), concrete(names, root) or {"type": "string"}, "key"
    elif kind == "array":
        if "maxItems" in s or "minItems" in s:
            yield steps, s, "value"
        yield from leaves(s.get("items", {}), root, (*steps, ("item", 0, s.get("items", {}))), depth + 1)
    elif kind in ("integer", "number") or (kind == "string" and "enum" not in s):
        yield steps, s, "value"


def a_key(names: Any, root: dict[str, Any], taken: dict[str, Any]) -> str:
    names_schema = concrete(names, root)
    if "enum" in names_schema:
        return next((k for k in names_schema["enum"] if k not in taken), names_schema["enum"][0])
    return "k1"


def put(doc: Any, steps: tuple[Step, ...], value: Any, root: dict[str, Any], *, as_key: bool = False) -> Any:
    """``doc`` with the value at the end of ``steps`` replaced (containers on the way made if missing);
    ``as_key``: the last step's map key is what changes, its value kept."""
    if not steps:
        return value
    kind, arg, child = steps[0]
    rest = steps[1:]
    if kind == "prop":
        out = dict(doc) if isinstance(doc, dict) else {}
        current = out.get(arg, MISSING)
        out[arg] = put(sample(child, root) if current is MISSING else current, rest, value, root, as_key=as_key)
        return out
    if kind == "item":
        items = list(doc) if isinstance(doc, list) and doc else [sample(child, root)]
        items[0] = put(items[0], rest, value, root, as_key=as_key)
        return items
    # a map's value (or, last, its key)
    out = dict(doc) if isinstance(doc, dict) else {}
    key = next(iter(out), None) or a_key(arg, root, out)
    current = out.pop(key, MISSING)
    current = sample(child, root) if current is MISSING else current
    if as_key and not rest:
        out[value] = current
        return out
    out[key] = put(current, rest, value, root, as_key=as_key)
    return out


def at_end(doc: Any, steps: tuple[Step, ...]) -> Any:
    for kind, arg, _ in steps:
        if kind == "prop":
            doc = doc.get(arg, MISSING) if isinstance(doc, dict) else MISSING
        elif kind == "item":
            doc = doc[0] if isinstance(doc, list) and doc else MISSING
        else:
            doc = next(iter(doc.values()), MISSING) if isinstance(doc, dict) and doc else MISSING
        if doc is MISSING:
            return MISSING
    return doc


def integers(s: dict[str, Any]) -> list[tuple[str, int | float]]:
    """Each bound the schema states and one past it, then what no bound allows for."""
    out: list[tuple[str, int | float]] = []
    for key, label, past in (
        ("minimum", "min", -1),
        ("exclusiveMinimum", "exclusive-min", +1),
        ("maximum", "max", +1),
        ("exclusiveMaximum", "exclusive-max", -1),
    ):
        if key in s and not isinstance(s[key], bool):
            bound = int(s[key])
            out += [(label, bound), (f"{label}{past:+d}", bound + past)]
    out += [(label, value) for label, value in HUGE_INTS] + [("fraction", 1.5)]
    unique: dict[int | float, str] = {}
    for label, value in out:
        unique.setdefault(value, label)
    return [(label, value) for value, label in unique.items()]


def texts(s: dict[str, Any]) -> list[tuple[str, str]]:
    fmt = s.get("format")
    if fmt == "date":
        return [(f"date {d}", d) for d in DATES]
    if fmt == "date-time":
        return [(f"instant {d}", d) for d in INSTANTS]
    if fmt == "uuid":
        return [("uuid nil", "00000000-0000-0000-0000-000000000000"), ("uuid max", "f" * 32)]
    out: list[tuple[str, str]] = []
    if "maxLength" in s:
        n = int(s["maxLength"])
        out += [("maxLength", identifier(n)), ("maxLength+1", identifier(n + 1))]
    else:
        out += [("long", identifier(2000))]
    if int(s.get("minLength", 0)) > 0:
        n = int(s["minLength"])
        out += [("minLength-1", identifier(n - 1))]
    out += [("blank", "   ")]
    out += [(label, text) for label, text in SPECIAL_TEXT.items()]
    return out


def sized(s: dict[str, Any], existing: Any, root: dict[str, Any]) -> list[tuple[str, Any]]:
    """A list or a map at its size bounds and one past them (copies of an item it holds)."""
    if s.get("type") == "array":
        item = existing[0] if isinstance(existing, list) and existing else sample(s.get("items", {}), root)
        counts = []
        if "maxItems" in s:
            counts += [("maxItems", int(s["maxItems"])), ("maxItems+1", int(s["maxItems"]) + 1)]
        if int(s.get("minItems", 0)) > 0:
            counts += [("minItems-1", int(s["minItems"]) - 1)]
        return [(f"{label} ({n})", [item] * n) for label, n in counts]
    values = s.get("additionalProperties")
    if not isinstance(values, dict):
        values = next(iter(s.get("patternProperties", {}).values()), {})
    value = next(iter(existing.values())) if isinstance(existing, dict) and existing else sample(values, root)
    counts = (
        [("maxProperties", int(s["maxProperties"])), ("maxProperties+1", int(s["maxProperties"]) + 1)]
        if "maxProperties" in s
        else []
    )
    return [(f"{label} ({n})", {f"q{i}": value for i in range(n)}) for label, n in counts]


def values_for(s: dict[str, Any], existing: Any, root: dict[str, Any]) -> list[tuple[str, Any]]:
    kind = s.get("type")
    if kind in ("integer", "number"):
        return integers(s)
    if kind == "string":
        return texts(s)
    if kind in ("array", "object"):
        return sized(s, existing, root)
    return []


def url_text(value: Any) -> str:
    """A path or query value as it goes on the wire: UTF-8 (WTF-8 for a lone surrogate), percent-encoded."""
    text = value if isinstance(value, str) else json.dumps(value)
    return quote(text.encode("utf-8", "surrogatepass"), safe="")


def example_body(operation: dict[str, Any], root: dict[str, Any]) -> Any:
    content = operation.get("requestBody", {}).get("content", {}).get("application/json")
    if content is None:
        return MISSING
    schema = resolve(content["schema"], root)
    examples = schema.get("examples") or content.get("examples") or []
    if isinstance(examples, dict):
        examples = [e.get("value") for e in examples.values()]
    return json.loads(json.dumps(examples[0])) if examples else sample(schema, root)


def probes(
    document: dict[str, Any], method: str, path: str, path_values: dict[str, str], headers: dict[str, str] | None = None
) -> list[Probe]:
    """Every boundary probe of one operation; ``path_values`` fills the path (a case id, say)."""
    operation = document["paths"][path][method.lower()]
    root = document
    params = [resolve(p, root) for p in operation.get("parameters", [])]
    base_path = {
        p["name"]: path_values.get(p["name"], str(sample(p.get("schema", {}), root)))
        for p in params
        if p["in"] == "path"
    }
    base_query = {
        p["name"]: str(sample(p.get("schema", {}), root)) for p in params if p["in"] == "query" and p.get("required")
    }
    body = example_body(operation, root)
    out: list[Probe] = []

    def url(path_params: dict[str, str], query: dict[str, str]) -> str:
        filled = path
        for name, value in path_params.items():
            filled = filled.replace("{" + name + "}", url_text(value))
        return filled + ("?" + "&".join(f"{quote(k)}={url_text(v)}" for k, v in query.items()) if query else "")

    for p in params:
        schema = concrete(p.get("schema", {}), root)
        name, where = p["name"], p["in"]
        if where == "path" and name in path_values and schema.get("format") == "uuid":
            continue  # the case id is what the probes are aimed at, not what they probe
        for label, value in values_for(schema, None, root):
            tag = f"{where} {name} {label}"
            if where == "path":
                out.append(Probe(tag, method, url({**base_path, name: value}, base_query), dict(headers or {}), body))
            elif where == "query":
                out.append(Probe(tag, method, url(base_path, {**base_query, name: value}), dict(headers or {}), body))
            elif where == "header" and isinstance(value, str) and sendable_header(value):
                out.append(Probe(tag, method, url(base_path, base_query), {**(headers or {}), name: value}, body))
    if body is not MISSING:
        content = operation["requestBody"]["content"]["application/json"]["schema"]
        for steps, schema, what in leaves(content, root):
            where_to = (
                ".".join(str(arg) if kind == "prop" else ("0" if kind == "item" else "*") for kind, arg, _ in steps)
                or "(body)"
            )
            existing = at_end(body, steps)
            for label, value in values_for(schema, existing, root):
                if what == "key" and not isinstance(value, str):
                    continue
                changed = put(body, steps, value, root, as_key=(what == "key"))
                tag = f"body {where_to}{' key' if what == 'key' else ''} {label}"
                out.append(Probe(tag, method, url(base_path, base_query), dict(headers or {}), changed))
    return out


def oversized(
    document: dict[str, Any],
    method: str,
    path: str,
    path_values: dict[str, str],
    limit: int,
    headers: dict[str, str] | None = None,
) -> list[Probe]:
    """The example body padded past the API's body-size limit, with a Content-Length and without."""
    operation = document["paths"][path][method.lower()]
    body = example_body(operation, document)
    if body is MISSING:
        return []
    padded = {**body, "padding": "a" * limit} if isinstance(body, dict) else ["a" * limit]
    url = path
    for name, value in path_values.items():
        url = url.replace("{" + name + "}", url_text(value))
    return [
        Probe(
            f"body over {limit:,} bytes{' (chunked)' if chunked else ''}",
            method,
            url,
            dict(headers or {}),
            padded,
            chunked=chunked,
        )
        for chunked in (False, True)
    ]


def sendable_header(value: str) -> bool:
    # A header value is latin-1 text without controls or edge spaces: what an HTTP client will send.
    try:
        value.encode("latin-1")
    except UnicodeEncodeError:
        return False
    return value == value.strip() and not any(ord(c) < 0x20 or ord(c) == 0x7F for c in value)
