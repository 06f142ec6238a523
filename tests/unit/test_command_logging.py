"""Every command, recorded or refused, logs the case, the command id and the actor as JSON."""

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
    assert recorded["case_id"] == str(story.case_id) and recorded["actor"] == "sw-ayesha"
    assert refused["event"] == "command_refused" and refused["code"] == "assessments_outstanding"
    assert refused["command_id"] == "cmd-too-early" and refused["role"] == "social_worker"


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
