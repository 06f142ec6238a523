"""Settings of a carecase process: the council's published configuration (its council.toml, decision
0035), then the environment (``CARECASE_*`` and ``POSTGRES_*``) over it.

The embedded default is an SQLite file under ``var/``; ``CARECASE_STORE=postgres`` switches the
same code to PostgreSQL.
"""

from __future__ import annotations

import os
import re
from collections.abc import Mapping
from pathlib import Path
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field

from domain.commands import CouncilSettings
from domain.errors import InvalidInput
from domain.service_levels import ServiceLevels
from eventstore.private_files import private_folder
from policy.catalogue import COUNCILS_FOLDER
from policy.council_configuration import BY_KEY, SETTINGS, council_file, publish, read_council_file

# The council whose folder a process reads when CARECASE_COUNCIL names none: the one whose rule set
# is the default (northmoor-ras).
DEFAULT_COUNCIL = "northmoor"
COUNCIL_FOLDER_NAME = re.compile(r"[a-z0-9][a-z0-9_-]{0,62}")

# The environment variables that override a council's published configuration (its council.toml):
# policy.council_configuration.SETTINGS names each, beside its key in the file; docs/configuration.md
# lists them. The checks a council requires of a representative are comma-separated names of
# RepresentativeCheck (e.g. "identity,references"); an empty value requires none.
LIST_SETTINGS = {"representatives.checks", "representatives.paid_manager_checks"}


METRICS_TOKEN_FILE = "CARECASE_METRICS_TOKEN_FILE"


def environment_overrides(env: Mapping[str, str]) -> dict[str, Any]:
    """The council settings the environment sets, by their key in the council's file."""
    found: dict[str, Any] = {}
    for setting in SETTINGS:
        if setting.env is None or setting.env not in env:
            continue
        value = env[setting.env]
        if setting.key in LIST_SETTINGS:
            found[setting.key] = [name.strip() for name in value.split(",") if name.strip()]
        elif value:
            found[setting.key] = value
    return found


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True)

    store: Literal["sqlite", "postgres"] = "sqlite"
    sqlite_path: Path = Path("var/carecase.sqlite")
    postgres: dict[str, str] = Field(default_factory=dict)
    policy_folder: Path | None = None
    # The council's folder under the policy folder, holding its rule sets and council.toml.
    council_folder: str = DEFAULT_COUNCIL
    council: CouncilSettings = Field(default_factory=CouncilSettings)
    service_levels: ServiceLevels = Field(default_factory=ServiceLevels)
    log_level: str = "info"
    log_file: Path | None = None
    # The council's retention rule: a closed case's personal data is erased this many days after
    # it closed (8 years by default; decision 0026).
    retention_days: int = Field(default=2922, ge=0, le=36_525)
    # Where the council's configuration came from, and the settings it left to the defaults (said
    # at start-up: configure_process_logging).
    council_file: Path | None = None
    fell_back: tuple[str, ...] = ()
    # A file holding the token Prometheus sends to scrape the API's /metrics (decision 0037);
    # unset, only an ops or admin API key reads /metrics.
    metrics_token_file: Path | None = None

    @classmethod
    def from_environment(cls, environ: Mapping[str, str] | None = None) -> Settings:
        env = dict(os.environ if environ is None else environ)
        policy_folder = Path(env["CARECASE_POLICY_FOLDER"]) if env.get("CARECASE_POLICY_FOLDER") else None
        council_folder = env.get("CARECASE_COUNCIL") or DEFAULT_COUNCIL
        if not COUNCIL_FOLDER_NAME.fullmatch(council_folder):
            raise InvalidInput(
                f"CARECASE_COUNCIL: {council_folder!r} is not a council's folder name (letters, digits, '-', '_')",
                code="invalid_council_configuration",
                field="CARECASE_COUNCIL",
            )
        path = council_file(policy_folder or COUNCILS_FOLDER, council_folder)
        overrides = environment_overrides(env)
        published = publish(
            {**read_council_file(path), **overrides},
            file=path if path.exists() else None,
            sources={key: BY_KEY[key].env or "" for key in overrides},
        )
        return cls(
            store=env.get("CARECASE_STORE", "sqlite"),  # type: ignore[arg-type]
            sqlite_path=Path(env.get("CARECASE_SQLITE_PATH", "var/carecase.sqlite")),
            postgres={k: v for k, v in env.items() if k.startswith("POSTGRES_")},
            policy_folder=policy_folder,
            council_folder=council_folder,
            council=published.council,
            service_levels=published.service_levels,
            log_level=env.get("CARECASE_LOG_LEVEL", "info"),
            log_file=Path(env["CARECASE_LOG_FILE"]) if env.get("CARECASE_LOG_FILE") else None,
            retention_days=published.retention_days,
            council_file=published.file,
            fell_back=published.fell_back,
            metrics_token_file=Path(env[METRICS_TOKEN_FILE]) if env.get(METRICS_TOKEN_FILE) else None,
        )

    def store_env(self) -> dict[str, str]:
        """The eventsourcing environment for this store."""
        if self.store == "postgres":
            env = {"PERSISTENCE_MODULE": "eventstore.postgres", "POSTGRES_ENABLE_DB_FUNCTIONS": "no"}
            env.update(self.postgres)
            return env
        private_folder(self.sqlite_path.parent)
        return {
            "PERSISTENCE_MODULE": "eventstore.sqlite",
            "SQLITE_DBNAME": str(self.sqlite_path),
            "SQLITE_LOCK_TIMEOUT": "30",
        }
