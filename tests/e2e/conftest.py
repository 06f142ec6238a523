"""The product as `make run` starts it: `carecase run` in a fresh folder, on free loopback ports."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import time
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest

from tests.postgres_cluster import free_port

HERE = Path(__file__).parent
CARECASE = str(Path(sys.executable).parent / "carecase")


def pytest_collection_modifyitems(items: list[pytest.Item]) -> None:
    for item in items:
        if item.path.is_relative_to(HERE):
            item.add_marker(pytest.mark.e2e)


@dataclass
class Product:
    folder: Path
    base_url: str
    process: subprocess.Popen[str]
    temporal_address: str = ""
    ui_port: int = 0

    def keys(self) -> dict[str, str]:
        from simulation.api_demo import read_keys

        return read_keys(self.folder / "var" / "dev-api-keys.env")


@pytest.fixture(scope="session")
def product(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Product]:
    folder = tmp_path_factory.mktemp("product")
    api_port = free_port()
    temporal_address, ui_port = f"127.0.0.1:{free_port()}", free_port()
    env = {
        **os.environ,
        "CARECASE_TEMPORAL_ADDRESS": temporal_address,
        "CARECASE_TEMPORAL_UI_PORT": str(ui_port),
        "CARECASE_LOG_FILE": "var/carecase.log",
    }
    log = (folder / "run.out").open("w")
    process = subprocess.Popen(
        [CARECASE, "run", "--port", str(api_port)],
        cwd=folder,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        text=True,
        start_new_session=True,
    )
    base_url = f"http://127.0.0.1:{api_port}"
    deadline = time.monotonic() + 90
    while True:
        try:
            if httpx.get(f"{base_url}/health", timeout=2).status_code == 200:
                break
        except httpx.HTTPError:
            pass
        if process.poll() is not None or time.monotonic() > deadline:
            process.kill()
            pytest.fail(f"carecase run did not come up:\n{(folder / 'run.out').read_text()}")
        time.sleep(0.2)
    try:
        yield Product(folder, base_url, process, temporal_address, ui_port)
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=30)
        except subprocess.TimeoutExpired:
            os.killpg(process.pid, signal.SIGKILL)
            process.wait()
        log.close()
