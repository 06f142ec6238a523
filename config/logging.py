"""structlog JSON logs, configured once per process.

Every line names its ``logger`` (``carecase.api``, ``carecase.command``, ``carecase.worker``,
``carecase.projections``…, or a library's own logger name); a line about a case names it as the
API does, 32 hex digits, so an id from a URL finds its lines; a command's line names the command
id and the actor. The Python ``logging`` records of the libraries (the Temporal SDK's activity and
workflow task failures, uvicorn's errors) come out as the same JSON lines, warnings and worse.
Nothing personal is logged: ids, codes, counts and times only — never a body, a refusal's message
(it may quote what was sent) or a frame's local variables.
"""

from __future__ import annotations

import logging
import sys
from typing import Any, TextIO

import structlog
import structlog.tracebacks

from config.tracing import add_trace_id

_configured = False


class NamedPrintLogger(structlog.PrintLogger):
    """structlog's PrintLogger, knowing the name it was asked for (``structlog.get_logger(name)``)."""

    def __init__(self, file: TextIO | None = None, name: str | None = None) -> None:
        super().__init__(file)
        self.name = name


class NamedPrintLoggerFactory:
    def __init__(self, file: TextIO) -> None:
        self.file = file

    def __call__(self, *args: Any) -> NamedPrintLogger:
        return NamedPrintLogger(self.file, str(args[0]) if args else None)


def add_logger_name(logger: Any, method_name: str, event_dict: dict[str, Any]) -> dict[str, Any]:
    """The ``logger`` field: the structlog logger's name, or the stdlib record's."""
    record = event_dict.get("_record")
    name = record.name if record is not None else getattr(logger, "name", None)
    if name and "logger" not in event_dict:
        event_dict["logger"] = name
    return event_dict


def shared_processors() -> list[Any]:
    return [
        structlog.contextvars.merge_contextvars,
        add_logger_name,
        add_trace_id,
        structlog.processors.add_log_level,
        structlog.processors.TimeStamper(fmt="iso", utc=True),
    ]


def json_renderers() -> list[Any]:
    return [
        # structlog's dict_tracebacks shows every frame's local variables: a case's details, a key.
        structlog.processors.ExceptionRenderer(structlog.tracebacks.ExceptionDictTransformer(show_locals=False)),
        structlog.processors.JSONRenderer(sort_keys=True),
    ]


def logging_config(level: str = "info", stream: TextIO | None = None) -> dict[str, Any]:
    """The keyword arguments of ``structlog.configure`` for JSON lines on ``stream`` (stderr)."""
    return {
        "processors": [*shared_processors(), *json_renderers()],
        "wrapper_class": structlog.make_filtering_bound_logger(logging.getLevelNamesMapping()[level.upper()]),
        "logger_factory": NamedPrintLoggerFactory(stream or sys.stderr),
        "cache_logger_on_first_use": True,
    }


def library_handler(stream: TextIO | None = None) -> logging.Handler:
    """A ``logging`` handler writing the libraries' warnings and errors as the same JSON lines."""
    handler = logging.StreamHandler(stream or sys.stderr)
    handler.setLevel(logging.WARNING)
    handler.setFormatter(
        structlog.stdlib.ProcessorFormatter(
            foreign_pre_chain=shared_processors(),
            processors=[structlog.stdlib.ProcessorFormatter.remove_processors_meta, *json_renderers()],
        )
    )
    return handler


def configure_logging(level: str = "info", stream: Any = None) -> None:
    global _configured
    if _configured:
        return
    structlog.configure(**logging_config(level, stream))
    logging.getLogger().addHandler(library_handler(stream))
    _configured = True


def log_command(command: Any, outcome: Any, error: Any) -> None:
    """Observer for CaseRecord: one line per command, accepted or refused."""
    log = structlog.get_logger("carecase.command").bind(
        case_id=command.case_id.hex,
        command_id=command.command_id,
        command=command.type_name(),
        actor=command.actor.user_id,
        role=command.actor.role.value,
    )
    if error is not None:
        log.warning("command_refused", code=error.code, field=error.field)
    elif outcome.duplicate:
        log.info("command_repeated", versions=[e.version for e in outcome.events])
    else:
        log.info(
            "command_recorded", events=[e.type for e in outcome.events], versions=[e.version for e in outcome.events]
        )
