"""Tracing: with an in-memory span exporter (OpenTelemetry's own, the spans a real exporter would
send), one command over HTTP makes one trace holding the HTTP request's span, the workflow update's,
the activity's and the store write's; the log lines written inside it carry its trace id; and with
tracing off nothing is traced at all."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Iterator

import httpx
import pytest
import pytest_asyncio
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from opentelemetry.trace import format_trace_id
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from api.backend import Backend
from config.logging import log_command
from config.tracing import configure_tracing, instrument_app, stop_tracing, temporal_interceptors, tracing_on
from domain.application import CaseRecord
from domain.commands import CouncilSettings
from policy.catalogue import RuleSetCatalogue
from tests.api.test_lifecycle_over_http import FrontEnd
from tests.api.test_logs import json_log, lines_of  # noqa: F401 - the product's log into a buffer, a fixture
from tests.builders import Scenario

PERSONAL = ("Margaret", "Oduya", "1941-03-02", "discharge after a fall at home")


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    exporter = InMemorySpanExporter()
    assert configure_tracing("carecase-test", exporter=exporter)
    try:
        yield exporter
    finally:
        stop_tracing()


@pytest.fixture
def case_record(
    sqlite_env: dict[str, str], catalogue: RuleSetCatalogue, council: CouncilSettings
) -> Iterator[CaseRecord]:
    """The test's record, logging each command as the product's processes do."""
    record = CaseRecord(sqlite_env, rule_sets=catalogue, council=council, observers=[log_command])
    try:
        yield record
    finally:
        record.close()


@pytest.fixture
def client(temporal_env: WorkflowEnvironment, spans: InMemorySpanExporter) -> Client:
    """The environment's client with the tracing interceptor too (the worker made from it traces)."""
    config = temporal_env.client.config()
    config["interceptors"] = [*config["interceptors"], *temporal_interceptors()]
    return Client(**config)


@pytest_asyncio.fixture(loop_scope="session")
async def http(backend: Backend, spans: InMemorySpanExporter) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(backend)
    instrument_app(app)
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://carecase.test", timeout=60) as client:
        yield client


async def test_one_command_is_one_trace_from_the_request_to_the_store_write(
    http: httpx.AsyncClient,
    tokens: tuple[object, dict[str, str]],
    spans: InMemorySpanExporter,
    json_log: io.StringIO,  # noqa: F811 - the fixture imported above
) -> None:
    front = FrontEnd(http, tokens[1])
    s = Scenario()
    await front.do(s.referral(), "social_worker")
    spans.clear()
    json_log.truncate(0)
    json_log.seek(0)

    await front.do(s.screen(), "social_worker")

    finished = spans.get_finished_spans()
    request = [
        span for span in finished if span.kind.name == "SERVER" and span.name.startswith("POST /cases/{case_id}")
    ]
    assert len(request) == 1, [span.name for span in finished]
    trace_id = request[0].context.trace_id
    in_trace = [span for span in finished if span.context.trace_id == trace_id]
    names = [span.name for span in in_trace]
    assert any(name.startswith("StartWorkflowUpdate:") for name in names), names
    assert any(name.startswith("HandleUpdate:") for name in names), names
    assert "RunActivity:record_command" in names, names
    store = [span for span in in_trace if span.name == "store write"]
    assert len(store) == 1, names
    assert store[0].attributes is not None
    assert store[0].attributes["carecase.command"] == "ScreenReferral"
    # The store write is under the activity, which is under the update, which is under the request.
    by_id = {span.context.span_id: span for span in in_trace}
    chain = []
    current = store[0]
    while current.parent is not None and current.parent.span_id in by_id:
        current = by_id[current.parent.span_id]
        chain.append(current.name)
    assert chain[0] == "RunActivity:record_command" and current is request[0], chain

    # Nothing personal in any span.
    for span in in_trace:
        text = f"{span.name} {dict(span.attributes or {})} {[dict(e.attributes or {}) for e in span.events]}"
        assert not any(p in text for p in PERSONAL), (span.name, text)

    # The log lines written inside the trace carry its id.
    lines = lines_of(json_log)
    recorded = [line for line in lines if line.get("event") == "command_recorded"]
    assert [line.get("trace_id") for line in recorded] == [format_trace_id(trace_id)], recorded
    served = [line for line in lines if line.get("event") == "http_request" and line.get("method") == "POST"]
    assert served and {line.get("trace_id") for line in served} == {format_trace_id(trace_id)}, served


def test_tracing_is_off_without_an_endpoint_and_on_with_one() -> None:
    assert not tracing_on()
    assert configure_tracing("carecase-test", {}) is False and not tracing_on()
    assert temporal_interceptors() == []
    try:
        # An endpoint turns it on (the exporter sends nothing until a span ends; none does here).
        assert configure_tracing("carecase-test", {"OTEL_EXPORTER_OTLP_ENDPOINT": "http://127.0.0.1:9"})
        assert tracing_on() and len(temporal_interceptors()) == 1
    finally:
        stop_tracing()
    assert not tracing_on()
