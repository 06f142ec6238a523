"""Taking a signed checkpoint of the store, checking the store against one, and taking them on a
schedule (decision 0024).

A checkpoint is taken only if the store still agrees with the latest one: otherwise the log would
anchor the very tampering the previous checkpoint catches. Checking is cheap (one or two reads per
case); the full chain check stays ``carecase audit verify``'s.
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, datetime, timedelta
from pathlib import Path
from uuid import UUID

import structlog
from pydantic import BaseModel, ConfigDict

from config.checkpoint_settings import CheckpointSettings
from domain.application import CaseRecord
from domain.checkpoint import AnchorFinding, check_against_checkpoint
from eventstore.checkpoint_key import CheckpointKeyMissing, CheckpointSigner, load_public_key
from eventstore.checkpoint_log import (
    CheckpointLog,
    CheckpointUnreadable,
    LoggedCheckpoint,
    read_checkpoint,
    signature_problem,
)

log = structlog.get_logger("carecase.checkpoints")


class CheckpointRefused(Exception):
    """The store (or the log) no longer agrees with the latest checkpoint: no new one is written."""

    def __init__(self, problems: list[str], findings: list[AnchorFinding]) -> None:
        self.problems, self.findings = problems, findings
        super().__init__(
            f"no checkpoint written: {len(problems)} problem(s) with the log, "
            f"{len(findings)} finding(s) against the latest checkpoint"
        )


class CheckpointSummary(BaseModel):
    model_config = ConfigDict(frozen=True)

    file: str
    sequence: int
    taken_at: str
    cases: int
    merkle_root: str


class CheckpointVerdict(BaseModel):
    """The store checked against a checkpoint: ``problems`` with the checkpoint or its log
    (unreadable, wrongly signed, a broken link), ``findings`` where the store contradicts it."""

    model_config = ConfigDict(frozen=True)

    checkpoint: CheckpointSummary | None
    problems: list[str]
    findings: list[AnchorFinding]

    @property
    def clean(self) -> bool:
        return not self.problems and not self.findings


def summary(logged: LoggedCheckpoint) -> CheckpointSummary:
    c = logged.checkpoint
    return CheckpointSummary(
        file=logged.path.name,
        sequence=c.sequence,
        taken_at=c.taken_at.astimezone(UTC).isoformat().replace("+00:00", "Z"),
        cases=c.case_count,
        merkle_root=c.merkle_root,
    )


def take_checkpoint(record: CaseRecord, settings: CheckpointSettings, now: datetime | None = None) -> LoggedCheckpoint:
    """Check the store against the latest checkpoint, then sign and append a new one."""
    signer = CheckpointSigner.load(settings.signing_key_path, create=settings.signing_key is None)
    checkpoints = CheckpointLog(settings.folder)
    previous = checkpoints.latest()
    if previous is not None:
        problem = signature_problem(previous, signer.public_key)
        if problem:
            raise CheckpointRefused([problem], [])
        findings = check_against_checkpoint(previous.checkpoint, record.stored_link)
        if findings:
            raise CheckpointRefused([], findings)
    return checkpoints.append(record.chain_heads(), signer, now or datetime.now(UTC), follows=previous)


def verify_against_checkpoint(
    record: CaseRecord,
    settings: CheckpointSettings,
    checkpoint_file: Path | None = None,
    case_id: UUID | None = None,
    whole_log: bool = False,
) -> CheckpointVerdict:
    """Check the store against ``checkpoint_file``, or the latest in the log (and the log's last
    link, or every link with ``whole_log``). No checkpoint at all is no finding: there is nothing
    to check against yet."""
    checkpoints = CheckpointLog(settings.folder)
    try:
        logged = read_checkpoint(checkpoint_file) if checkpoint_file else checkpoints.latest()
    except (CheckpointUnreadable, OSError) as error:
        return CheckpointVerdict(checkpoint=None, problems=[str(error)], findings=[])
    if logged is None:
        return CheckpointVerdict(checkpoint=None, problems=[], findings=[])
    try:
        public_key = load_public_key(settings.public_key_path)
    except (CheckpointKeyMissing, ValueError) as error:
        return CheckpointVerdict(
            checkpoint=summary(logged), problems=[f"cannot verify the checkpoint's signature: {error}"], findings=[]
        )
    problem = signature_problem(logged, public_key)
    if problem:
        # A checkpoint that cannot be trusted vouches for nothing: the store is not compared with it.
        return CheckpointVerdict(checkpoint=summary(logged), problems=[problem], findings=[])
    problems = [] if checkpoint_file else checkpoints.problems(public_key, newest=None if whole_log else 1)
    findings = check_against_checkpoint(logged.checkpoint, record.stored_link)
    if case_id is not None:
        findings = [f for f in findings if f.case_id in (None, case_id.hex)]
    return CheckpointVerdict(checkpoint=summary(logged), problems=problems, findings=findings)


class ScheduledCheckpoints:
    """Called by the projection runner on every poll; takes a checkpoint once per interval. A
    refusal or a failure is logged (ids and counts only) and never stops the views."""

    def __init__(
        self,
        record: CaseRecord,
        settings: CheckpointSettings,
        clock: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.record, self.settings, self.clock = record, settings, clock
        self.interval = timedelta(seconds=settings.interval_seconds)
        self.next_at: datetime | None = None

    def __call__(self) -> None:
        now = self.clock()
        if self.next_at is not None and now < self.next_at:
            return
        self.next_at = now + self.interval
        try:
            logged = take_checkpoint(self.record, self.settings, now)
        except CheckpointRefused as refused:
            log.error(
                "checkpoint_refused",
                log_problems=len(refused.problems),
                findings=len(refused.findings),
                case_ids=sorted({f.case_id for f in refused.findings if f.case_id})[:50],
            )
            return
        except Exception as error:
            log.error("checkpoint_failed", error_class=type(error).__name__)
            return
        log.info("checkpoint_written", sequence=logged.checkpoint.sequence, cases=logged.checkpoint.case_count)


def scheduled_checkpoints(
    record: CaseRecord, settings: CheckpointSettings | None = None
) -> ScheduledCheckpoints | None:
    """The runner's schedule of checkpoints, or None when the interval is 0 (the default)."""
    settings = settings or CheckpointSettings.from_environment()
    return ScheduledCheckpoints(record, settings) if settings.interval_seconds > 0 else None
