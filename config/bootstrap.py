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

from config.logging import configure_logging, log_command
from config.settings import Settings
from config.temporal_settings import TemporalSettings
from domain.application import CaseRecord
from eventstore.private_files import open_private_text
from policy.catalogue import RuleSetCatalogue
from policy.publishing import publish_shipped_rule_sets

if TYPE_CHECKING:
    from temporalio.client import Client
    from temporalio.converter import DataConverter

    from api.backend import Backend
    from config.payload_keys import PayloadKeySettings
    from projections.runner import ProjectionRunner
    from projections.store import ViewStore


def configure_process_logging(settings: Settings) -> None:
    """JSON logs to ``settings.log_file`` (appended to, private, its folder made) or to stderr; once per process."""
    if settings.log_file is not None:
        configure_logging(settings.log_level, stream=open_private_text(settings.log_file, "a", buffering=1))
    else:
        configure_logging(settings.log_level)


def build_case_record(settings: Settings | None = None, *, publish_shipped: bool = False) -> CaseRecord:
    """The case record on the configured store, under the configured rule sets and council, logging
    every command. Its catalogue reads what the council has published (decision 0034); a process
    that serves the council (the worker, the API, ``carecase run``) passes ``publish_shipped`` to
    record the rule sets this release ships as the bootstrap publication of any council that has
    published none. A command that only reads (an audit) leaves the store as it found it."""
    settings = settings or Settings.from_environment()
    configure_process_logging(settings)
    catalogue = RuleSetCatalogue(settings.policy_folder) if settings.policy_folder else RuleSetCatalogue()
    record = CaseRecord(settings.store_env(), rule_sets=catalogue, council=settings.council, observers=[log_command])
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
        all_views(council=settings.council),
    )


def build_data_converter(keys: PayloadKeySettings | None = None) -> DataConverter:
    """The one data converter of every client and worker: pydantic payloads, encrypted with the
    configured payload keys (decision 0023); a clear error naming the setting if they are wrong."""
    from config.payload_keys import PayloadKeySettings
    from workflows.encryption import data_converter

    keys = keys or PayloadKeySettings.from_environment()
    return data_converter(keys.codec())


async def connect_temporal(settings: TemporalSettings | None = None, keys: PayloadKeySettings | None = None) -> Client:
    """A Temporal client for the configured service and namespace, encrypting every payload."""
    from temporalio.client import Client

    settings = settings or TemporalSettings.from_environment()
    converter = build_data_converter(keys)
    return await Client.connect(settings.address, namespace=settings.namespace, data_converter=converter)


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

    views = build_view_store(settings)
    return Backend(
        record=record,
        views=views,
        view_names=[v.name for v in all_views()],
        log=AccessLog(views),
        keys=KeyRing.load(keys_path),
        temporal=temporal,
        task_queue=task_queue,
        council=settings.council,
        # The client's own codec: the Web UI decodes with the keys the workers encrypt with.
        payload_codec=temporal.data_converter.payload_codec,
        web_ui_origin=web_ui_origin,
    )


async def backend_from_environment(keys_path: Path) -> Backend:
    """The API process's backend, wired from the environment (the same settings the worker reads),
    on the server's event loop."""
    settings = Settings.from_environment()
    temporal = TemporalSettings.from_environment()
    return build_backend(
        build_case_record(settings, publish_shipped=True),
        await connect_temporal(temporal),
        settings,
        temporal.task_queue,
        keys_path,
        temporal.web_ui_origin,
    )
