"""A throwaway PostgreSQL 15 cluster on loopback, started by the tests themselves.

PostgreSQL refuses to run as root, so when the tests run as root (as CI does) the cluster is
created and started as the ``postgres`` user in a folder it owns.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import tempfile
import time
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import psycopg


def _find(tool: str) -> str:
    for folder in sorted(Path("/usr/lib/postgresql").glob("*/bin"), reverse=True):
        candidate = folder / tool
        if candidate.exists():
            return str(candidate)
    found = shutil.which(tool)
    if found is None:
        raise RuntimeError(f"{tool} not found: install Debian's postgresql package (.ci/run does)")
    return found


def connect(env: Mapping[str, str], *, autocommit: bool = False) -> psycopg.Connection[Any]:
    """A connection of the test's own to the database a store's ``POSTGRES_*`` settings name."""
    return psycopg.connect(
        host=env["POSTGRES_HOST"],
        port=int(env["POSTGRES_PORT"]),
        user=env["POSTGRES_USER"],
        dbname=env["POSTGRES_DBNAME"],
        autocommit=autocommit,
    )


def free_port() -> int:
    """A loopback port free at this moment (for the cluster, dev servers and `carecase run` in tests)."""
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@dataclass
class Cluster:
    folder: Path
    port: int
    as_postgres: bool

    @property
    def env(self) -> dict[str, str]:
        return {
            "POSTGRES_HOST": "127.0.0.1",
            "POSTGRES_PORT": str(self.port),
            "POSTGRES_USER": "postgres",
            "POSTGRES_PASSWORD": "trust",
            "POSTGRES_DBNAME": "postgres",
        }

    def _run(self, *args: str) -> None:
        command = list(args)
        if self.as_postgres:
            command = ["runuser", "-u", "postgres", "--", *command]
        subprocess.run(command, check=True, capture_output=True)

    def stop(self) -> None:
        try:
            self._run(_find("pg_ctl"), "-D", str(self.folder / "data"), "-m", "immediate", "stop")
        finally:
            shutil.rmtree(self.folder, ignore_errors=True)


def start_cluster() -> Cluster:
    folder = Path(tempfile.mkdtemp(prefix="carecase-pg-"))
    as_postgres = os.geteuid() == 0
    if as_postgres:
        shutil.chown(folder, "postgres", "postgres")
    cluster = Cluster(folder=folder, port=free_port(), as_postgres=as_postgres)
    data = folder / "data"
    cluster._run(_find("initdb"), "-D", str(data), "-U", "postgres", "--auth=trust", "-E", "UTF8", "--no-sync")
    options = f"-c listen_addresses=127.0.0.1 -p {cluster.port} -k {folder} -c fsync=off -c max_connections=200"
    cluster._run(_find("pg_ctl"), "-D", str(data), "-o", options, "-l", str(folder / "log"), "-w", "start")
    deadline = time.monotonic() + 20
    while time.monotonic() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", cluster.port)) == 0:
                return cluster
        time.sleep(0.05)
    raise RuntimeError("PostgreSQL did not start")
