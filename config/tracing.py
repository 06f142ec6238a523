"""Tracing: OpenTelemetry spans from the HTTP request through the workflow update and the activity
to the store write, exported over OTLP when an endpoint is configured, and off otherwise.

On when ``OTEL_EXPORTER_OTLP_ENDPOINT`` or ``OTEL_EXPORTER_OTLP_TRACES_ENDPOINT`` is set (the
exporter reads the rest of OpenTelemetry's own ``OTEL_*`` settings: headers, timeout,
certificate). Each process names itself as the service (``carecase-api``, ``carecase-worker``…).
Off, nothing is instrumented and no span is made: the one cost left is the check.

The tracer provider is held here, not set as OpenTelemetry's global, so a process (or a test) can
turn tracing on and off again. The pieces that use it:

- ``temporal_interceptors()``: Temporal's ``TracingInterceptor`` for the client, which a worker
  made from that client uses too, so the trace context travels in the update's and the activity's
  headers (never in their payloads, which stay encrypted);
- ``instrument_app(app)``: FastAPI's instrumentation, one span per request (``/health`` and
  ``/metrics`` left out);
- ``span(name, **attributes)``: a span of the product's own (the store write), ids only;
- ``add_trace_id``: the structlog processor that puts the current trace id on every log line.
"""

from __future__ import annotations

import os
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from typing import TYPE_CHECKING, Any

import structlog
from opentelemetry import context as otel_context
from opentelemetry import trace
from temporalio.contrib.opentelemetry import TracingInterceptor, TracingWorkflowInboundInterceptor
from temporalio.worker import HandleUpdateInput, WorkflowInboundInterceptor, WorkflowInterceptorClassInput

if TYPE_CHECKING:
    from fastapi import FastAPI
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import SpanExporter
    from temporalio.client import Interceptor

ENDPOINT_SETTINGS = ("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "OTEL_EXPORTER_OTLP_ENDPOINT")
UNTRACED_ROUTES = "health,metrics"
TRACER_NAME = "carecase"

_provider: TracerProvider | None = None


def tracing_endpoint(env: Mapping[str, str] | None = None) -> str | None:
    env = os.environ if env is None else env
    return next((env[name] for name in ENDPOINT_SETTINGS if env.get(name)), None)


def configure_tracing(
    service: str, env: Mapping[str, str] | None = None, *, exporter: SpanExporter | None = None
) -> bool:
    """Turn tracing on for this process when an OTLP endpoint is configured (or ``exporter`` is
    given: spans go there as each ends, as a test wants them); True if it is on."""
    global _provider
    from opentelemetry.sdk.resources import Resource
    from opentelemetry.sdk.trace import TracerProvider
    from opentelemetry.sdk.trace.export import BatchSpanProcessor, SimpleSpanProcessor

    if exporter is None:
        if tracing_endpoint(env) is None:
            return _provider is not None
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter

        processor: Any = BatchSpanProcessor(OTLPSpanExporter())
    else:
        processor = SimpleSpanProcessor(exporter)
    if _provider is not None:
        _provider.shutdown()
    _provider = TracerProvider(resource=Resource.create({"service.name": service}))
    _provider.add_span_processor(processor)
    structlog.get_logger("carecase.tracing").info("tracing_on", service=service, exporter=type(processor).__name__)
    return True


def stop_tracing() -> None:
    """Flush and turn tracing off (at exit, or at the end of a test)."""
    global _provider
    if _provider is not None:
        _provider.shutdown()
    _provider = None


def tracing_on() -> bool:
    return _provider is not None


def temporal_interceptors() -> list[Interceptor]:
    if _provider is None:
        return []
    return [CommandTracing(_provider.get_tracer(TRACER_NAME))]


class UpdateInTheCallersTrace(TracingWorkflowInboundInterceptor):
    """An update's handler, and the activity it runs, in the trace of the request that sent it.

    Temporal's interceptor puts every span of a workflow in the trace of the call that started it
    (the referral's, for a case that lives for years) and only links an update to its caller. A
    command is one update, so here its handler's span is a child of the caller's update span, and
    so is the activity that records it: one request, one trace, down to the store write."""

    async def handle_update_handler(self, input: HandleUpdateInput) -> Any:
        header = input.headers.get(self.header_key)
        if not header:
            return await super().handle_update_handler(input)
        carrier = self.payload_converter.from_payloads([header])[0]
        token = otel_context.attach(self._set_on_context(self.text_map_propagator.extract(carrier)))
        try:
            self._completed_span(f"HandleUpdate:{input.update}", kind=trace.SpanKind.SERVER)
            return await WorkflowInboundInterceptor.handle_update_handler(self, input)
        finally:
            otel_context.detach(token)


class CommandTracing(TracingInterceptor):
    """Temporal's tracing interceptor, with each update traced in its caller's trace."""

    def workflow_interceptor_class(
        self, input: WorkflowInterceptorClassInput
    ) -> type[TracingWorkflowInboundInterceptor]:
        super().workflow_interceptor_class(input)  # registers the extern functions its spans need
        return UpdateInTheCallersTrace


def instrument_app(app: FastAPI) -> None:
    if _provider is None:
        return
    from opentelemetry.instrumentation.fastapi import FastAPIInstrumentor

    FastAPIInstrumentor.instrument_app(app, tracer_provider=_provider, excluded_urls=UNTRACED_ROUTES)


@contextmanager
def span(name: str, **attributes: str | int) -> Iterator[None]:
    """A span of the product's own under the current one; nothing at all when tracing is off."""
    if _provider is None:
        yield
        return
    with _provider.get_tracer(TRACER_NAME).start_as_current_span(name, attributes=attributes):
        yield


def add_trace_id(logger: Any, method_name: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """The ``trace_id`` field: the current span's trace, as OpenTelemetry writes it (32 hex digits)."""
    context = trace.get_current_span().get_span_context()
    if context.is_valid and "trace_id" not in event_dict:
        event_dict["trace_id"] = trace.format_trace_id(context.trace_id)
    return event_dict
