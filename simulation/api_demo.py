"""`carecase demo`: load a synthetic caseload through the running API, as the front end would.

Each case of the seeded caseload (``simulation/caseload.py``) is sent command by command to the HTTP
API with the key of the role that does that step. Steps the case's own workflow does by itself
are left out: it schedules and issues payments from the agreement, and schedules reviews. A
command the API refuses (4xx) ends that case's story there; the refusal is counted and shown,
never hidden.
"""

from __future__ import annotations

import re
from collections import Counter
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from typing import Any

import httpx

from api.commands import path_for
from simulation.caseload import generate_caseload

DONE_BY_THE_WORKFLOW = {
    "SchedulePayment",
    "IssuePayment",
    "RecordPaymentFailure",
    "ScheduleReview",
    "CompleteReview",
    "RequestReview",
    "RecordStageOverdue",
}


@dataclass
class DemoStats:
    cases: int = 0
    commands: int = 0
    events: int = 0
    refused: Counter[str] = field(default_factory=Counter)
    last_case: str = ""


def read_keys(env_file: Path) -> dict[str, str]:
    """``export SOCIAL_WORKER_KEY=...`` lines → {"social_worker": token}."""
    keys = {}
    for line in env_file.read_text(encoding="utf-8").splitlines():
        found = re.match(r"^export ([A-Z_]+)_KEY=(\S+)$", line.strip())
        if found:
            keys[found.group(1).lower()] = found.group(2)
    return keys


def caseload_period(http: httpx.Client, keys: dict[str, str]) -> tuple[date, date]:
    """From the day the council's RAS rule set in force took effect (``GET /policy``) to today:
    a case priced before it took effect would be refused, as it should (decision 0034)."""
    answer = http.get("/policy", headers={"Authorization": f"Bearer {keys['team_manager']}"})
    answer.raise_for_status()
    policy = answer.json()
    [in_force] = [v for v in policy["in_force"] if v["rule_set_id"] == policy["ras_rule_set_id"]]
    start, today = date.fromisoformat(in_force["effective_from"]), date.fromisoformat(policy["on"])
    return start, max(today, start + timedelta(days=1))


def load_through_api(
    base_url: str, keys: dict[str, str], cases: int, seed: int, progress: Callable[[DemoStats], None] | None = None
) -> DemoStats:
    stats = DemoStats()
    with httpx.Client(base_url=base_url, timeout=60) as http:
        start, end = caseload_period(http, keys)
        for script in generate_caseload(cases, seed, start=start, end=end):
            case_id = ""
            for command in script.commands:
                name = type(command).__name__
                if name in DONE_BY_THE_WORKFLOW:
                    continue
                body: dict[str, Any] = command.model_dump(
                    mode="json", exclude={"case_id", "command_id", "actor"}, exclude_none=True
                )
                path = "/cases" if command.creates_case else f"/cases/{case_id}/{path_for(name)}"
                headers = {
                    "Authorization": f"Bearer {keys[command.actor.role.value]}",
                    "Idempotency-Key": f"demo-{seed}-{script.case_id.hex[:12]}-{command.command_id}",
                }
                response = http.post(path, json=body, headers=headers)
                if 400 <= response.status_code < 500:
                    stats.refused[f"{response.status_code} {response.json().get('code', '')}"] += 1
                    break
                response.raise_for_status()
                result = response.json()
                case_id = result["case_id"]
                stats.commands += 1
                stats.events += len(result["events"])
            stats.cases += 1
            stats.last_case = case_id
            if progress is not None:
                progress(stats)
    return stats
