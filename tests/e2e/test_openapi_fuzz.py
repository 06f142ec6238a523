"""Schemathesis against the running product's /openapi.json: every operation, with a key of a role
the operation admits. No request may get a 5xx; every error is JSON (``application/json`` or
``application/problem+json``) with a ``code`` and no message template left unfilled; and a
request the API does not accept (any non-2xx POST) must write nothing to the case record.

Per operation, in this order:

- boundary probes (``fuzz_probes``), read off the schema: the operation's example request with one
  value at or beyond one of its bounds — every integer (body, path, query) at min, min-1, max,
  max+1, 2**63, -2**63-1 and 10**25; dates at 0001-01-01, 9999-12-31, 1899-12-31, 2200-01-01 and
  the case calendar's edges; instants likewise, and ones whose UTC time leaves the year range;
  strings at maxLength and maxLength+1, blank, with a NUL, C1 controls, a lone surrogate; lists and
  maps at and past their sizes; the body past the API's 1 MiB limit, with a Content-Length and
  chunked. Each probe goes to one of two real cases in turn, so what passes the schema reaches the
  workflow's validator and the domain;
- ``POSITIVE_EXAMPLES`` requests schemathesis generates to fit the schema and
  ``NEGATIVE_EXAMPLES`` that break it (its negative mode: wrong types, values past the bounds,
  missing fields and keys), against an unknown case id and against the real cases.

The real cases are made through the API first, with a social worker's (and the other roles')
keys: case A is a referral just received; case B is the worked example's story as far as a direct
payment agreement and its catch-up payment (so payment commands meet an agreement).

Hypothesis is driven directly (schemathesis's pytest plugin fails under this pytest), derandomized,
with no example database, so a failure reproduces. The test never stops at the first problem: it
collects every one (the request, the answer and, for a 500, the server log's traceback under the
error id) and fails once at the end, listing them. It prints how many requests it sent and the
status codes it saw.

The write check reads the store the product writes (``var/carecase.sqlite``, ``stored_events``:
count and highest notification id). A non-2xx POST must leave it exactly as it was. After an
accepted POST the test waits until the store is quiet, since the case's workflow records some
facts on its own (an overdue stage, a review, a payment); and between an answer and the next
request nothing but that system actor may append an event.

A ``min_position`` past the log's end is checked once up front; while the API waits on one and then
answers 503 (a problem the run reports), generated positions are kept within the log, so the run
stays bounded rather than waiting ten seconds a time.
"""

from __future__ import annotations

import json
import re
import sqlite3
import time
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
import requests
import schemathesis
from hypothesis import HealthCheck, Phase, given, settings
from hypothesis import strategies as st
from schemathesis import GenerationMode
from schemathesis.core import NOT_SET

from api.commands import path_for
from api.examples import command_examples
from api.limits import MAX_BODY_BYTES
from api.roles import COMMAND_ROLES
from domain.commands import COMMANDS
from tests.api.test_roles import allowed_roles, routes
from tests.e2e.conftest import Product
from tests.e2e.fuzz_probes import Probe, oversized, probes

POSITIVE_EXAMPLES = 35  # per operation, generated to fit the schema
NEGATIVE_EXAMPLES = 20  # per operation, generated to break it
MIN_GENERATED_PER_OPERATION = 50  # what the fuzz promises for every operation, probes not counted
# "{code:04X}" in an answer: a message template nobody filled in (JSON objects open with a quote).
UNFILLED = re.compile(r"\{[A-Za-z_]+(?::[^{}\s\"]*)?\}")
ROOT = Path(__file__).resolve().parents[2]
UNKNOWN_CASE = "0123456789abcdef0123456789abcdef"
# The store unchanged this long after an accepted POST counts as settled. The workflow's own
# facts (a review scheduled, a stage overdue) come within milliseconds; one that comes later is
# the system actor's, which the check between requests allows, so a short wait loses nothing.
QUIET_SECONDS = 0.1
ROLES = {(sorted(r.methods)[0], r.path): sorted(role.value for role in (allowed_roles(r) or ())) for r in routes()}
# The worked example's story for case B, as far as the agreement's catch-up payment.
STORY_END = "ConfirmArrearsPayment"
# The revision's example changes the plan's direct payment, which the agreement's example (made
# for the plan as drafted) would then no longer match.
STORY_SKIPS = {"ReviseSupportPlan"}


