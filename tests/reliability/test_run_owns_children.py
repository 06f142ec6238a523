"""`carecase run` owns the Temporal dev server it starts.

Seen: SIGKILLed, `carecase run` left its dev server running as an orphan; the next `carecase run`
could not bind the port, yet its health check passed against the orphan, so it went on with a
server it would never stop. Here: a killed run takes its server with it within seconds, and a run
that finds its gRPC port taken says so and stops, having started nothing.

Both tests find processes through ``/proc`` (Linux only), by the listening socket on a port.
"""

from __future__ import annotations

import os
import signal
import socket
import subprocess
import sys
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.postgres_cluster import free_port

pytestmark = [
    pytest.mark.cli,
    pytest.mark.sqlite,
    pytest.mark.skipif(not sys.platform.startswith("linux"), reason="finds processes through /proc"),
]

CARECASE = str(Path(sys.executable).parent / "carecase")
LISTEN = "0A"  # TCP_LISTEN in /proc/net/tcp's st column


@dataclass(frozen=True)
class Proc:
    """One process, told apart from a later one that reuses its pid by its start time."""

    pid: int
    started: str

    @classmethod
    def of(cls, pid: int) -> Proc | None:
        fields = _stat(pid)
        return None if fields is None else cls(pid, fields[19])

    @property
    def parent(self) -> int | None:
        fields = _stat(self.pid)
        return None if fields is None else int(fields[1])

    def alive(self) -> bool:
        """Running, and the same process: a zombie (exited, not yet reaped by init) counts as gone."""
        fields = _stat(self.pid)
        return fields is not None and fields[19] == self.started and fields[0] != "Z"

    def cmdline(self) -> list[str]:
        try:
            return Path(f"/proc/{self.pid}/cmdline").read_bytes().decode(errors="replace").split("\0")
        except OSError:
            return []


def _stat(pid: int) -> list[str] | None:
    """/proc/PID/stat from the state field on (state, ppid, …, starttime at index 19), or None if gone."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return None
    return text[text.rindex(")") + 2 :].split()


def listener(port: int) -> Proc | None:
    """The process with a socket listening on TCP ``port`` (any address), if any."""
    inodes: set[str] = set()
    for table in ("/proc/net/tcp", "/proc/net/tcp6"):
        try:
            rows = Path(table).read_text().splitlines()[1:]
        except OSError:
            continue
        for row in rows:
            fields = row.split()
            if fields[3] == LISTEN and int(fields[1].rpartition(":")[2], 16) == port:
                inodes.add(f"socket:[{fields[9]}]")
    if not inodes:
        return None
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            fds = list((entry / "fd").iterdir())
        except OSError:
            continue
        for fd in fds:
            try:
                if os.readlink(fd) in inodes:
                    return Proc.of(int(entry.name))
            except OSError:
                continue
    return None


def dev_servers_on(port: int) -> list[Proc]:
    """Every `temporal server start-dev` process given ``--port port``: ours, as the ports are fresh."""
    found = []
    for entry in Path("/proc").iterdir():
        if entry.name.isdigit() and (proc := Proc.of(int(entry.name))) is not None:
            args = proc.cmdline()
            if "start-dev" in args and any(args[i : i + 2] == ["--port", str(port)] for i in range(len(args))):
                found.append(proc)
    return found


@dataclass
class Run:
    """`carecase run` in a child process of its own session, in a fresh folder on fresh ports."""

    folder: Path
    grpc_port: int
    ui_port: int
    api_port: int
    process: subprocess.Popen[bytes]

    @property
    def output(self) -> str:
        return (self.folder / "run.out").read_text(errors="replace")

    def wait_serving(self, timeout: float = 90) -> None:
        deadline = time.monotonic() + timeout
        while time.monotonic() < deadline:
            try:
                if httpx.get(f"http://127.0.0.1:{self.api_port}/health", timeout=2).status_code == 200:
                    return
            except httpx.HTTPError:
                pass
            if self.process.poll() is not None:
                break
            time.sleep(0.2)
        pytest.fail(f"carecase run did not come up:\n{self.output}")


@contextmanager
def carecase_run(folder: Path, grpc_port: int | None = None) -> Iterator[Run]:
    """Start `carecase run`; on the way out, end it and any dev server on its ports, whatever happened."""
    run_ports = (grpc_port or free_port(), free_port(), free_port())
    grpc, ui, api = run_ports
    env = {
        **os.environ,
        "CARECASE_TEMPORAL_ADDRESS": f"127.0.0.1:{grpc}",
        "CARECASE_TEMPORAL_UI_PORT": str(ui),
        "CARECASE_TEMPORAL_DB": "var/temporal.db",
        "CARECASE_STORE": "sqlite",
        "CARECASE_SQLITE_PATH": "var/carecase.sqlite",
        "CARECASE_LOG_FILE": "var/carecase.log",
    }
    env.pop("CARECASE_API_KEYS", None)
    with (folder / "run.out").open("wb") as out:
        process = subprocess.Popen(
            [CARECASE, "run", "--port", str(api)],
            cwd=folder,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
        )
    try:
        yield Run(folder, grpc, ui, api, process)
    finally:
        if process.poll() is None:
            os.killpg(process.pid, signal.SIGKILL)
        process.wait(timeout=30)
        # A dev server that outlived its parent has left our process group and session: end it by pid.
        for server in dev_servers_on(grpc):
            os.kill(server.pid, signal.SIGKILL)


def wait_gone(proc: Proc, timeout: float) -> bool:
    deadline = time.monotonic() + timeout
    while proc.alive() and time.monotonic() < deadline:
        time.sleep(0.05)
    return not proc.alive()


def test_a_killed_carecase_run_takes_its_dev_server_with_it(tmp_path: Path) -> None:
    with carecase_run(tmp_path) as run:
        run.wait_serving()
        server = listener(run.grpc_port)
        assert server is not None, f"nothing listens on the gRPC port {run.grpc_port}:\n{run.output}"
        assert server.parent == run.process.pid, "the gRPC port is not served by carecase run's own child"

        run.process.send_signal(signal.SIGKILL)
        run.process.wait(timeout=10)

        assert wait_gone(server, timeout=5), f"the dev server (pid {server.pid}) outlived carecase run"
        assert listener(run.grpc_port) is None
        assert listener(run.ui_port) is None


def test_carecase_run_refuses_a_grpc_port_another_process_listens_on(tmp_path: Path) -> None:
    with socket.socket() as squatter:
        squatter.bind(("127.0.0.1", 0))
        squatter.listen()
        port = squatter.getsockname()[1]
        began = time.monotonic()
        with carecase_run(tmp_path, grpc_port=port) as run:
            try:
                status = run.process.wait(timeout=20)
            except subprocess.TimeoutExpired:
                pytest.fail(f"carecase run kept going beside another process on its gRPC port:\n{run.output}")
            took = time.monotonic() - began
            output = run.output

            assert status != 0, output
            assert f"port {port} " in output and "already in use" in output, output
            assert "CARECASE_TEMPORAL_ADDRESS" in output, output
            assert took < 10, f"took {took:.1f} s to refuse"
            # Started nothing: no API, no dev server, not even the server's log or database file.
            assert "carecase is running" not in output, output
            assert listener(run.api_port) is None and listener(run.ui_port) is None
            assert dev_servers_on(port) == []
            log = tmp_path / "var" / "temporal.log"
            assert not log.exists() or log.stat().st_size == 0, log.read_text(errors="replace")
            assert not (tmp_path / "var" / "temporal.db").exists()
