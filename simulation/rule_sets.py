"""The councils' rule sets for the synthetic caseload: the shipped files, each in force from the
caseload's first day.

The caseload's cases run from April 2023 (``simulation.caseload``), years before the shipped
versions take effect (April 2026), and a rule set is in force from its ``effective_from`` and not
before (decision 0034). So the tests, the benchmarks and the demos that load it price with these:
the same questions, answers and figures, dated from the caseload's start (their hashes differ from
the shipped files', as any edit's would). Never a council's published policy.
"""

from __future__ import annotations

import re
import shutil
import tempfile
from datetime import date
from functools import cache
from pathlib import Path

from policy.catalogue import COUNCILS_FOLDER

CASELOAD_START = date(2023, 4, 1)
_EFFECTIVE = re.compile(r"^effective_from = \d{4}-\d{2}-\d{2}$", re.MULTILINE)


def councils_in_force_from(day: date, target: Path) -> Path:
    """A copy of the shipped councils' folder at ``target``, every version in force from ``day``."""
    shutil.copytree(COUNCILS_FOLDER, target)
    for path in target.glob("*/ras-*.toml"):
        text = path.read_text(encoding="utf-8")
        path.write_text(_EFFECTIVE.sub(f"effective_from = {day.isoformat()}", text), encoding="utf-8")
    return target


@cache
def caseload_councils() -> Path:
    """The folder, made once per process in a temporary directory."""
    return councils_in_force_from(CASELOAD_START, Path(tempfile.mkdtemp(prefix="carecase-councils-")) / "councils")