@dataclass
class Mark:
    events: int
    last_id: int


@dataclass
class Fuzz:
    product: Product
    keys: dict[str, str]
    http: httpx.Client
    session: requests.Session = field(default_factory=requests.Session)
    seen: Counter[int] = field(default_factory=Counter)
    per_operation: Counter[str] = field(default_factory=Counter)
    generated: Counter[str] = field(default_factory=Counter)  # of those, what schemathesis made
    problems: dict[str, list[str]] = field(default_factory=lambda: defaultdict(list))
    problem_counts: Counter[str] = field(default_factory=Counter)
    unsendable: Counter[str] = field(default_factory=Counter)
    by_status: dict[int, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    first_of_status: dict[int, str] = field(default_factory=dict)
    expected: Mark = field(default_factory=lambda: Mark(0, 0))
    last_request: str = "(none yet)"
    clamp_positions: bool = False
    clamped: int = 0

    # The store ---------------------------------------------------------------------------------

    def mark(self) -> Mark:
        with sqlite3.connect(self.product.folder / "var" / "carecase.sqlite", timeout=30) as conn:
            count, last = conn.execute("SELECT COUNT(*), COALESCE(MAX(rowid), 0) FROM stored_events").fetchone()
        return Mark(int(count), int(last))

    def events_after(self, last_id: int) -> list[tuple[str, bool]]:
        """The events past a notification id: a line for each, and whether the workflow recorded it
        itself (the system actor: an overdue stage, a review scheduled, a payment)."""
        with sqlite3.connect(self.product.folder / "var" / "carecase.sqlite", timeout=30) as conn:
            rows = conn.execute(
                "SELECT rowid, originator_id, originator_version, topic, state FROM stored_events "
                "WHERE rowid > ? ORDER BY rowid",
                (last_id,),
            ).fetchall()
        out = []
        for rowid, case_id, version, topic, state in rows:
            try:
                actor = json.loads(state).get("actor") or {}
            except (ValueError, TypeError, AttributeError):
                actor = {}
            role = actor.get("role", "?") if isinstance(actor, dict) else "?"
            out.append((f"#{rowid} {case_id}/{version} {topic.rsplit('.', 1)[-1]} by {role}", role == "system"))
        return out

    def settle(self, timeout: float = 15.0) -> Mark:
        """Wait until the store has been unchanged for QUIET_SECONDS."""
        mark, since, deadline = self.mark(), time.monotonic(), time.monotonic() + timeout
        while time.monotonic() - since < QUIET_SECONDS and time.monotonic() < deadline:
            time.sleep(0.05)
            now = self.mark()
            if now != mark:
                mark, since = now, time.monotonic()
        return mark

    # Judging one answer ------------------------------------------------------------------------

    def problem(self, kind: str, text: str) -> None:
        self.problem_counts[kind] += 1
        if len(self.problems[kind]) < 4:  # the first few of a kind say enough
            self.problems[kind].append(text)

    def server_trace(self, body: str) -> str:
        """The server log's traceback for the error id a 500 names: the exception and its last frames."""
        found = re.search(r"[0-9a-f]{32}", body)
        log = self.product.folder / "var" / "carecase.log"
        if not found or not log.exists():
            return ""
        for line in log.read_text(errors="replace").splitlines():
            if found.group(0) not in line or "unexpected_error" not in line:
                continue
            try:
                entry = json.loads(line)
            except ValueError:
                return "\n    server log: " + line[:3000]
            out = []
            for exc in entry.get("exception", []):
                frames = [
                    f"{f['filename'].replace(str(ROOT) + '/', '')}:{f['lineno']} in {f['name']}"
                    for f in exc.get("frames", [])
                ]
                out.append(f"{exc.get('exc_type')}: {exc.get('exc_value')}\n      " + "\n      ".join(frames[-8:]))
            shown = "\n    ".join(out or [str(entry.get("error", ""))])
            return f"\n    server log (error id {found.group(0)}): {shown}"
        return ""

    def judge(self, operation: str, request: str, status: int, content_type: str, body: str) -> str:
        self.seen[status] += 1
        self.per_operation[operation] += 1
        self.by_status[status][operation] += 1
        self.first_of_status.setdefault(status, f"{request[:600]} -> {body[:300]}")
        where = f"{operation}\n    request: {request[:1500]}\n    answer: {status} {content_type} {body[:800]}"
        if status >= 500:
            self.problem(f"{status} from {operation}", where + self.server_trace(body))
        if status >= 400:
            media = content_type.split(";")[0].strip()
            try:
                parsed = json.loads(body)
            except ValueError:
                parsed = None
            if (
                media not in ("application/json", "application/problem+json")
                or not isinstance(parsed, dict)
                or not isinstance(parsed.get("code"), str)
            ):
                self.problem(f"error without a JSON code from {operation} ({status})", where)
            if UNFILLED.search(body):
                self.problem(f"error text with a template left unfilled from {operation} ({status})", where)
        return where

    # Sending ------------------------------------------------------------------------------------

    def clamp(self, query: dict[str, Any] | None) -> None:
        """While min_position beyond the log is known to hang (see position_check), keep generated
        positions within the log so the run stays bounded; the problem is already recorded."""
        if not self.clamp_positions or not query:
            return
        value = query.get("min_position")
        if isinstance(value, int) and not isinstance(value, bool) and value > self.mark().last_id:
            query["min_position"] = self.mark().last_id
            self.clamped += 1

    def between(self) -> None:
        """Nothing but the workflow's own process may write between one answer and the next request."""
        now = self.mark()
        if now != self.expected:
            foreign = [line for line, system in self.events_after(self.expected.last_id) if not system]
            if foreign:
                self.problem(
                    "events appended after the answer to a request",
                    f"after {self.last_request}\n    appended: " + "; ".join(foreign),
                )
            self.expected = now

    def exchange(self, operation: str, method: str, request: str, send: Any) -> None:
        """Send one request and judge its answer; a non-2xx POST must leave the store as it was."""
        self.between()
        before = self.expected
        try:
            status, content_type, body = send()
        except (requests.exceptions.InvalidHeader, requests.exceptions.InvalidURL, UnicodeError) as error:
            # what the HTTP client itself refuses to send never reaches the API
            self.unsendable[f"{operation}: {type(error).__name__}"] += 1
            return
        except (httpx.HTTPError, requests.RequestException) as error:
            self.problem(f"no answer from {operation}", f"{request[:1500]}\n    {type(error).__name__}: {error}")
            status, content_type, body = -1, "", ""
        where = self.judge(operation, request, status, content_type, body) if status >= 0 else request
        self.last_request = f"{operation} {request[:400]} -> {status}"
        if method != "POST":
            return
        if 200 <= status < 300:
            self.expected = self.settle()
            return
        after = self.mark()
        if after != before:
            self.problem(
                f"write from a rejected {operation} ({status})",
                where + "\n    appended: " + "; ".join(line for line, _ in self.events_after(before.last_id)),
            )
        self.expected = after

    def send_probe(self, operation: str, probe: Probe) -> None:
        url = probe.url
        if self.clamp_positions:
            found = re.search(r"([?&]min_position=)(\d+)", url)
            if found and int(found.group(2)) > self.mark().last_id:
                url = url.replace(found.group(0), f"{found.group(1)}{self.mark().last_id}")
                self.clamped += 1
        headers: dict[str, str | bytes] = {k: v.encode("latin-1") for k, v in probe.headers.items()}
        content = probe.content()
        if content is not None:
            headers["Content-Type"] = "application/json"

        def send() -> tuple[int, str, str]:
            sent: Any = content
            if probe.chunked and content is not None:
                sent = (content[i : i + 65536] for i in range(0, len(content), 65536))
            answer = self.http.request(probe.method, url, headers=headers, content=sent)
            return answer.status_code, answer.headers.get("content-type", ""), answer.text

        shown = (content or b"")[:1200]
        self.exchange(
            operation,
            probe.method,
            f"[{probe.label}] {probe.method} {url} {shown!r}"
            + ("..." if content and len(content) > len(shown) else ""),
            send,
        )

    def send_case(self, operation: str, case: schemathesis.Case, headers: dict[str, str]) -> None:
        self.generated[operation] += 1
        self.clamp(case.query)

        def send() -> tuple[int, str, str]:
            answer = case.call(session=self.session, headers=headers, timeout=60)
            return answer.status_code, (answer.headers.get("content-type") or [""])[0], answer.text

        self.exchange(operation, case.method.upper(), describe(case), send)

    # Setting up ---------------------------------------------------------------------------------

    def auth(self, role: str) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.keys[role]}"}

    def story(self) -> tuple[str, str]:
        """Case A, a referral just received; case B, the worked example as far as STORY_END."""
        examples = command_examples()
        answer = self.http.post("/cases", json=examples["ReceiveReferral"], headers=self.auth("social_worker"))
        assert answer.status_code == 201, answer.text
        case_a = answer.json()["case_id"]
        case_b = None
        outcomes = {}
        for name, body in examples.items():
            if name in STORY_SKIPS:
                continue
            roles = sorted(r.value for r in COMMAND_ROLES[name])
            role = "team_manager" if "team_manager" in roles else roles[0]
            path = "/cases" if COMMANDS[name].creates_case else f"/cases/{case_b}/{path_for(name)}"
            if name == "MakeDirectPaymentAgreement":
                # The example's fixed start date drifts out of the council's window; a month ago
                # still gives arrears (two four-weekly slots) for the catch-up payment.
                body = {**body, "start_date": (date.today() - timedelta(days=29)).isoformat()}
            answer = self.http.post(path, json=body, headers=self.auth(role))
            if name == STORY_END and answer.status_code == 409 and answer.json()["code"] == "arrears_amount_mismatch":
                body = {**body, "amount_pence": answer.json()["details"]["arrears_pence"]}
                answer = self.http.post(path, json=body, headers=self.auth(role))
            assert answer.status_code < 500, (name, answer.text)
            outcomes[name] = answer.status_code
            if case_b is None:
                case_b = answer.json()["case_id"]
            self.settle()
            if name == STORY_END:
                break
        assert outcomes["MakeDirectPaymentAgreement"] == 200 and outcomes[STORY_END] == 200, answer.text
        assert case_b is not None
        self.expected = self.settle()
        return case_a, case_b

    def position_check(self) -> None:
        """A min_position no command can have returned (past the log's end) should be refused at
        once, not waited on and then answered 503. Checked once, with a short client timeout."""
        beyond = self.mark().last_id + 1_000_000
        started = time.monotonic()
        try:
            answer = self.http.get(
                "/cases", params={"min_position": beyond}, headers=self.auth("social_worker"), timeout=3
            )
        except httpx.TimeoutException:
            self.clamp_positions = True
            self.problem(
                "5xx (or no answer) for a min_position past the log's end",
                f"GET /cases?min_position={beyond}: no answer in {time.monotonic() - started:.1f}s "
                "(the API waits position_patience_seconds, then answers 503 views_behind)",
            )
            return
        self.judge(
            "GET /cases",
            f"GET /cases?min_position={beyond}",
            answer.status_code,
            answer.headers.get("content-type", ""),
            answer.text,
        )
        if answer.status_code >= 500:
            self.clamp_positions = True


