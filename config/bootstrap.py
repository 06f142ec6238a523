"""The one bootstrap: settings in, the wired parts of a process out.

Every process builds what it needs here and nowhere else: the worker (a case record and a Temporal
client), the projection runner (a case record and the view store), the API (its backend over a
case record, the views and a Temporal client), ``carecase run`` (all of them, sharing one case
record and one client) and the command line. Each function takes the settings it needs, read from
the environment when none are given.

The projections, the API and the Temporal SDK are imported by the functions that need them, so a
command that needs only the case record does not load them.
"""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import structlog

from config.councils import RegisteredCouncil, council_settings, prepare_partition, registered, task_queue_of
from config.logging import configure_logging, log_command
from config.schema import OUTBOX_KINDS, applied_at, record_new_store, require_runnable, schema_status
from config.settings import METRICS_TOKEN_FILE, Settings
from config.temporal_settings import TemporalSettings, TemporalTLS
from domain.application import CaseRecord
from eventstore.private_files import open_private_text
from policy.catalogue import RuleSetCatalogue
from policy.publishing import publish_shipped_rule_sets

if TYPE_CHECKING:
    from temporalio.client import Client
    from temporalio.converter import DataConverter
    from temporalio.runtime import Runtime
    from temporalio.service import TLSConfig

    from api.backend import Backend
    from config.payload_keys import PayloadKeySettings
    from projections.runner import ProjectionRunner
    from projections.store import ViewStore


def configure_process_logging(settings: Settings) -> None:
    """JSON logs to ``settings.log_file`` (appended to, private, its folder made) or to stderr; once per
    process. Then one line says which council configuration the process runs on and names every
    value that fell back to the domain brief's default (decision 0035)."""
    if settings.log_file is not None:
        configure_logging(settings.log_level, stream=open_private_text(settings.log_file, "a", buffering=1))
    else:
        configure_logging(settings.log_level)
    structlog.get_logger("carecase.council").info(
        "council_configuration",
        council=settings.council_folder,
        file=str(settings.council_file) if settings.council_file else None,
        fell_back=list(settings.fell_back),
    )


def build_case_record(settings: Settings | None = None, *, publish_shipped: bool = False) -> CaseRecord:
    """The case record on the configured store, under the configured rule sets and council, logging
    every command. Its catalogue reads what the council has published (decision 0034); a process
    that serves the council (the worker, the API, ``carecase run``) passes ``publish_shipped`` to
    record the rule sets this release ships as the bootstrap publication of any council that has
    published none. A command that only reads (an audit) leaves the store as it found it."""
    settings = settings or Settings.from_environment()
    configure_process_logging(settings)
    catalogue = RuleSetCatalogue(settings.policy_folder) if settings.policy_folder else RuleSetCatalogue()
    views = build_view_store(settings)
    try:
        status = schema_status(views)
        require_runnable(status)
        record = CaseRecord(
            settings.store_env(), rule_sets=catalogue, council=settings.council, observers=[log_command]
        )
        if status.version == 0:  # the record has just made every table at its newest shape
            record_new_store(views, by="system:first-start")
    finally:
        views.close()
    catalogue.attach(record)
    if publish_shipped:
        for outcome in publish_shipped_rule_sets(record, catalogue):
            published = outcome.publication
            structlog.get_logger("carecase.policy").info(
                "rule_set_bootstrap_published",
                rule_set_id=published.rule_set_id,
                version=published.version,
                effective_from=published.effective_from.isoformat(),
                content_hash=published.content_hash,
            )
    return record


def build_view_store(settings: Settings | None = None) -> ViewStore:
    """The views' store, on the same database as the events."""
    from projections.store import view_store_from_env

    settings = settings or Settings.from_environment()
    return view_store_from_env(settings.store_env())


def build_projection_runner(record: CaseRecord, settings: Settings | None = None) -> ProjectionRunner:
    """The read side beside the record: every view, on the same database as the events."""
    from projections.catalogue import all_views
    from projections.runner import ProjectionRunner

    settings = settings or Settings.from_environment()
    return ProjectionRunner(
        record,
        build_view_store(settings),
        all_views(settings.service_levels, settings.council),
    )


def build_data_converter(keys: PayloadKeySettings | None = None) -> DataConverter:
    """The one data converter of every client and worker: pydantic payloads, encrypted with the
    configured payload keys (decision 0023); a clear error naming the setting if they are wrong."""
    from config.payload_keys import PayloadKeySettings
    from workflows.encryption import data_converter

    keys = keys or PayloadKeySettings.from_environment()
    return data_converter(keys.codec())


async def connect_temporal(settings: TemporalSettings | None = None, keys: PayloadKeySettings | None = None) -> Client:
    """A Temporal client for the configured service and namespace, encrypting every payload (and
    tracing every call when tracing is on, config/tracing.py)."""
    from temporalio.client import Client

    from config.tracing import temporal_interceptors

    settings = settings or TemporalSettings.from_environment()
    converter = build_data_converter(keys)
    return await Client.connect(
        settings.address,
        namespace=settings.namespace,
        data_converter=converter,
        # With tracing on, the trace context travels in headers; a worker made from this client traces too.
        interceptors=temporal_interceptors(),
        tls=tls_config(settings.tls),
        api_key=settings.api_key(),
        runtime=_runtime(settings.metrics_address),
    )


