"""The retention run behind `carecase retention run`: the council's retention rule over the whole record.

Every closed case whose retention period after closure has ended by the given instant has its
people's keys destroyed and ``PersonalDataErased`` recorded (``CaseRecord.erase_personal_data``);
then the views catch up, so their rows for those cases are written again from the erased state,
and the store's files are compacted, so no deleted bytes (keys, old view rows) stay on disk.
Run daily (cron, or a systemd timer): a run with nothing to erase only reads the log's closures.
"""

from __future__ import annotations

from datetime import datetime

from pydantic import BaseModel, ConfigDict

from config.bootstrap import build_projection_runner
from config.settings import Settings
from domain.application import CaseRecord


class RetentionRun(BaseModel):
    model_config = ConfigDict(frozen=True)

    as_of: datetime
    retention_days: int
    closed_cases: int
    erased: list[str]


def run_retention(record: CaseRecord, settings: Settings, as_of: datetime) -> RetentionRun:
    closed = record.closed_cases()
    erased = []
    for case_id in closed:
        if record.retention_ended(case_id, as_of, settings.retention_days):
            record.erase_personal_data(case_id, as_of=as_of, retention_days=settings.retention_days)
            erased.append(case_id.hex)
    if erased:
        build_projection_runner(record, settings).run_until_caught_up()
        record.compact_store()
    return RetentionRun(as_of=as_of, retention_days=settings.retention_days, closed_cases=len(closed), erased=erased)
