"""Everything the product writes under var/ is private — files 0600 in folders 0700 — when it makes
them and when an older run left them looser, under a umask (022) that would leave them readable
by everyone. The real processes: `carecase run` (the dev server, the worker, the views, the API,
the keys and the log) and the command line over the case record."""

from __future__ import annotations

import os
import signal
import stat
import subprocess
import sys
import time
from pathlib import Path

import httpx
import pytest

from tests.postgres_cluster import free_port

ROOT = Path(__file__).parents[2]
CARECASE = str(Path(sys.executable).parent / "carecase")
LOOSE_UMASK = 0o022
pytestmark = [pytest.mark.cli, pytest.mark.sqlite]


def modes(folder: Path) -> dict[str, str]:
    """Every path under ``folder`` (itself included) and its permission bits, in octal."""
    found = {".": oct(stat.S_IMODE(folder.stat().st_mode))}
    for path in folder.rglob("*"):
        found[str(path.relative_to(folder))] = oct(stat.S_IMODE(path.lstat().st_mode))
    return found


def loose(folder: Path) -> dict[str, str]:
    """What under ``folder`` is not private: a folder other than 0700, a file other than 0600."""
    wrong = {}
    for name, mode in modes(folder).items():
        path = folder / name
        wanted = "0o700" if path.is_dir() else "0o600"
        if mode != wanted:
            wrong[name] = mode
    return wrong


def environment(folder: Path, **more: str) -> dict[str, str]:
    env = {**os.environ, "PYTHONPATH": str(ROOT), "CARECASE_LOG_LEVEL": "info", **more}
    for name in ("CARECASE_STORE", "CARECASE_SQLITE_PATH", "CARECASE_API_KEYS", "CARECASE_TEMPORAL_DB"):
        env.pop(name, None)
    return env


@pytest.mark.workflow_timeout(240)
def test_carecase_run_keeps_everything_under_var_private(tmp_path: Path) -> None:
    var = tmp_path / "var"
    # What an older version left: a folder anyone may list, a log and a file anyone may read.
    (var / "exports").mkdir(parents=True)
    for folder in (var, var / "exports"):
        folder.chmod(0o755)
    for name in ("carecase.log", "exports/old.json", "temporal.log"):
        (var / name).write_text("{}\n")
        (var / name).chmod(0o644)
    api_port = free_port()
    env = environment(
        tmp_path,
        CARECASE_TEMPORAL_ADDRESS=f"127.0.0.1:{free_port()}",
        CARECASE_TEMPORAL_UI_PORT=str(free_port()),
        CARECASE_LOG_FILE="var/carecase.log",
    )
    with (tmp_path / "run.out").open("w") as out:
        process = subprocess.Popen(
            [CARECASE, "run", "--port", str(api_port)],
            cwd=tmp_path,
            env=env,
            stdout=out,
            stderr=subprocess.STDOUT,
            start_new_session=True,
            umask=LOOSE_UMASK,
        )
        try:
            deadline = time.monotonic() + 180
            while True:
                try:
                    if httpx.get(f"http://127.0.0.1:{api_port}/health", timeout=2).status_code == 200:
                        break
                except httpx.HTTPError:
                    pass
                if process.poll() is not None or time.monotonic() > deadline:
                    pytest.fail(f"carecase run did not come up:\n{(tmp_path / 'run.out').read_text()}")
                time.sleep(0.2)
            made = set(modes(var))
            for name in (
                "carecase.sqlite",
                "carecase.sqlite-wal",
                "carecase.sqlite-shm",
                "temporal.db",
                "api-keys.toml",
                "dev-api-keys.env",
                "carecase.log",
                "temporal.log",
            ):
                assert name in made, f"{name} was not written (under var/: {sorted(made)})"
            assert loose(var) == {}, "not private while running"
        finally:
            process.send_signal(signal.SIGTERM)
            try:
                process.wait(timeout=60)
            except subprocess.TimeoutExpired:
                os.killpg(process.pid, signal.SIGKILL)
                process.wait()
    assert loose(var) == {}, "not private after it stopped"


def carecase(*args: str, cwd: Path, **env: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "workers.cli", *args],
        cwd=cwd,
        env=environment(cwd, **env),
        capture_output=True,
        text=True,
        timeout=180,
        umask=LOOSE_UMASK,
    )


def test_the_case_record_and_its_views_are_made_private_and_tightened_if_found_looser(tmp_path: Path) -> None:
    var = tmp_path / "var"
    store = {"CARECASE_SQLITE_PATH": str(var / "carecase.sqlite"), "CARECASE_LOG_FILE": str(var / "carecase.log")}
    made = carecase("story", cwd=tmp_path, **store)
    assert made.returncode == 0, made.stderr
    rebuilt = carecase("projections", "rebuild", cwd=tmp_path, **store)
    assert rebuilt.returncode == 0, rebuilt.stderr
    assert "carecase.sqlite" in modes(var) and "carecase.log" in modes(var)
    assert loose(var) == {}

    var.chmod(0o755)
    for path in var.iterdir():
        path.chmod(0o644)
    (var / "carecase.sqlite-wal").touch(mode=0o644)  # a companion an older run left readable
    (var / "carecase.sqlite-wal").chmod(0o644)
    verified = carecase("audit", "verify", cwd=tmp_path, **store)
    assert verified.returncode == 0, verified.stderr
    assert loose(var) == {}, "tightened when the record is next opened"
