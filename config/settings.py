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
from eventstore.private_files import private_folder

# The council's limits that the environment may set, each a whole number checked by CouncilSettings.
COUNCIL_LIMITS = {
    "CARECASE_PANEL_THRESHOLD_PENCE": "panel_threshold_pence",
    "CARECASE_MAX_AMOUNT_PENCE": "max_amount_pence",
    "CARECASE_AGREEMENT_TOLERANCE_BASIS_POINTS": "agreement_tolerance_basis_points",
    "CARECASE_AGREEMENT_BACKDATING_LIMIT_DAYS": "agreement_backdating_limit_days",
    "CARECASE_AGREEMENT_FUTURE_START_LIMIT_DAYS": "agreement_future_start_limit_days",
    "CARECASE_CLOCK_SKEW_SECONDS": "clock_skew_seconds",
    "CARECASE_MONITORING_RECEIPT_THRESHOLD_PENCE": "monitoring_receipt_threshold_pence",
    "CARECASE_MONITORING_CONTINGENCY_WEEKS": "monitoring_contingency_weeks",
    "CARECASE_PANEL_LIMIT_PENCE": "panel_limit_pence",
    "CARECASE_HEAD_OF_SERVICE_LIMIT_PENCE": "head_of_service_limit_pence",
    "CARECASE_VARIANCE_TOLERANCE_BASIS_POINTS": "variance_tolerance_basis_points",
    "CARECASE_INTERIM_SUPPORT_REVIEW_WITHIN_DAYS": "interim_support_review_within_days",
}

# The checks the council requires of a representative: comma-separated names of RepresentativeCheck
# (e.g. "identity,references"); an empty value requires none.
COUNCIL_CHECKS = {
    "CARECASE_REPRESENTATIVE_CHECKS": "representative_checks",
    "CARECASE_PAID_MANAGER_CHECKS": "paid_manager_checks",
}


METRICS_TOKEN_FILE = "CARECASE_METRICS_TOKEN_FILE"


def council_checks(env: dict[str, str]) -> dict[str, list[str]]:
    return {
        field: [name.strip() for name in env[variable].split(",") if name.strip()]
        for variable, field in COUNCIL_CHECKS.items()
        if variable in env
    }


class Settings(BaseModel):
    model_config = ConfigDict(frozen=True)

    store: Literal["sqlite", "postgres"] = "sqlite"
    sqlite_path: Path = Path("var/carecase.sqlite")
    postgres: dict[str, str] = Field(default_factory=dict)
    policy_folder: Path | None = None
    council: CouncilSettings = Field(default_factory=CouncilSettings)
    log_level: str = "info"
    log_file: Path | None = None
    # The council's retention rule: a closed case's personal data is erased this many days after
    # it closed (8 years by default; decision 0026).
    retention_days: int = Field(default=2922, ge=0, le=36_525)
    # A file holding the token Prometheus sends to scrape the API's /metrics (decision 0037);
    # unset, only an ops or admin API key reads /metrics.
    metrics_token_file: Path | None = None

    @classmethod
    def from_environment(cls, environ: dict[str, str] | None = None) -> Settings:
        env = dict(os.environ if environ is None else environ)
        limits = {field: int(env[name]) for name, field in COUNCIL_LIMITS.items() if env.get(name)}
        council = CouncilSettings.model_validate(
            {
                "council_code": env.get("CARECASE_COUNCIL_CODE", CouncilSettings().council_code),
                "ras_rule_set_id": env.get("CARECASE_RAS_RULE_SET", CouncilSettings().ras_rule_set_id),
                "delegation_scheme_version": env.get(
                    "CARECASE_DELEGATION_SCHEME_VERSION", CouncilSettings().delegation_scheme_version
                ),
                **limits,
                **council_checks(env),
            }
        )
        return cls(
            store=env.get("CARECASE_STORE", "sqlite"),  # type: ignore[arg-type]
            sqlite_path=Path(env.get("CARECASE_SQLITE_PATH", "var/carecase.sqlite")),
            postgres={k: v for k, v in env.items() if k.startswith("POSTGRES_")},
            policy_folder=Path(env["CARECASE_POLICY_FOLDER"]) if env.get("CARECASE_POLICY_FOLDER") else None,
            council=council,
            log_level=env.get("CARECASE_LOG_LEVEL", "info"),
            log_file=Path(env["CARECASE_LOG_FILE"]) if env.get("CARECASE_LOG_FILE") else None,
            retention_days=int(env.get("CARECASE_RETENTION_DAYS", "2922")),
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
