"""The composition root: settings in, a wired case record out."""

from __future__ import annotations

from domain.application import CaseRecord
from policy.catalogue import RuleSetCatalogue
from workers.logging import configure_logging, log_command
from workers.settings import Settings


def build_case_record(settings: Settings | None = None) -> CaseRecord:
    settings = settings or Settings.from_environment()
    if settings.log_file is not None:
        settings.log_file.parent.mkdir(parents=True, exist_ok=True)
        configure_logging(settings.log_level, stream=settings.log_file.open("a", encoding="utf-8", buffering=1))
    else:
        configure_logging(settings.log_level)
    catalogue = RuleSetCatalogue(settings.policy_folder) if settings.policy_folder else RuleSetCatalogue()
    return CaseRecord(settings.store_env(), rule_sets=catalogue, council=settings.council, observers=[log_command])