def describe(case: schemathesis.Case) -> str:
    """What was sent, enough to send it again (the key is the only header left out)."""
    body = "" if case.body is NOT_SET else json.dumps(case.body, default=repr)[:1200]
    return (
        f"{case.method.upper()} {case.formatted_path} query={case.query!r} headers={case.headers!r} "
        f"media_type={case.media_type} body={body}"
    )


def fuzz_operation(fuzz: Fuzz, operation: Any, headers: dict[str, str], case_ids: list[str]) -> None:
    label = f"{operation.method.upper()} {operation.path}"
    path_names = {p.name for p in operation.path_parameters}
    has_case = "case_id" in path_names
    has_more = bool(operation.body) or len(list(operation.iter_parameters())) > (1 if has_case else 0)
    for mode, examples in ((GenerationMode.POSITIVE, POSITIVE_EXAMPLES), (GenerationMode.NEGATIVE, NEGATIVE_EXAMPLES)):
        strategies = [operation.as_strategy(generation_mode=mode)]
        if has_case and (mode is GenerationMode.POSITIVE or has_more):
            strategies += [
                operation.as_strategy(generation_mode=mode, path_parameters={"case_id": case_id})
                for case_id in case_ids
            ]

        @given(case=st.one_of(strategies))
        @settings(
            max_examples=examples,
            deadline=None,
            database=None,
            derandomize=True,
            phases=[Phase.generate],
            suppress_health_check=list(HealthCheck),
        )
        def call(case: schemathesis.Case) -> None:
            fuzz.send_case(label, case, headers)

        call()


