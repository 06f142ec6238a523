"""Settings of a carecase process, read from the environment (``CARECASE_*`` and ``POSTGRES_*``).

The embedded default is an SQLite file under ``var/``; ``CARECASE_STORE=postgres`` switches the
same code to PostgreSQL.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.commands import CouncilSettings


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True)

    store: Literal["sqlite", "postgres"] = "sqlite"
    sqlite_path: Path = Path("var/carecase.sqlite")
    postgres: dict[str, str] = Field(default_factory=dict)
    policy_folder: Path | None = None
    council: CouncilSettings = Field(default_factory=CouncilSettings)
    log_level: str = "info"
    log_file: Path | None = None

    @classmethod
    def from_environment(cls, environ: dict[str, str] | None = None) -> "Settings":
        env = dict(os.environ if environ is None else environ)
        council = CouncilSettings(
            council_code=env.get("CARECASE_COUNCIL_CODE", CouncilSettings().council_code),
            ras_rule_set_id=env.get("CARECASE_RAS_RULE_SET", CouncilSettings().ras_rule_set_id),
            panel_threshold_pence=int(env.get("CARECASE_PANEL_THRESHOLD_PENCE",
                                              CouncilSettings().panel_threshold_pence)),
        )
        return cls(
            store=env.get("CARECASE_STORE", "sqlite"),  # type: ignore[arg-type]
            sqlite_path=Path(env.get("CARECASE_SQLITE_PATH", "var/carecase.sqlite")),
            postgres={k: v for k, v in env.items() if k.startswith("POSTGRES_")},
            policy_folder=Path(env["CARECASE_POLICY_FOLDER"]) if env.get("CARECASE_POLICY_FOLDER") else None,
            council=council,
            log_level=env.get("CARECASE_LOG_LEVEL", "info"),
            log_file=Path(env["CARECASE_LOG_FILE"]) if env.get("CARECASE_LOG_FILE") else None,
        )

    def store_env(self) -> dict[str, str]:
        """The eventsourcing environment for this store."""
        if self.store == "postgres":
            env = {"PERSISTENCE_MODULE": "eventstore.postgres", "POSTGRES_ENABLE_DB_FUNCTIONS": "no"}
            env.update(self.postgres)
            return env
        self.sqlite_path.parent.mkdir(parents=True, exist_ok=True)
        return {
            "PERSISTENCE_MODULE": "eventstore.sqlite",
            "SQLITE_DBNAME": str(self.sqlite_path),
            "SQLITE_LOCK_TIMEOUT": "30",
        }
