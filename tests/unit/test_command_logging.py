"""Every command, recorded or refused, logs the case (in the API's hex form), the command id and
the actor as JSON; every line names its logger, the libraries' warnings (the Temporal SDK's
activity failures) included."""

from __future__ import annotations

import json
import subprocess
import sys
from pathlib import Path

import pytest
import structlog

from config.logging import log_command
from domain.application import CaseRecord
from domain.errors import RuleViolation
from policy.catalogue import RuleSetCatalogue
from tests.builders import Scenario
from tests.clock import SteppingClock
from tests.rule_sets import TEST_COUNCILS

ROOT = Path(__file__).parents[2]


@pytest.mark.sqlite
def test_each_command_logs_case_command_and_actor(tmp_path: Path) -> None:
    app = CaseRecord(
        {"PERSISTENCE_MODULE": "eventstore.sqlite", "SQLITE_DBNAME": str(tmp_path / "s.sqlite")},
        rule_sets=RuleSetCatalogue(TEST_COUNCILS),
        clock=SteppingClock(),
        observers=[log_command],
    )
    story = Scenario()
    with structlog.testing.capture_logs() as logs:
        app.handle(story.referral(command_id="cmd-referral"))
        with pytest.raises(RuleViolation):
            app.handle(story.draft(command_id="cmd-too-early"))
    app.close()
    recorded, refused = logs
    assert recorded["event"] == "command_recorded" and recorded["command_id"] == "cmd-referral"
    assert recorded["case_id"] == story.case_id.hex and recorded["actor"] == "sw-ayesha"
    assert refused["event"] == "command_refused" and refused["code"] == "assessments_outstanding"
    assert refused["command_id"] == "cmd-too-early" and refused["role"] == "social_worker"
    assert refused["case_id"] == story.case_id.hex and "reason" not in refused  # a message may quote input


@pytest.mark.unit
def test_logs_are_json_lines() -> None:
    script = (
        "import io, json, structlog\n"
        "from config.logging import configure_logging\n"
        "buffer = io.StringIO()\n"
        "configure_logging('info', stream=buffer)\n"
        "structlog.get_logger('t').info('hello', case_id='c-1')\n"
        "print(buffer.getvalue())\n"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    line = json.loads(out.strip().splitlines()[0])
    assert line["event"] == "hello" and line["case_id"] == "c-1" and line["level"] == "info" and "timestamp" in line
    assert line["logger"] == "t"


@pytest.mark.unit
def test_worker_and_runner_errors_are_json_lines_naming_their_logger() -> None:
    script = (
        "import io, logging\n"
        "from config.logging import configure_logging\n"
        "buffer = io.StringIO()\n"
        "configure_logging('info', stream=buffer)\n"
        "from projections.runner import log\n"
        "log.error('projection_batch_failed', failures=1)\n"
        "try:\n"
        "    raise RuntimeError('activity failed')\n"
        "except RuntimeError:\n"
        "    logging.getLogger('temporalio.activity').warning('Completing activity as failed', exc_info=True)\n"
        "logging.getLogger('temporalio.worker').info('not shown: libraries log warnings and worse')\n"
        "print(buffer.getvalue())\n"
    )
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True).stdout
    runner, activity = (json.loads(line) for line in out.strip().splitlines())
    assert (runner["logger"], runner["event"], runner["level"]) == (
        "carecase.projections",
        "projection_batch_failed",
        "error",
    )
    assert (activity["logger"], activity["level"]) == ("temporalio.activity", "warning")
    assert activity["event"] == "Completing activity as failed"
    assert activity["exception"][0]["exc_type"] == "RuntimeError"
    assert all("locals" not in frame for frame in activity["exception"][0]["frames"])
