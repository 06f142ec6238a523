"""The projection runner takes a signed checkpoint of the store once per interval, on its own poll
loop, and none when no interval is set (decision 0024)."""

from __future__ import annotations

import threading
from datetime import timedelta
from pathlib import Path

from config.checkpoint_settings import CheckpointSettings
from config.checkpoints import ScheduledCheckpoints, scheduled_checkpoints
from domain.application import CaseRecord
from eventstore.checkpoint_key import CheckpointSigner
from eventstore.checkpoint_log import CheckpointLog
from projections.audit_timeline import AuditTimelineView
from projections.runner import ProjectionRunner
from projections.store import ViewStore
from tests.builders import Scenario
from tests.clock import SteppingClock


def test_the_runner_takes_one_checkpoint_per_interval_while_it_runs(
    record: CaseRecord, view_store: ViewStore, tmp_path: Path
) -> None:
    key = tmp_path / "key/signing.key"
    signer = CheckpointSigner.load(key, create=True)
    settings = CheckpointSettings(folder=tmp_path / "checkpoints", signing_key=key, interval_seconds=3600)
    schedule = ScheduledCheckpoints(record, settings, clock=SteppingClock(step=timedelta(minutes=20)))
    story = Scenario()
    for command in story.up_to_gate():
        record.handle(command)
    runner = ProjectionRunner(record, view_store, [AuditTimelineView()])
    stop = threading.Event()
    polls = 0

    def poll() -> None:  # seven polls, twenty minutes apart: checkpoints at 0, 60 and 120 minutes
        nonlocal polls
        schedule()
        polls += 1
        if polls == 7:
            stop.set()

    runner.run_forever(stop, poll_interval=0, periodic=poll)

    log = CheckpointLog(settings.folder)
    assert len(log.files()) == 3
    assert log.problems(signer.public_key) == []
    latest = log.latest()
    assert latest is not None
    [head] = latest.checkpoint.cases
    assert (head.case_id, head.version) == (story.case_id.hex, len(record.stored_events(story.case_id)))
    assert runner.positions() == {"audit_timeline": record.last_position()}


def test_no_interval_means_no_schedule(record: CaseRecord, tmp_path: Path) -> None:
    assert scheduled_checkpoints(record, CheckpointSettings(folder=tmp_path)) is None
    assert CheckpointSettings.from_environment({}).interval_seconds == 0