def _runtime(metrics_address: str | None) -> Runtime | None:
    """The SDK's runtime with a Prometheus endpoint when one is asked for; else its default."""
    if metrics_address is None:
        return None
    from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

    return Runtime(telemetry=TelemetryConfig(metrics=PrometheusConfig(bind_address=metrics_address)))


def tls_config(tls: TemporalTLS | None) -> TLSConfig | bool:
    """The SDK's TLS settings from ours; False (plain TCP) when TLS is off."""
    from temporalio.service import TLSConfig

    if tls is None:
        return False
    return TLSConfig(
        server_root_ca_cert=_read(tls.ca_path, "CARECASE_TEMPORAL_TLS_CA"),
        client_cert=_read(tls.client_cert_path, "CARECASE_TEMPORAL_TLS_CERT"),
        client_private_key=_read(tls.client_key_path, "CARECASE_TEMPORAL_TLS_KEY"),
        domain=tls.server_name,
    )


def _read(path: Path | None, setting: str) -> bytes | None:
    """A TLS file's bytes; a file that cannot be read is named with its setting, never shown."""
    if path is None:
        return None
    try:
        return path.read_bytes()
    except OSError as error:
        raise RuntimeError(f"{setting}: cannot read {path} ({error.strerror})") from None


def build_backend(
    record: CaseRecord,
    temporal: Client,
    settings: Settings,
    task_queue: str,
    keys_path: Path,
    web_ui_origin: str = TemporalSettings().web_ui_origin,
) -> Backend:
    """The API's backend over a case record and a Temporal client the caller already has (the API's
    own process, or ``carecase run``, which shares them with its worker)."""
    from api.access_log import AccessLog
    from api.backend import Backend
    from api.keys import KeyRing
    from projections.catalogue import all_views
    from projections.runner import create_view_tables_if_missing

    views = build_view_store(settings)
    projections = all_views(settings.service_levels, settings.council)
    # An API started before any projection runner has run answers from empty views (position 0)
    # rather than failing on tables that are not there yet (500).
    create_view_tables_if_missing(views, projections)
    return Backend(
        record=record,
        views=views,
        view_names=[v.name for v in projections],
        log=AccessLog(views),
        keys=KeyRing.load(keys_path),
        temporal=temporal,
        task_queue=task_queue,
        council=settings.council,
        service_levels=settings.service_levels,
        # The client's own codec: the Web UI decodes with the keys the workers encrypt with.
        payload_codec=temporal.data_converter.payload_codec,
        web_ui_origin=web_ui_origin,
        metrics_token=metrics_token(settings.metrics_token_file),
        finance_messages_since=applied_at(views, OUTBOX_KINDS),
    )


# Long enough that it cannot be guessed: `openssl rand -hex 32` makes 64 characters.
SHORTEST_METRICS_TOKEN = 32


def metrics_token(path: Path | None) -> str | None:
    """The scrape token in the file ``CARECASE_METRICS_TOKEN_FILE`` names; a file that cannot be
    read, or holds too short a token, is named with its setting (never the token)."""
    raw = _read(path, METRICS_TOKEN_FILE)
    if raw is None:
        return None
    token = raw.decode("utf-8", errors="replace").strip()
    if len(token) < SHORTEST_METRICS_TOKEN or any(ch.isspace() for ch in token):
        raise RuntimeError(
            f"{METRICS_TOKEN_FILE}: {path} must hold one token of at least {SHORTEST_METRICS_TOKEN} characters"
        )
    return token


async def backend_from_environment(keys_path: Path) -> Backend:
    """The API process's backend, wired from the environment (the same settings the worker reads),
    on the server's event loop: the configured council's, with a backend for every other council
    the deployment serves (decision 0040)."""
    settings = Settings.from_environment()
    temporal = TemporalSettings.from_environment()
    client = await connect_temporal(temporal)
    configured = build_backend(
        build_case_record(settings, publish_shipped=True),
        client,
        settings,
        temporal.task_queue,
        keys_path,
        temporal.web_ui_origin,
    )
    for council, its_settings in registered_councils():
        served = build_backend(
            build_case_record(its_settings, publish_shipped=True),
            client,
            its_settings,
            task_queue_of(temporal.task_queue, council.code),
            keys_path,
            temporal.web_ui_origin,
        )
        served.keys = configured.keys  # one keys file: one ring, watched once
        configured.councils[council.code] = served
    return configured


def registered_councils() -> list[tuple[RegisteredCouncil, Settings]]:
    """Every council registered besides the configured one, with its settings, its partition ready."""
    found = []
    for council in registered():
        settings = council_settings(council)
        prepare_partition(settings)
        found.append((council, settings))
    return found
