"""Where checkpoints of the store go and what signs them, read from the environment
(``CARECASE_CHECKPOINT_*``; decision 0024)."""

from __future__ import annotations

import os
from pathlib import Path

from pydantic import BaseModel, ConfigDict, Field

from eventstore.checkpoint_key import public_key_path

DEV_SIGNING_KEY = Path("var/checkpoint-key/signing.key")


class CheckpointSettings(BaseModel):
    model_config = ConfigDict(frozen=True)

    folder: Path = Path("var/checkpoints")
    # The private key that signs; None means the development key, made on first use.
    signing_key: Path | None = None
    # The public key that verifies; None means the one beside the signing key.
    public_key: Path | None = None
    # How often the projection runner writes one; 0 (the default) writes none.
    interval_seconds: float = Field(default=0.0, ge=0)

    @classmethod
    def from_environment(cls, environ: dict[str, str] | None = None) -> CheckpointSettings:
        env = dict(os.environ if environ is None else environ)
        return cls(
            folder=Path(env.get("CARECASE_CHECKPOINT_DIR") or "var/checkpoints"),
            signing_key=Path(env["CARECASE_CHECKPOINT_SIGNING_KEY"])
            if env.get("CARECASE_CHECKPOINT_SIGNING_KEY")
            else None,
            public_key=Path(env["CARECASE_CHECKPOINT_PUBLIC_KEY"])
            if env.get("CARECASE_CHECKPOINT_PUBLIC_KEY")
            else None,
            interval_seconds=float(env.get("CARECASE_CHECKPOINT_INTERVAL_SECONDS") or 0),
        )

    @property
    def signing_key_path(self) -> Path:
        return self.signing_key or DEV_SIGNING_KEY

    @property
    def public_key_path(self) -> Path:
        return self.public_key or public_key_path(self.signing_key_path)
