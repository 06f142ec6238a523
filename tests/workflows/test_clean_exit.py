"""The known hazard of this stack: the SDK's Rust threads can crash the interpreter at exit after
all work is done (exit 134/139, intermittently). The test process leaves with os._exit once pytest
has finished; run a workflow test in a fresh interpreter several times and every run must end
with pytest's own exit status."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
RUNS = 3


@pytest.mark.workflow_timeout(240)
async def test_repeated_workflow_test_runs_always_exit_cleanly() -> None:
    for run in range(RUNS):
        result = subprocess.run(
            [
                sys.executable,
                "-m",
                "pytest",
                "-q",
                "-p",
                "no:cacheprovider",
                "tests/workflows/test_gate.py::test_bad_input_and_unknown_commands_are_refused_without_trace",
            ],
            cwd=ROOT,
            env=dict(os.environ),
            capture_output=True,
            text=True,
            timeout=200,
        )
        assert result.returncode == 0, (
            f"run {run}: exit {result.returncode}\n{result.stdout[-2000:]}{result.stderr[-2000:]}"
        )
        assert "1 passed" in result.stdout
