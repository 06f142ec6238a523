"""Everything a request handler needs, wired once per process by ``config.bootstrap``."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import datetime
from uuid import UUID

from temporalio.client import Client
from temporalio.converter import PayloadCodec

from api.access_log import AccessLog
from api.key_use import KeyUse
from api.keys import KeyRing
from api.telemetry import ApiMetrics
from domain.application import CaseRecord
from domain.commands import CouncilSettings
from domain.errors import DomainError, InvalidInput, NotFound
from domain.service_levels import ServiceLevels
from projections.store import ViewCursor, ViewStore


class ViewsBehind(DomainError):
    """The views have not reached the position a caller asked to read after (503)."""

    code = "views_behind"


@dataclass
class Backend:
    record: CaseRecord
    views: ViewStore
    view_names: list[str]
    log: AccessLog
    keys: KeyRing
    temporal: Client
    task_queue: str
    council: CouncilSettings = field(default_factory=CouncilSettings)
    service_levels: ServiceLevels = field(default_factory=ServiceLevels)
    position_patience_seconds: float = 10.0
    # The codec of Temporal's payloads, for the Web UI's and the CLI's /codec calls (decision 0023),
    # and the one browser origin (the Temporal Web UI's) allowed to make them.
    payload_codec: PayloadCodec | None = None
    web_ui_origin: str = "http://127.0.0.1:8233"
    # The token Prometheus scrapes /metrics with (CARECASE_METRICS_TOKEN_FILE); None: ops keys only.
    metrics_token: str | None = None
    # The deployment's other councils by GSS code, each with a backend of its own over its own
    # partition (decision 0040); empty when the deployment serves the configured council alone.
    councils: dict[str, Backend] = field(default_factory=dict)
    # Since when the payment outbox has told finance of suspensions, resumptions, stops and
    # recoveries (migration 2's recording); before it, only of payments (decision 0043).
    finance_messages_since: datetime | None = None
    # When each key was last used, beside the views (made here: every backend has the views).
    key_use: KeyUse = field(init=False)
    # This process's own counters for /metrics (api/metrics.py).
    metrics: ApiMetrics = field(init=False)

    def __post_init__(self) -> None:
        self.key_use = KeyUse(self.views)
        self.metrics = ApiMetrics()

    def require_case(self, case_id: UUID) -> None:
        """404 unless the case record holds the case (open or closed)."""
        if not self.record.has_case(case_id):
            raise NotFound(f"no case {case_id.hex}", code="unknown_case", field="case_id")

    def views_position(self, cursor: ViewCursor | None = None) -> int:
        positions = self.views.positions(self.view_names, cursor)
        return min(positions.values(), default=0)

    @contextmanager
    def snapshot(self) -> Iterator[tuple[int, ViewCursor]]:
        """One read of the views: the position every view has reached, and a cursor for the rows,
        in the same read transaction (one snapshot on both stores). So the position an answer
        reports is the one its rows were read at, not one taken a moment before them, and rows
        read with several SELECTs agree with each other."""
        with self.views.read() as cursor:
            yield self.views_position(cursor), cursor

    async def wait_for_position(self, position: int | None) -> int:
        """Read-your-writes: wait until every view has applied the notification a command returned.

        A position past the end of the log is no position a command returned (every answer's
        position is a notification already committed), so it is refused at once rather than
        waited on: the caller has a wrong number, not a slow view."""
        reached = await asyncio.to_thread(self.views_position)
        if position is None or reached >= position:
            return reached
        last = await asyncio.to_thread(self.record.last_position)
        if position > last:
            raise InvalidInput(
                f"min_position: {position} is past the end of the log ({last}); pass the position a "
                "command or a read answered",
                code="position_beyond_log",
                field="min_position",
                details={"last_position": last, "wanted": position},
            )
        deadline = time.monotonic() + self.position_patience_seconds
        delay = 0.01
        while time.monotonic() < deadline:
            await asyncio.sleep(delay)
            delay = min(delay * 2, 0.2)
            reached = await asyncio.to_thread(self.views_position)
            if reached >= position:
                return reached
        raise ViewsBehind(
            f"the views reached position {reached}, not yet {position}; try again shortly",
            field="min_position",
            details={"reached": reached, "wanted": position},
        )
