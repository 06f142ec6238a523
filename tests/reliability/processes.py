"""The product's processes as separate OS processes on loopback, each one killable without warning.

A ``Service`` is one `carecase …` entry point started in a session (process group) of its own,
its output appended to one log file across restarts. ``crash`` SIGKILLs it; ``start`` starts it
again and waits until it is ready again, by what it says in its log (or, for the API, by
``/health``). ``Stack.close`` ends every process a test started, whatever happened, by process
group and, for the Temporal server (which `carecase dev-server` starts in a session of its own),
by pid.

Linux only: processes are found through ``/proc``.
"""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from pathlib import Path

import httpx

from config.payload_keys import PayloadKeySettings
from config.settings import Settings
from tests.postgres_cluster import free_port

CARECASE = str(Path(sys.executable).parent / "carecase")
READY_TIMEOUT_SECONDS = 60.0
CASEWORK_ROLES = ("social_worker", "team_manager")


def children_of(pid: int) -> list[int]:
    """The pids whose parent is ``pid`` (from /proc), zombies included."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            text = (entry / "stat").read_text()
        except OSError:
            continue
        if int(text[text.rindex(")") + 2 :].split()[1]) == pid:
            found.append(int(entry.name))
    return found


def alive(pid: int) -> bool:
    """Running (a zombie counts as gone)."""
    try:
        text = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return text[text.rindex(")") + 2 :].split()[0] != "Z"


def kill_group(pid: int) -> None:
    try:
        os.killpg(pid, signal.SIGKILL)
    except (ProcessLookupError, PermissionError):
        pass


@dataclass
class Outage:
    """One SIGKILL and the restart after it, in seconds since the load began."""

    name: str
    killed_at: float
    restarted_at: float | None = None  # when it was started again
    back_at: float | None = None  # when it was ready again
    acknowledged_before: int = 0  # commands acknowledged when the kill came

    @property
    def down_seconds(self) -> float | None:
        return None if self.back_at is None else self.back_at - self.killed_at

    @property
    def start_seconds(self) -> float | None:
        return None if self.back_at is None or self.restarted_at is None else self.back_at - self.restarted_at


@dataclass
class Service:
    name: str
    args: list[str]
    env: dict[str, str]
    cwd: Path
    ready_text: str | None = None  # printed (in its log) once it is ready; None: ask `ready`
    ready: Callable[[], bool] | None = None
    process: subprocess.Popen[bytes] | None = None
    # Processes it started that left its process group (the Temporal server): killed by pid.
    strays: list[int] = field(default_factory=list)
    starts: int = 0

    @property
    def log(self) -> Path:
        return self.cwd / f"{self.name}.log"

    def start(self) -> None:
        """Start it and wait until it is ready; fail (with its log's tail) if it exits first or is slow."""
        offset = self.log.stat().st_size if self.log.exists() else 0
        with self.log.open("ab") as out:
            out.write(f"\n===== start {self.starts + 1} of {self.name} at {time.time():.3f}\n".encode())
            out.flush()
            self.process = subprocess.Popen(
                [CARECASE, *self.args],
                cwd=self.cwd,
                env=self.env,
                stdout=out,
                stderr=subprocess.STDOUT,
                start_new_session=True,
            )
        self.starts += 1
        deadline = time.monotonic() + READY_TIMEOUT_SECONDS
        while not self._is_ready(offset):
            if self.process.poll() is not None:
                raise RuntimeError(
                    f"{self.name} exited with {self.process.returncode} while starting:\n{self.tail(offset=offset)}"
                )
            if time.monotonic() > deadline:
                raise RuntimeError(
                    f"{self.name} was not ready within {READY_TIMEOUT_SECONDS:.0f} s:\n{self.tail(offset=offset)}"
                )
            time.sleep(0.05)
        self.strays = [pid for pid in children_of(self.process.pid) if alive(pid)]

    def _is_ready(self, offset: int) -> bool:
        if self.ready_text is not None:
            return self.ready_text in self.text(offset)
        assert self.ready is not None
        return self.ready()

    def crash(self) -> None:
        """SIGKILL: the process itself and, first, any server it started (so that one dies without
        warning too, rather than by the SIGTERM it would get when its parent dies)."""
        assert self.process is not None
        for pid in self.strays:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        kill_group(self.process.pid)
        self.process.wait(timeout=30)
        deadline = time.monotonic() + 10
        while any(alive(pid) for pid in self.strays) and time.monotonic() < deadline:
            time.sleep(0.02)

    def running(self) -> bool:
        return self.process is not None and self.process.poll() is None

    def close(self) -> None:
        if self.process is None:
            return
        # A server started but not yet ready has not been noted as a stray: look again.
        for pid in {*self.strays, *children_of(self.process.pid)}:
            try:
                os.kill(pid, signal.SIGKILL)
            except ProcessLookupError:
                pass
        kill_group(self.process.pid)
        try:
            self.process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            pass

    def text(self, offset: int = 0) -> str:
        try:
            with self.log.open("rb") as file:
                file.seek(offset)
                return file.read().decode(errors="replace")
        except OSError:
            return ""

    def tail(self, lines: int = 40, offset: int = 0) -> str:
        return "\n".join(self.text(offset).splitlines()[-lines:])


def numbered(name: str, count: int) -> list[str]:
    """``name`` alone for one process; ``name-1``, ``name-2``… for several."""
    return [name] if count == 1 else [f"{name}-{n}" for n in range(1, count + 1)]


@dataclass
class Stack:
    """A Temporal dev server (state in a file), the workers, one projection runner and the API
    servers: over one SQLite case record in ``folder``, or over a PostgreSQL schema (events and views)
    when given its settings; every port a free loopback one."""

    folder: Path
    env: dict[str, str]
    api_urls: list[str]
    services: dict[str, Service]
    tokens: dict[str, str] = field(default_factory=dict)

    @property
    def api_url(self) -> str:
        return self.api_urls[0]

    @classmethod
    def in_folder(
        cls,
        folder: Path,
        roles: tuple[str, ...],
        *,
        postgres: Mapping[str, str] | None = None,
        workers: int = 1,
        apis: int = 1,
        poll_interval: float = 0.1,
    ) -> Stack:
        """``postgres``: the ``POSTGRES_*`` settings of the schema to run on (SQLite if None)."""
        grpc, ui = free_port(), free_port()
        ports = [free_port() for _ in range(apis)]
        if postgres is None:
            store = {"CARECASE_STORE": "sqlite", "CARECASE_SQLITE_PATH": str(folder / "carecase.sqlite")}
        else:
            store = {"CARECASE_STORE": "postgres", **{k: v for k, v in postgres.items() if k.startswith("POSTGRES_")}}
        env = {
            **{k: v for k, v in os.environ.items() if not k.startswith("POSTGRES_")},
            **store,
            "CARECASE_TEMPORAL_ADDRESS": f"127.0.0.1:{grpc}",
            "CARECASE_TEMPORAL_UI_PORT": str(ui),
            "CARECASE_TEMPORAL_DB": str(folder / "temporal.db"),
            "CARECASE_TASK_QUEUE": "crash-under-load",
            "CARECASE_API_KEYS": str(folder / "api-keys.toml"),
            "CARECASE_LOG_LEVEL": "info",
            # As a deployment has them: the same payload keys for every process, from the environment.
            **PayloadKeySettings.generate().environment(),
        }
        for name in ("CARECASE_LOG_FILE", "CARECASE_POLICY_FOLDER", "CARECASE_TEMPORAL_NAMESPACE"):
            env.pop(name, None)
        api_urls = [f"http://127.0.0.1:{port}" for port in ports]

        def api_ready(api_url: str) -> Callable[[], bool]:
            def ready() -> bool:
                try:
                    return httpx.get(f"{api_url}/health", timeout=2).status_code == 200
                except httpx.HTTPError:
                    return False

            return ready

        services = {
            "temporal": Service("temporal", ["dev-server"], env, folder, ready_text="Temporal dev server ready"),
            **{
                name: Service(name, ["worker"], env, folder, ready_text='"event": "worker_started"')
                for name in numbered("worker", workers)
            },
            "projections": Service(
                "projections",
                ["projections", "run", "--poll-interval", str(poll_interval)],
                env,
                folder,
                ready_text="Projection runner started",
            ),
            **{
                name: Service(
                    name, ["api", "--host", "127.0.0.1", "--port", str(port)], env, folder, ready=api_ready(url)
                )
                for name, port, url in zip(numbered("api", apis), ports, api_urls, strict=True)
            },
        }
        stack = cls(folder, env, api_urls, services)
        for role in roles:  # one key per role, made as an administrator would
            # Casework keys work on the teams the tests refer cases to (need to know).
            teams = ["--team", "east-locality", "--team", "west-locality"] if role in CASEWORK_ROLES else []
            made = subprocess.run(
                [CARECASE, "keys", "add", f"crash-{role.replace('_', '-')}", role, *teams],
                cwd=folder,
                env=env,
                capture_output=True,
                text=True,
                timeout=60,
            )
            if made.returncode != 0:
                raise RuntimeError(f"carecase keys add failed: {made.stderr}")
            stack.tokens[role] = made.stdout.strip().splitlines()[-1]
        return stack

    def store_env(self) -> dict[str, str]:
        """The eventsourcing settings of the stack's case record, for a test's own reads of it."""
        return Settings.from_environment(self.env).store_env()

    def of_kind(self, kind: str) -> list[Service]:
        return [s for name, s in self.services.items() if name == kind or name.startswith(f"{kind}-")]

    def start(self) -> None:
        for kind in ("temporal", "worker", "projections", "api"):
            for service in self.of_kind(kind):
                service.start()

    def close(self) -> None:
        # The APIs and the workers first, so nothing is left talking to a server about to go.
        for kind in ("api", "worker", "projections", "temporal"):
            for service in self.of_kind(kind):
                service.close()

    def tails(self, lines: int = 30) -> str:
        return "\n".join(f"----- {s.name} ({s.log}):\n{s.tail(lines)}" for s in self.services.values())
