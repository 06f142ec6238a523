"""The composition root: settings in, a wired case record out."""

from __future__ import annotations

from typing import TYPE_CHECKING

from domain.application import CaseRecord
from policy.catalogue import RuleSetCatalogue
from workers.logging import configure_logging, log_command
from workers.settings import Settings

if TYPE_CHECKING:
    from projections.runner import ProjectionRunner


def build_case_record(settings: Settings | None = None) -> CaseRecord:
    settings = settings or Settings.from_environment()
    if settings.log_file is not None:
        settings.log_file.parent.mkdir(parents=True, exist_ok=True)
        configure_logging(settings.log_level, stream=settings.log_file.open("a", encoding="utf-8", buffering=1))
    else:
        configure_logging(settings.log_level)
    catalogue = RuleSetCatalogue(settings.policy_folder) if settings.policy_folder else RuleSetCatalogue()
    return CaseRecord(settings.store_env(), rule_sets=catalogue, council=settings.council, observers=[log_command])


def build_projection_runner(record: CaseRecord, settings: Settings | None = None) -> ProjectionRunner:
    """The read side beside the record: every view, on the same database as the events."""
    from projections.catalogue import all_views
    from projections.runner import ProjectionRunner
    from projections.store import view_store_from_env

    settings = settings or Settings.from_environment()
    return ProjectionRunner(
        record,
        view_store_from_env(settings.store_env()),
        all_views(panel_threshold_pence=settings.council.panel_threshold_pence),
    )