@pytest.mark.filterwarnings("ignore")
def test_no_server_error_and_no_write_from_a_rejected_request(product: Product):
    started = time.monotonic()
    schema = schemathesis.openapi.from_url(f"{product.base_url}/openapi.json")
    document = schema.raw_schema
    operations = [result.ok() for result in schema.get_all_operations()]
    assert len(operations) >= 60

    with httpx.Client(base_url=product.base_url, timeout=60) as http:
        fuzz = Fuzz(product, product.keys(), http)
        case_a, case_b = fuzz.story()
        fuzz.position_check()
        print(f"\nreal cases: A {case_a} (referral), B {case_b} (story to {STORY_END})")

        for operation in operations:
            method, path = operation.method.upper(), operation.path
            roles = ROLES.get((method, path))
            headers = fuzz.auth(roles[0]) if roles else {}
            label = f"{method} {path}"
            # Each probe at one of the real cases, in turn: what passes the schema meets a case early
            # in its story or one with an agreement and payments.
            for i, (probe_a, probe_b) in enumerate(
                zip(
                    probes(document, method, path, {"case_id": case_a}, headers),
                    probes(document, method, path, {"case_id": case_b}, headers),
                    strict=True,
                )
            ):
                fuzz.send_probe(label, (probe_a, probe_b)[i % 2])
            for probe in oversized(document, method, path, {"case_id": case_b}, MAX_BODY_BYTES, headers):
                fuzz.send_probe(label, probe)
            fuzz_operation(fuzz, operation, headers, [case_a, case_b])
        fuzz.settle()
        fuzz.between()  # a late write from the last requests

    elapsed = time.monotonic() - started
    print(
        f"requests: {sum(fuzz.seen.values())} over {len(operations)} operations in {elapsed:.0f}s "
        f"(fewest for one operation: {min(fuzz.per_operation.values())}, of them generated by schemathesis: "
        f"{min(fuzz.generated.values())}); "
        f"status codes seen: {dict(sorted(fuzz.seen.items()))}"
        + (f"; min_position clamped into the log {fuzz.clamped} times" if fuzz.clamped else "")
        + (f"; not sendable by the client: {dict(fuzz.unsendable)}" if fuzz.unsendable else "")
    )
    for status in sorted(fuzz.by_status):
        if status not in (200, 201, 404, 409, 422):
            print(
                f"  {status} from: {dict(fuzz.by_status[status].most_common(6))}; first: {fuzz.first_of_status[status]}"
            )
    assert not fuzz.problems, "\n\n".join(
        f"{kind}: {fuzz.problem_counts[kind]} time(s)\n  " + "\n  ".join(texts) for kind, texts in fuzz.problems.items()
    )
    short = {op: n for op, n in fuzz.generated.items() if n < MIN_GENERATED_PER_OPERATION}
    assert len(fuzz.generated) == len(operations) and not short, short
    # The run reached the case record's own refusals and successes, not only the schema's 422s.
    assert (
        fuzz.seen.get(422) and fuzz.seen.get(404) and fuzz.seen.get(409) and fuzz.seen.get(200) and fuzz.seen.get(201)
    ), fuzz.seen
