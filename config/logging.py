"""structlog JSON logs, configured once per process; every command line names the case, the
command and the actor."""

from __future__ import annotations

import logging
import sys
from typing import Any

import structlog
import structlog.tracebacks

_configured = False


def configure_logging(level: str = "info", stream: Any = None) -> None:
    global _configured
    if _configured:
        return
    structlog.configure(
        processors=[
            structlog.contextvars.merge_contextvars,
            structlog.processors.add_log_level,
            structlog.processors.TimeStamper(fmt="iso", utc=True),
            # structlog's dict_tracebacks shows every frame's local variables: a case's details, a key.
            structlog.processors.ExceptionRenderer(structlog.tracebacks.ExceptionDictTransformer(show_locals=False)),
            structlog.processors.JSONRenderer(sort_keys=True),
        ],
        wrapper_class=structlog.make_filtering_bound_logger(logging.getLevelNamesMapping()[level.upper()]),
        logger_factory=structlog.PrintLoggerFactory(file=stream or sys.stderr),
        cache_logger_on_first_use=True,
    )
    _configured = True


def log_command(command: Any, outcome: Any, error: Any) -> None:
    """Observer for CaseRecord: one line per command, accepted or refused."""
    log = structlog.get_logger("carecase.command").bind(
        case_id=str(command.case_id),
        command_id=command.command_id,
        command=command.type_name(),
        actor=command.actor.user_id,
        role=command.actor.role.value,
    )
    if error is not None:
        log.warning("command_refused", code=error.code, reason=error.message)
    elif outcome.duplicate:
        log.info("command_repeated", versions=[e.version for e in outcome.events])
    else:
        log.info(
            "command_recorded", events=[e.type for e in outcome.events], versions=[e.version for e in outcome.events]
        )
